import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { crc32 } from 'node:zlib';

/** The X-Amz-Target prefix of DynamoDB's JSON protocol, API version 2012-08-10. */
export const TARGET_PREFIX = 'DynamoDB_20120810.';

/** True when a request names a DynamoDB operation in X-Amz-Target. */
export function isDynamoDBRequest(req: http.IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX);
}

/**
 * Writes a JSON protocol response. `x-amz-crc32` is the CRC32 of the body bytes: the AWS
 * SDKs compare it with the body they received and retry or fail on a mismatch.
 */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': String(bytes.length),
    'x-amzn-RequestId': randomUUID(),
    'x-amz-crc32': String(crc32(bytes)),
  });
  res.end(bytes);
}
