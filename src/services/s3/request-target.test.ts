import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';

import { validateBucketName } from './bucket-name.js';
import { isS3Request, requestTarget, virtualHostBucket } from './request-target.js';

function request(headers: Record<string, string>): http.IncomingMessage {
  return { headers } as unknown as http.IncomingMessage;
}

describe('S3 request recognition', () => {
  it('credential scope decides', () => {
    const s3 = request({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
    });
    const lambda = request({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x',
    });
    assert.equal(
      isS3Request(s3, '/2015-03-31/functions/f/invocations', new URLSearchParams()),
      true,
    );
    assert.equal(isS3Request(lambda, '/bucket/key', new URLSearchParams()), false);
    const presigned = new URLSearchParams({
      'X-Amz-Credential': 'AKID/20260101/us-east-1/s3/aws4_request',
    });
    assert.equal(isS3Request(request({}), '/bucket/key', presigned), true);
  });

  it('unsigned requests by path and host', () => {
    assert.equal(isS3Request(request({}), '/bucket/key', new URLSearchParams()), true);
    assert.equal(isS3Request(request({}), '/', new URLSearchParams()), true);
    assert.equal(
      isS3Request(request({}), '/2015-03-31/functions/f/invocations', new URLSearchParams()),
      false,
    );
    assert.equal(isS3Request(request({}), '/metrics', new URLSearchParams()), false);
    assert.equal(
      isS3Request(request({}), '/_lambdacraft/schedules/Daily/trigger', new URLSearchParams()),
      false,
    );
    assert.equal(
      isS3Request(
        request({ 'x-amz-target': 'DynamoDB_20120810.ListTables' }),
        '/',
        new URLSearchParams(),
      ),
      false,
    );
    assert.equal(
      isS3Request(request({ host: 'photos.localhost:4566' }), '/metrics', new URLSearchParams()),
      true,
    );
  });

  it('virtual-host bucket names', () => {
    assert.equal(virtualHostBucket('photos.localhost:4566'), 'photos');
    assert.equal(virtualHostBucket('photos.s3.localhost'), 'photos');
    assert.equal(virtualHostBucket('my.dotted.bucket.localhost'), 'my.dotted.bucket');
    assert.equal(virtualHostBucket('localhost:4566'), undefined);
    assert.equal(virtualHostBucket('s3.localhost'), undefined);
    assert.equal(virtualHostBucket('127.0.0.1:4566'), undefined);
  });

  it('path-style and virtual-host targets', () => {
    assert.deepEqual(requestTarget('127.0.0.1', '/'), { bucket: undefined, key: undefined });
    assert.deepEqual(requestTarget('127.0.0.1', '/b'), { bucket: 'b', key: undefined });
    assert.deepEqual(requestTarget('127.0.0.1', '/b/'), { bucket: 'b', key: undefined });
    assert.deepEqual(requestTarget('127.0.0.1', '/b/a%20b/c%2Bd+e'), {
      bucket: 'b',
      key: 'a b/c+d+e',
    });
    assert.deepEqual(requestTarget('b.localhost', '/x/y'), { bucket: 'b', key: 'x/y' });
    assert.deepEqual(requestTarget('b.localhost', '/'), { bucket: 'b', key: undefined });
    assert.throws(() => requestTarget('127.0.0.1', `/b/${'k'.repeat(1025)}`), {
      code: 'KeyTooLongError',
    });
  });
});

describe('bucket name rules', () => {
  it('valid names pass', () => {
    for (const name of ['abc', 'my-bucket', 'my.bucket.1', 'a'.repeat(63), '1bucket']) {
      assert.doesNotThrow(() => validateBucketName(name), name);
    }
  });

  it('invalid names raise InvalidBucketName', () => {
    const invalid = [
      'ab',
      'a'.repeat(64),
      'Upper',
      'under_score',
      '-start',
      'end-',
      '.dot',
      'two..dots',
      '192.168.1.1',
      'xn--punycode',
      'sthree-bucket',
      'bucket-s3alias',
      'bucket--ol-s3',
      'space bucket',
    ];
    for (const name of invalid) {
      assert.throws(() => validateBucketName(name), { code: 'InvalidBucketName' }, name);
    }
  });
});
