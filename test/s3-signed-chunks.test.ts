import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';

import { startS3, type RunningS3 } from './s3-helpers.js';

const ACCESS_KEY_ID = 'AKIDLOCALTEST';
const SECRET = 'local-test-secret';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/**
 * Builds a PUT with a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body, signed the way the Amazon S3
 * API Reference describes chunked uploads: a seed signature over the headers, then one
 * signature per chunk chained to the previous one.
 */
function signedChunkedPut(
  host: string,
  path: string,
  chunks: Buffer[],
  options: { corruptChunk?: number } = {},
): Buffer {
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const decodedLength = chunks.reduce((total, chunk) => total + chunk.length, 0);
  const headers: [string, string][] = [
    ['content-encoding', 'aws-chunked'],
    ['host', host],
    ['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'],
    ['x-amz-date', amzDate],
    ['x-amz-decoded-content-length', String(decodedLength)],
  ];
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonicalRequest = [
    'PUT',
    path,
    '',
    ...headers.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  ].join('\n');
  let signingKey = hmac(`AWS4${SECRET}`, date);
  for (const part of ['us-east-1', 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  const seed = hmac(
    signingKey,
    ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n'),
  ).toString('hex');

  const pieces: Buffer[] = [];
  let previous = seed;
  for (const [index, chunk] of [...chunks, Buffer.alloc(0)].entries()) {
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      amzDate,
      scope,
      previous,
      EMPTY_SHA256,
      sha256Hex(chunk),
    ].join('\n');
    const signature = hmac(signingKey, stringToSign).toString('hex');
    const sent = index === options.corruptChunk ? Buffer.from(chunk).fill(0x21, 0, 1) : chunk;
    pieces.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
      sent,
      Buffer.from('\r\n'),
    );
    previous = signature;
  }
  const body = Buffer.concat(pieces);
  const head = [
    `PUT ${path} HTTP/1.1`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    `authorization: AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${scope}, SignedHeaders=${signedHeaders}, Signature=${seed}`,
    `content-length: ${body.length}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head), body]);
}

function exchange(endpoint: string, request: Buffer): Promise<string> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('S3 uploads with chunk signatures', () => {
  let running: RunningS3;
  let host: string;

  before(async () => {
    running = await startS3();
    host = new URL(running.endpoint).host;
    await running.s3.send(new CreateBucketCommand({ Bucket: 'chunks' }));
  });

  after(async () => {
    await running.close();
  });

  it('signed chunks are verified and stored', async () => {
    const chunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'b')];
    const response = await exchange(
      running.endpoint,
      signedChunkedPut(host, '/chunks/signed.bin', chunks),
    );
    assert.match(response, /^HTTP\/1.1 200 /);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'chunks', Key: 'signed.bin' }),
    );
    const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    assert.ok(body.equals(Buffer.concat(chunks)));
  });

  it('altered chunk data fails its signature', async () => {
    const chunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'b')];
    const response = await exchange(
      running.endpoint,
      signedChunkedPut(host, '/chunks/altered.bin', chunks, { corruptChunk: 1 }),
    );
    assert.match(response, /^HTTP\/1.1 403 /);
    assert.match(response, /<Code>SignatureDoesNotMatch<\/Code>/);
    await assert.rejects(
      running.s3.send(new GetObjectCommand({ Bucket: 'chunks', Key: 'altered.bin' })),
      {
        name: 'NoSuchKey',
      },
    );
  });
});
