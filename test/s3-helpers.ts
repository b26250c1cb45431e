import http from 'node:http';

import { S3Client } from '@aws-sdk/client-s3';

import { startPlatform, type RunningPlatform } from './helpers.js';

export interface RunningS3 extends RunningPlatform {
  s3: S3Client;
}

/** Starts a platform without functions and an S3 client for its endpoint, path-style. */
export async function startS3(): Promise<RunningS3> {
  const running = await startPlatform([]);
  const s3 = s3Client(running.endpoint);
  return {
    ...running,
    s3,
    async close() {
      s3.destroy();
      await running.close();
    },
  };
}

export function s3Client(
  endpoint: string,
  options: { accessKeyId?: string; secretAccessKey?: string } = {},
): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: options.accessKeyId ?? 'AKIDLOCALTEST',
      secretAccessKey: options.secretAccessKey ?? 'local-test-secret',
    },
    maxAttempts: 1,
  });
}

/** Reads a GetObject body into a Buffer. */
export async function bodyBytes(
  body: { transformToByteArray(): Promise<Uint8Array> } | undefined,
): Promise<Buffer> {
  if (body === undefined) throw new Error('the response has no body');
  return Buffer.from(await body.transformToByteArray());
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one HTTP request as given, unsigned unless the headers carry a signature. */
export function rawRequest(
  endpoint: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Returns the text of the first element named `name`, or undefined. */
export function xmlElement(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
