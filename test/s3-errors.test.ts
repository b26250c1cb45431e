import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';

import { createChecksum } from '../src/services/s3/checksums.js';
import { rawRequest, startS3, xmlElement, type RawResponse, type RunningS3 } from './s3-helpers.js';

function countObjectFiles(dataDir: string): number {
  const root = path.join(dataDir, 'objects');
  return readdirSync(root).reduce(
    (total, folder) => total + readdirSync(path.join(root, folder)).length,
    0,
  );
}

function crc32Base64(text: string): string {
  const checksum = createChecksum('crc32');
  checksum.update(Buffer.from(text));
  return checksum.digestBase64();
}

/** Writes raw bytes to the endpoint and returns the response status line and body. */
function rawExchange(
  endpoint: string,
  request: string | Buffer,
  endAfterWrite: boolean,
): Promise<string> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(request);
      if (endAfterWrite) socket.end();
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Builds an aws-chunked PUT with an unsigned trailer, as the JavaScript SDK sends streams. */
function chunkedPut(
  key: string,
  chunks: string[],
  trailer: string,
  options: { declaredLength?: number } = {},
): string {
  let body = '';
  for (const chunk of chunks) body += `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`;
  body += `0\r\n${trailer}\r\n\r\n`;
  const decoded =
    options.declaredLength ?? chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0);
  return [
    `PUT /errors/${key} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Encoding: aws-chunked',
    'x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-trailer: x-amz-checksum-crc32',
    `x-amz-decoded-content-length: ${decoded}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

function assertS3Error(response: RawResponse, status: number, code: string): void {
  assert.equal(response.status, status, response.body);
  assert.equal(xmlElement(response.body, 'Code'), code, response.body);
  assert.equal(xmlElement(response.body, 'RequestId'), response.headers['x-amz-request-id']);
  assert.equal(xmlElement(response.body, 'HostId'), response.headers['x-amz-id-2']);
}

describe('S3 errors', () => {
  let running: RunningS3;

  before(async () => {
    running = await startS3();
    await running.s3.send(new CreateBucketCommand({ Bucket: 'errors' }));
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'errors', Key: 'present', Body: 'present' }),
    );
  });

  after(async () => {
    await running.close();
  });

  it('NoSuchKey has the S3 error document', async () => {
    const response = await rawRequest(running.endpoint, 'GET', '/errors/missing%20key');
    assertS3Error(response, 404, 'NoSuchKey');
    assert.equal(xmlElement(response.body, 'Message'), 'The specified key does not exist.');
    assert.equal(xmlElement(response.body, 'Key'), 'missing key');
    assert.equal(response.headers['content-type'], 'application/xml');
    assert.match(response.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/);
  });

  it('NoSuchBucket for objects and listings', async () => {
    assertS3Error(
      await rawRequest(running.endpoint, 'GET', '/no-such-bucket/key'),
      404,
      'NoSuchBucket',
    );
    assertS3Error(
      await rawRequest(running.endpoint, 'GET', '/no-such-bucket?list-type=2'),
      404,
      'NoSuchBucket',
    );
    assertS3Error(
      await rawRequest(running.endpoint, 'PUT', '/no-such-bucket/key', {}, 'x'),
      404,
      'NoSuchBucket',
    );
    const head = await rawRequest(running.endpoint, 'HEAD', '/no-such-bucket');
    assert.equal(head.status, 404);
    assert.equal(head.body, '');
  });

  it('bucket conflicts raise 409 outside us-east-1', async () => {
    // In us-east-1, S3 returns 200 to a CreateBucket of a bucket its owner has, and keeps it.
    await running.s3.send(new CreateBucketCommand({ Bucket: 'errors' }));
    const objectLeft = await rawRequest(running.endpoint, 'HEAD', '/errors/present');
    assert.equal(objectLeft.status, 200);
    await assert.rejects(running.s3.send(new DeleteBucketCommand({ Bucket: 'errors' })), {
      name: 'BucketNotEmpty',
    });
    const inEurope =
      '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>';
    const first = await rawRequest(running.endpoint, 'PUT', '/errors-eu', {}, inEurope);
    assert.equal(first.status, 200);
    const conflict = await rawRequest(running.endpoint, 'PUT', '/errors-eu', {}, inEurope);
    assertS3Error(conflict, 409, 'BucketAlreadyOwnedByYou');
    const usEast =
      '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>';
    const invalid = await rawRequest(running.endpoint, 'PUT', '/errors-us', {}, usEast);
    assertS3Error(invalid, 400, 'InvalidLocationConstraint');
  });

  it('invalid bucket names raise 400', async () => {
    for (const name of [
      'ab',
      'Upper-Case',
      'bad_name',
      '192.168.0.1',
      'xn--bucket',
      'name-s3alias',
      'a..b',
    ]) {
      const response = await rawRequest(running.endpoint, 'PUT', `/${name}`);
      assertS3Error(response, 400, 'InvalidBucketName');
      assert.equal(xmlElement(response.body, 'BucketName'), name);
    }
  });

  it('unsatisfiable range raises 416', async () => {
    await assert.rejects(
      running.s3.send(
        new GetObjectCommand({ Bucket: 'errors', Key: 'present', Range: 'bytes=100-200' }),
      ),
      { name: 'InvalidRange' },
    );
    const response = await rawRequest(running.endpoint, 'GET', '/errors/present', {
      Range: 'bytes=7-',
    });
    assertS3Error(response, 416, 'InvalidRange');
    assert.equal(xmlElement(response.body, 'ActualObjectSize'), '7');
  });

  it('conditional headers give 304 and 412', async () => {
    const head = await running.s3.send(new HeadObjectCommand({ Bucket: 'errors', Key: 'present' }));
    const eTag = head.ETag ?? '';
    const future = new Date(Date.now() + 3600_000).toUTCString();
    const past = new Date(Date.now() - 3600_000).toUTCString();

    const notModified = await rawRequest(running.endpoint, 'GET', '/errors/present', {
      'If-None-Match': eTag,
    });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, eTag);
    assert.equal(notModified.body, '');
    const headNotModified = await rawRequest(running.endpoint, 'HEAD', '/errors/present', {
      'If-Modified-Since': future,
    });
    assert.equal(headNotModified.status, 304);

    assertS3Error(
      await rawRequest(running.endpoint, 'GET', '/errors/present', { 'If-Match': '"0000"' }),
      412,
      'PreconditionFailed',
    );
    assertS3Error(
      await rawRequest(running.endpoint, 'GET', '/errors/present', { 'If-Unmodified-Since': past }),
      412,
      'PreconditionFailed',
    );
    // If-Match fails before If-None-Match is looked at.
    assertS3Error(
      await rawRequest(running.endpoint, 'GET', '/errors/present', {
        'If-Match': '"0000"',
        'If-None-Match': eTag,
      }),
      412,
      'PreconditionFailed',
    );
    const star = await rawRequest(running.endpoint, 'GET', '/errors/present', { 'If-Match': '*' });
    assert.equal(star.status, 200);
  });

  it('unknown method and operation', async () => {
    assertS3Error(
      await rawRequest(running.endpoint, 'PATCH', '/errors/present'),
      405,
      'MethodNotAllowed',
    );
    const acl = await rawRequest(running.endpoint, 'GET', '/errors?acl');
    assertS3Error(acl, 501, 'NotImplemented');
    assert.match(xmlElement(acl.body, 'Message') ?? '', /GET ACL operation/);
    const website = await rawRequest(running.endpoint, 'PUT', '/errors?website', {}, '<x/>');
    assertS3Error(website, 501, 'NotImplemented');
    assert.match(xmlElement(website.body, 'Message') ?? '', /BucketWebsite/);
  });

  it('versionId other than null is not implemented', async () => {
    for (const [method, target] of [
      ['GET', '/errors/present?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY'],
      ['HEAD', '/errors/present?versionId=abc'],
      ['DELETE', '/errors/present?versionId=abc'],
      ['PUT', '/errors/present?tagging&versionId=abc'],
    ] as const) {
      const response = await rawRequest(running.endpoint, method, target, {}, '');
      assert.equal(response.status, 501, `${method} ${target}`);
    }
    const current = await rawRequest(running.endpoint, 'GET', '/errors/present?versionId=null');
    assert.equal(current.status, 200);
    const head = await rawRequest(running.endpoint, 'HEAD', '/errors/present');
    assert.equal(head.status, 200, 'the DELETE with a versionId left the object');
  });

  it('error without a body keeps the connection', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const url = new URL(running.endpoint);
    const connectionHeader = (method: string, path: string, body?: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method, path, agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers.connection));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      assert.equal(await connectionHeader('HEAD', '/errors/missing-key'), 'keep-alive');
      assert.equal(await connectionHeader('GET', '/errors/missing-key'), 'keep-alive');
      assert.equal(await connectionHeader('PUT', '/no-such-bucket/key', 'body'), 'close');
    } finally {
      agent.destroy();
    }
  });

  it('malformed XML raises MalformedXML', async () => {
    const response = await rawRequest(
      running.endpoint,
      'POST',
      '/errors?delete',
      {},
      '<Delete><Object></Delete>',
    );
    assertS3Error(response, 400, 'MalformedXML');
  });

  it('aws-chunked trailer checksum is verified', async () => {
    const good = await rawExchange(
      running.endpoint,
      chunkedPut(
        'trailer-good',
        ['hello ', 'world'],
        `x-amz-checksum-crc32:${crc32Base64('hello world')}`,
      ),
      false,
    );
    assert.match(good, /^HTTP\/1.1 200 /);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'errors', Key: 'trailer-good', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(await got.Body?.transformToString(), 'hello world');
    assert.equal(got.ChecksumCRC32, crc32Base64('hello world'));

    const before = countObjectFiles(running.dataDir);
    const bad = await rawExchange(
      running.endpoint,
      chunkedPut(
        'trailer-bad',
        ['hello ', 'world'],
        `x-amz-checksum-crc32:${crc32Base64('other')}`,
      ),
      false,
    );
    assert.match(bad, /^HTTP\/1.1 400 /);
    assert.match(bad, /<Code>BadDigest<\/Code>/);
    assert.equal(countObjectFiles(running.dataDir), before);
    await assert.rejects(
      running.s3.send(new HeadObjectCommand({ Bucket: 'errors', Key: 'trailer-bad' })),
      {
        name: 'NotFound',
      },
    );
  });

  it('truncated aws-chunked body raises IncompleteBody', async () => {
    const before = countObjectFiles(running.dataDir);
    const request = chunkedPut('truncated', ['hello world'], 'x-amz-checksum-crc32:AAAAAA==');
    // Cut inside the chunk data and half-close, so the request body ends early.
    const headerEnd = request.indexOf('\r\n\r\n') + 4;
    const withoutLength = request
      .slice(0, headerEnd)
      .replace(/Content-Length: \d+\r\n/, '')
      .replace('Connection: close', 'Transfer-Encoding: chunked\r\nConnection: close');
    const bodyPart = request.slice(headerEnd, headerEnd + 8);
    const framed = `${withoutLength}${bodyPart.length.toString(16)}\r\n${bodyPart}\r\n0\r\n\r\n`;
    const response = await rawExchange(running.endpoint, framed, false);
    assert.match(response, /^HTTP\/1.1 400 /);
    assert.match(response, /<Code>IncompleteBody<\/Code>/);
    assert.equal(countObjectFiles(running.dataDir), before);
  });

  it('decoded length mismatch raises IncompleteBody', async () => {
    const response = await rawExchange(
      running.endpoint,
      chunkedPut('short', ['hello'], `x-amz-checksum-crc32:${crc32Base64('hello')}`, {
        declaredLength: 50,
      }),
      false,
    );
    assert.match(response, /<Code>IncompleteBody<\/Code>/);
  });

  it('chunked body over declared length fails', async () => {
    const before = countObjectFiles(running.dataDir);
    const response = await rawExchange(
      running.endpoint,
      chunkedPut('long', ['hello', 'world'], `x-amz-checksum-crc32:${crc32Base64('helloworld')}`, {
        declaredLength: 2,
      }),
      false,
    );
    assert.match(response, /<Code>IncompleteBody<\/Code>/);
    assert.match(response, /longer than the declared 2 bytes/);
    assert.equal(countObjectFiles(running.dataDir), before);
  });

  it('payload hash mismatch is rejected', async () => {
    const response = await rawRequest(
      running.endpoint,
      'PUT',
      '/errors/sha-mismatch',
      { 'x-amz-content-sha256': 'a'.repeat(64) },
      'body',
    );
    assertS3Error(response, 400, 'XAmzContentSHA256Mismatch');
  });

  it('large body digests are checked', async () => {
    // Over 1 MiB, so the body is written in several batches before the digests are checked.
    const body = Buffer.alloc(3 * 1024 * 1024 + 5, 'z');
    const before = countObjectFiles(running.dataDir);
    const shaMismatch = await rawRequest(
      running.endpoint,
      'PUT',
      '/errors/large-sha',
      { 'x-amz-content-sha256': 'a'.repeat(64) },
      body,
    );
    assertS3Error(shaMismatch, 400, 'XAmzContentSHA256Mismatch');
    const md5Mismatch = await rawRequest(
      running.endpoint,
      'PUT',
      '/errors/large-md5',
      { 'content-md5': createHash('md5').update('other').digest('base64') },
      body,
    );
    assertS3Error(md5Mismatch, 400, 'BadDigest');
    assert.equal(countObjectFiles(running.dataDir), before);

    const put = await running.s3.send(
      new PutObjectCommand({ Bucket: 'errors', Key: 'large-good', Body: body }),
    );
    assert.equal(put.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'errors', Key: 'large-good' }),
    );
    const stored = await got.Body?.transformToByteArray();
    assert.ok(stored !== undefined);
    assert.ok(Buffer.from(stored).equals(body));
  });

  it('body without Content-Length raises 411', async () => {
    const response = await rawExchange(
      running.endpoint,
      'PUT /errors/no-length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nbody\r\n0\r\n\r\n',
      false,
    );
    assert.match(response, /^HTTP\/1.1 411 /);
    assert.match(response, /<Code>MissingContentLength<\/Code>/);
  });

  it('client disconnect mid-upload leaves no file', async () => {
    const before = countObjectFiles(running.dataDir);
    const url = new URL(running.endpoint);
    const upload = http.request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: '/errors/abandoned',
      headers: { 'Content-Length': String(64 * 1024 * 1024) },
    });
    upload.on('error', () => undefined);
    upload.write(Buffer.alloc(1024 * 1024, 'a'));
    while (countObjectFiles(running.dataDir) === before) await delay(10);
    upload.destroy();
    while (countObjectFiles(running.dataDir) !== before) await delay(10);
    await assert.rejects(
      running.s3.send(new HeadObjectCommand({ Bucket: 'errors', Key: 'abandoned' })),
      {
        name: 'NotFound',
      },
    );
  });

  it('client keeps working after a rejected upload', async () => {
    await assert.rejects(
      running.s3.send(
        new PutObjectCommand({
          Bucket: 'errors',
          Key: 'rejected',
          Body: Buffer.alloc(2 * 1024 * 1024, 'r'),
          ContentMD5: Buffer.alloc(16).toString('base64'),
        }),
      ),
      { name: 'BadDigest' },
    );
    const got = await running.s3.send(new GetObjectCommand({ Bucket: 'errors', Key: 'present' }));
    assert.equal(await got.Body?.transformToString(), 'present');
  });

  it('Lambda paths still reach the Lambda API', async () => {
    const response = await rawRequest(
      running.endpoint,
      'POST',
      '/2015-03-31/functions/absent/invocations',
      {},
      '{}',
    );
    assert.equal(response.status, 404);
    assert.equal(response.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  });
});
