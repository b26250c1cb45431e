import http from 'node:http';
import { Readable } from 'node:stream';

import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

import { countBytes } from './file-floor.js';

/**
 * The access key and secret of the platform's test credentials. The platform verifies the
 * signatures of requests signed with them, so the benchmark includes that check.
 */
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/**
 * Returns an S3 client for `endpoint` with path-style addressing, no retries, and one
 * keep-alive agent of at most `maxSockets` connections. The SDK reads neither environment
 * credentials nor instance metadata, because the credentials are given here.
 */
export function benchS3Client(endpoint: string, maxSockets: number): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets }) },
  });
}

/** Creates `bucket`. A bucket this account already owns is no error. */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
    throw error;
  }
}

export async function putSmallObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Reads an object whole and checks its length. */
export async function getSmallObject(
  client: S3Client,
  bucket: string,
  key: string,
  expectedBytes: number,
): Promise<void> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = (await response.Body?.transformToByteArray())?.length;
  if (bytes !== expectedBytes) {
    throw new Error(`GetObject ${bucket}/${key} returned ${bytes} bytes, not ${expectedBytes}`);
  }
}

/** Streams an object's body to nowhere and returns its length. */
export async function downloadObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<number> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!(response.Body instanceof Readable)) {
    throw new Error(`GetObject ${bucket}/${key} returned no Node.js stream body`);
  }
  return countBytes(response.Body);
}

/**
 * Sends an unsigned PutObject with Node.js's own HTTP client over `agent`. The platform
 * accepts unsigned requests, so this measures the server without the SDK's per-request work.
 */
export function rawPut(
  agent: http.Agent,
  port: number,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/${bucket}/${encodeURIComponent(key)}`,
        agent,
        headers: { 'Content-Length': body.length },
      },
      (response) => {
        response.resume();
        response.once('error', reject);
        response.once('end', () => {
          if (response.statusCode === 200) resolve();
          else reject(new Error(`PUT /${bucket}/${key} returned status ${response.statusCode}`));
        });
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}
