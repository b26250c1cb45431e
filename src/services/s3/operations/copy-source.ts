import type { Readable } from 'node:stream';

import type { StoredObject } from '../../../state/objects.js';
import { isChecksumAlgorithm } from '../checksums.js';
import { evaluateCopySourceConditions } from '../conditions.js';
import { headerValue, type S3Request } from '../context.js';
import { notImplemented, s3Error } from '../errors.js';
import type { ByteRange } from '../range.js';
import { DigestStream, digestedChunks } from '../upload-body.js';

/** Finds the object an `x-amz-copy-source` header names and checks its copy conditions. */
export function findCopySource(request: S3Request): StoredObject {
  const header = headerValue(request.req, 'x-amz-copy-source') ?? '';
  const { bucket, key, versionId } = parseCopySource(header);
  if (versionId !== undefined && versionId !== 'null')
    throw notImplemented('Copying an object version');
  if (request.context.objects.findBucket(bucket) === undefined) {
    throw s3Error('NoSuchBucket', { BucketName: bucket });
  }
  const source = request.context.objects.findObject(bucket, key);
  if (source === undefined) throw s3Error('NoSuchKey', { Key: key });
  evaluateCopySourceConditions(request.req, source);
  return source;
}

/**
 * Parses `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, optionally with
 * `?versionId=`; access point ARNs are not supported.
 */
function parseCopySource(header: string): {
  bucket: string;
  key: string;
  versionId: string | undefined;
} {
  const [path = '', queryText = ''] = header.split('?', 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    decoded = '';
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'x-amz-copy-source', ArgumentValue: header },
      'Invalid copy source object key',
    );
  }
  const versionId = new URLSearchParams(queryText).get('versionId') ?? undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

/**
 * Copies a source object, or a range of it, into a new file; returns it with its MD5. Call it
 * in the same synchronous step as findCopySource, for the reason openRead gives.
 */
export async function copyContent(
  request: S3Request,
  source: StoredObject,
  range: ByteRange | undefined,
): Promise<{ fileId: string; size: number; md5Hex: string; digest: DigestStream }> {
  const content: Readable = await request.context.files.openRead(
    source.files,
    range?.start,
    range?.end,
  );
  // The copy gets a full-object checksum of the source's algorithm, also when the source
  // has a composite checksum from a multipart upload.
  const checksum = Object.keys(source.checksums)[0];
  const digest = new DigestStream(
    checksum !== undefined && isChecksumAlgorithm(checksum) ? checksum : undefined,
    false,
  );
  const fileId = await request.context.files.write(digestedChunks(content, digest));
  return { fileId, size: digest.size, md5Hex: digest.md5Hex(), digest };
}
