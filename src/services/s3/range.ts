import { s3Error } from './errors.js';

/** An inclusive byte range of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range: bytes=...` header against an object's size: `a-b`, `a-` and the suffix
 * form `-n`. S3 ignores a header it does not understand (another unit, several ranges, bad
 * syntax), so the whole object is returned. An unsatisfiable range raises InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;

  if (first === '') {
    const suffixLength = Number(last);
    if (suffixLength === 0 || size === 0) throw invalidRange(size, header);
    return { start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw invalidRange(size, header);
  return { start, end };
}

function invalidRange(size: number, header: string): Error {
  return s3Error('InvalidRange', {
    RangeRequested: header,
    ActualObjectSize: String(size),
  });
}

/** Parses `x-amz-copy-source-range: bytes=a-b`, which must be a complete, satisfiable range. */
export function parseCopySourceRange(header: string, size: number): ByteRange {
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (match === null) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header },
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
    );
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start || end >= size) {
    throw s3Error(
      'InvalidRange',
      { ActualObjectSize: String(size), RangeRequested: header },
      `Range specified is not valid for source object of size: ${size}`,
    );
  }
  return { start, end };
}
