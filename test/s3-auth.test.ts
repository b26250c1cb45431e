import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import { rawRequest, s3Client, startS3, xmlElement, type RunningS3 } from './s3-helpers.js';

/** Returns a presigned URL's path and query, for sending to the endpoint's own host. */
function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

describe('S3 signatures, presigned URLs and virtual hosts', () => {
  let running: RunningS3;

  before(async () => {
    running = await startS3();
    await running.s3.send(new CreateBucketCommand({ Bucket: 'signed' }));
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'signed', Key: 'doc.txt', Body: 'presigned body' }),
    );
  });

  after(async () => {
    await running.close();
  });

  it('wrong secret raises SignatureDoesNotMatch', async () => {
    const wrong = s3Client(running.endpoint, { secretAccessKey: 'not-the-secret' });
    try {
      await assert.rejects(
        wrong.send(new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' })),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(error.name, 'SignatureDoesNotMatch');
          assert.equal(error.$metadata?.httpStatusCode, 403);
          return true;
        },
      );
    } finally {
      wrong.destroy();
    }
  });

  it('unknown access key is accepted', async () => {
    const other = s3Client(running.endpoint, {
      accessKeyId: 'AKIDSOMEONEELSE',
      secretAccessKey: 'anything',
    });
    try {
      const got = await other.send(new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' }));
      assert.equal(await got.Body?.transformToString(), 'presigned body');
    } finally {
      other.destroy();
    }
  });

  it('environment credentials are verified', async () => {
    const platformKey = s3Client(running.endpoint, {
      accessKeyId: 'AKIALAMBDACRAFTLOCAL',
      secretAccessKey: 'lambdacraft-local-secret',
    });
    const wrong = s3Client(running.endpoint, {
      accessKeyId: 'AKIALAMBDACRAFTLOCAL',
      secretAccessKey: 'guess',
    });
    try {
      const got = await platformKey.send(
        new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' }),
      );
      assert.equal(await got.Body?.transformToString(), 'presigned body');
      await assert.rejects(wrong.send(new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' })), {
        name: 'SignatureDoesNotMatch',
      });
    } finally {
      platformKey.destroy();
      wrong.destroy();
    }
  });

  it('presigned GET works until it expires', async () => {
    const url = await getSignedUrl(
      running.s3,
      new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' }),
      {
        expiresIn: 60,
      },
    );
    const response = await rawRequest(running.endpoint, 'GET', pathOf(url));
    assert.equal(response.status, 200);
    assert.equal(response.body, 'presigned body');

    // Signed five seconds ago with a one-second expiry: expired without waiting.
    const expired = await getSignedUrl(
      running.s3,
      new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 5000),
      },
    );
    const rejected = await rawRequest(running.endpoint, 'GET', pathOf(expired));
    assert.equal(rejected.status, 403);
    assert.equal(xmlElement(rejected.body, 'Code'), 'AccessDenied');
    assert.equal(xmlElement(rejected.body, 'Message'), 'Request has expired');
  });

  it('tampered presigned URL is rejected', async () => {
    const url = await getSignedUrl(
      running.s3,
      new GetObjectCommand({ Bucket: 'signed', Key: 'doc.txt' }),
      {
        expiresIn: 60,
      },
    );
    const otherKey = pathOf(url).replace('/signed/doc.txt', '/signed/other.txt');
    const response = await rawRequest(running.endpoint, 'GET', otherKey);
    assert.equal(response.status, 403);
    assert.equal(xmlElement(response.body, 'Code'), 'SignatureDoesNotMatch');

    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(url)?.[1] ?? '';
    const flipped = pathOf(url).replace(
      signature,
      signature.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    const second = await rawRequest(running.endpoint, 'GET', flipped);
    assert.equal(second.status, 403);
    assert.equal(xmlElement(second.body, 'Code'), 'SignatureDoesNotMatch');
  });

  it('presigned PUT uploads an object', async () => {
    const url = await getSignedUrl(
      running.s3,
      new PutObjectCommand({ Bucket: 'signed', Key: 'uploaded via url.txt' }),
      { expiresIn: 60 },
    );
    const response = await rawRequest(
      running.endpoint,
      'PUT',
      pathOf(url),
      {},
      'put through a URL',
    );
    assert.equal(response.status, 200);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'signed', Key: 'uploaded via url.txt' }),
    );
    assert.equal(await got.Body?.transformToString(), 'put through a URL');
  });

  it('virtual-host style with signed requests', async () => {
    const port = new URL(running.endpoint).port;
    // The client addresses `<bucket>.localhost` and signs that Host; the request itself goes
    // to 127.0.0.1, so no name resolution is involved.
    const virtualHost = new S3Client({
      endpoint: `http://localhost:${port}`,
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
      maxAttempts: 1,
    });
    virtualHost.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { hostname?: string; headers: Record<string, string> };
        assert.match(request.headers.host ?? '', /^signed\.localhost:\d+$/);
        request.hostname = '127.0.0.1';
        return next(args);
      },
      { step: 'deserialize', name: 'sendToLoopback' },
    );
    try {
      await virtualHost.send(
        new PutObjectCommand({ Bucket: 'signed', Key: 'vhost/key.txt', Body: 'virtual' }),
      );
      const got = await virtualHost.send(
        new GetObjectCommand({ Bucket: 'signed', Key: 'vhost/key.txt' }),
      );
      assert.equal(await got.Body?.transformToString(), 'virtual');
    } finally {
      virtualHost.destroy();
    }
    const unsigned = await rawRequest(running.endpoint, 'GET', '/vhost/key.txt', {
      Host: `signed.localhost:${port}`,
    });
    assert.equal(unsigned.status, 200);
    assert.equal(unsigned.body, 'virtual');
  });
});
