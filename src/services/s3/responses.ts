import { randomBytes } from 'node:crypto';
import type http from 'node:http';

import { LambdaCraftError } from '../../errors.js';
import type { S3Request } from './context.js';
import { isS3Error, s3Error } from './errors.js';
import { toXml, type XmlElement } from './xml.js';

/** Random bytes fetched at once for the ids of many requests: one call per 4 KiB, not two per request. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomSlice(length: number): Buffer {
  if (randomOffset + length > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const slice = randomPool.subarray(randomOffset, randomOffset + length);
  randomOffset += length;
  return slice;
}

/** Creates a request id shaped like S3's: 16 uppercase hexadecimal digits. */
export function newRequestId(): string {
  return randomSlice(8).toString('hex').toUpperCase();
}

/** Creates an extended request id (`x-amz-id-2`), which S3 sends as base64. */
export function newHostId(): string {
  return randomSlice(48).toString('base64');
}

/** Sends an XML document with the request id headers. */
export function sendXml(
  request: S3Request,
  root: string,
  body: XmlElement | string,
  headers: Record<string, string> = {},
  status = 200,
): void {
  const text = toXml(root, body);
  request.res.writeHead(status, {
    ...idHeaders(request.requestId, request.hostId),
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  request.res.end(text);
}

/** Sends a response without a body. */
export function sendEmpty(
  request: S3Request,
  status: number,
  headers: Record<string, string> = {},
): void {
  request.res.writeHead(status, {
    ...idHeaders(request.requestId, request.hostId),
    ...(status === 304 || status === 204 ? {} : { 'Content-Length': '0' }),
    ...headers,
  });
  request.res.end();
}

export function idHeaders(requestId: string, hostId: string): Record<string, string> {
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId };
}

/**
 * Writes an error as S3 does: an XML `Error` document with Code, Message, the error's
 * details, RequestId and HostId. HEAD responses carry no body, so clients read the status.
 * An error that is not one of S3's becomes InternalError.
 */
export function sendS3Error(
  res: http.ServerResponse,
  method: string | undefined,
  error: unknown,
  ids: { requestId: string; hostId: string },
): void {
  const s3 = isS3Error(error) ? error : internalError(error);
  const body = toXml(
    'Error',
    {
      Code: s3.code,
      Message: s3.message,
      ...s3.details,
      RequestId: ids.requestId,
      HostId: ids.hostId,
    },
    false,
  );
  const headers: Record<string, string> = {
    ...idHeaders(ids.requestId, ids.hostId),
    'Content-Type': 'application/xml',
  };
  if (method === 'HEAD') {
    res.writeHead(s3.status, headers);
    res.end();
    return;
  }
  res.writeHead(s3.status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function internalError(error: unknown): LambdaCraftError {
  const message = error instanceof LambdaCraftError ? error.message : undefined;
  return s3Error('InternalError', {}, message);
}

/** Formats a time as S3's XML timestamps do (ISO 8601 with milliseconds). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Formats a time as the Last-Modified header does (RFC 7231). */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
