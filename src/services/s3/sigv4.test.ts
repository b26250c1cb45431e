import assert from 'node:assert/strict';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';

import { AwsChunkedDecoder } from './aws-chunked.js';
import { verifySignature } from './sigv4.js';

/**
 * The worked examples of the Amazon S3 API Reference, "Signature Calculations for the
 * Authorization Header" and "Transferring Payload in Multiple Chunks", all signed with this
 * key pair on 2013-05-24.
 */
const EXAMPLE_CREDENTIALS = new Map([
  ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
]);
const EXAMPLE_TIME_MS = Date.UTC(2013, 4, 24, 0, 0, 0);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Builds the parts of a node:http request that signature verification reads. */
function fakeRequest(method: string, headers: [string, string][]): http.IncomingMessage {
  const lowercase: Record<string, string> = {};
  for (const [name, value] of headers) lowercase[name.toLowerCase()] = value;
  return {
    method,
    headers: lowercase,
    rawHeaders: headers.flat(),
  } as unknown as http.IncomingMessage;
}

describe('SigV4 verification', () => {
  it('GET object example signature', () => {
    const req = fakeRequest('GET', [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['Range', 'bytes=0-9'],
      ['x-amz-content-sha256', EMPTY_SHA256],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ],
    ]);
    const signed = verifySignature(req, '/test.txt', '', EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS);
    assert.equal(signed?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(signed?.payloadHash, EMPTY_SHA256);
  });

  it('tampered header fails the check', () => {
    const req = fakeRequest('GET', [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['Range', 'bytes=0-10'],
      ['x-amz-content-sha256', EMPTY_SHA256],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ],
    ]);
    assert.throws(
      () => verifySignature(req, '/test.txt', '', EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS),
      {
        code: 'SignatureDoesNotMatch',
      },
    );
  });

  it('signing key is cached per secret', () => {
    const headers: [string, string][] = [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['Range', 'bytes=0-9'],
      ['x-amz-content-sha256', EMPTY_SHA256],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ],
    ];
    const verify = (credentials: Map<string, string>) =>
      verifySignature(fakeRequest('GET', headers), '/test.txt', '', credentials, EXAMPLE_TIME_MS);
    // The first call derives and caches the key of this secret and scope; the second reuses it.
    assert.equal(verify(EXAMPLE_CREDENTIALS)?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(verify(EXAMPLE_CREDENTIALS)?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    // The same access key and scope with another secret must not reuse the cached key.
    const otherSecret = new Map([['AKIAIOSFODNN7EXAMPLE', 'another-secret']]);
    assert.throws(() => verify(otherSecret), { code: 'SignatureDoesNotMatch' });
  });

  it('repeated signed header values joined', () => {
    // Two `X-Custom` lines sign as one comma-separated value with inner spaces collapsed.
    const req = fakeRequest('GET', [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['X-Custom', ' a   b '],
      ['x-custom', 'c'],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date;x-custom,Signature=0000',
      ],
    ]);
    assert.throws(
      () => verifySignature(req, '/test.txt', '', EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS),
      (error: { code?: string; details?: Record<string, string> }) => {
        assert.equal(error.code, 'SignatureDoesNotMatch');
        assert.match(error.details?.CanonicalRequest ?? '', /\nx-custom:a b,c\n/);
        return true;
      },
    );
  });

  it('unknown access key is accepted unchecked', () => {
    const req = fakeRequest('GET', [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=SOMEOTHERKEY/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=0000',
      ],
    ]);
    const signed = verifySignature(req, '/test.txt', '', EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS);
    assert.equal(signed?.accessKeyId, 'SOMEOTHERKEY');
    assert.equal(signed?.chunkSigning, undefined);
  });

  it('clock skew beyond 15 minutes is rejected', () => {
    const req = fakeRequest('GET', [
      ['Host', 'examplebucket.s3.amazonaws.com'],
      ['x-amz-date', '20130524T000000Z'],
      [
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=SOMEOTHERKEY/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=0000',
      ],
    ]);
    assert.throws(
      () =>
        verifySignature(req, '/test.txt', '', EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS + 16 * 60_000),
      { code: 'RequestTimeTooSkewed' },
    );
  });

  it('expired SigV2 presigned URL is refused', () => {
    const req = fakeRequest('GET', [['Host', '127.0.0.1:4566']]);
    const query = 'AWSAccessKeyId=AKIDLOCAL&Signature=zzz&Expires=1000000000';
    assert.throws(
      () => verifySignature(req, '/bucket/key', query, EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS),
      { code: 'AccessDenied' },
    );
    const fresh = 'AWSAccessKeyId=AKIDLOCAL&Signature=zzz&Expires=9000000000';
    assert.equal(
      verifySignature(req, '/bucket/key', fresh, EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS),
      undefined,
    );
  });

  it('presigned URL example signature and expiry', () => {
    const query =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const req = fakeRequest('GET', [['Host', 'examplebucket.s3.amazonaws.com']]);
    const signed = verifySignature(
      req,
      '/test.txt',
      query,
      EXAMPLE_CREDENTIALS,
      EXAMPLE_TIME_MS + 3600_000,
    );
    assert.equal(signed?.payloadHash, 'UNSIGNED-PAYLOAD');

    assert.throws(
      () =>
        verifySignature(req, '/test.txt', query, EXAMPLE_CREDENTIALS, EXAMPLE_TIME_MS + 86_401_000),
      { code: 'AccessDenied', message: 'Request has expired' },
    );
    assert.throws(
      () =>
        verifySignature(
          req,
          '/test.txt',
          query.replace('86400', '86401'),
          EXAMPLE_CREDENTIALS,
          EXAMPLE_TIME_MS,
        ),
      { code: 'SignatureDoesNotMatch' },
    );
  });
});

describe('aws-chunked with chunk signatures', () => {
  const seedRequest = fakeRequest('PUT', [
    ['Host', 's3.amazonaws.com'],
    ['x-amz-date', '20130524T000000Z'],
    ['x-amz-storage-class', 'REDUCED_REDUNDANCY'],
    [
      'Authorization',
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    ],
    ['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'],
    ['Content-Encoding', 'aws-chunked'],
    ['x-amz-decoded-content-length', '66560'],
    ['Content-Length', '66824'],
  ]);

  function exampleBody(finalSignature: string): Buffer {
    return Buffer.concat([
      Buffer.from(
        '10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n',
      ),
      Buffer.alloc(65536, 'a'),
      Buffer.from(
        '\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n',
      ),
      Buffer.alloc(1024, 'a'),
      Buffer.from(`\r\n0;chunk-signature=${finalSignature}\r\n\r\n`),
    ]);
  }

  it('PUT example decodes with valid signatures', async () => {
    const signed = verifySignature(
      seedRequest,
      '/examplebucket/chunkObject.txt',
      '',
      EXAMPLE_CREDENTIALS,
      EXAMPLE_TIME_MS,
    );
    assert.ok(signed?.chunkSigning !== undefined);
    const body = exampleBody('b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9');
    assert.equal(body.length, 66824);
    const decoded = await buffer(
      Readable.from([body]).pipe(new AwsChunkedDecoder(signed.chunkSigning)),
    );
    assert.equal(decoded.length, 66560);
    assert.ok(decoded.equals(Buffer.alloc(66560, 'a')));
  });

  it('wrong final chunk signature is rejected', async () => {
    const signed = verifySignature(
      seedRequest,
      '/examplebucket/chunkObject.txt',
      '',
      EXAMPLE_CREDENTIALS,
      EXAMPLE_TIME_MS,
    );
    const body = exampleBody('b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df8');
    await assert.rejects(
      buffer(Readable.from([body]).pipe(new AwsChunkedDecoder(signed?.chunkSigning))),
      {
        code: 'SignatureDoesNotMatch',
      },
    );
  });

  it('body split at every byte boundary decodes', async () => {
    const body = Buffer.from(
      '5;chunk-signature=x\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n',
    );
    for (const size of [1, 2, 3, 7, 13]) {
      const pieces: Buffer[] = [];
      for (let offset = 0; offset < body.length; offset += size)
        pieces.push(body.subarray(offset, offset + size));
      const decoder = new AwsChunkedDecoder(undefined);
      const decoded = await buffer(Readable.from(pieces).pipe(decoder));
      assert.equal(decoded.toString(), 'hello world', `pieces of ${size}`);
      assert.equal(decoder.trailers.get('x-amz-checksum-crc32'), 'AAAA', `pieces of ${size}`);
    }
  });

  it('truncated body raises IncompleteBody', async () => {
    const body = Buffer.from('a\r\nhello');
    await assert.rejects(buffer(Readable.from([body]).pipe(new AwsChunkedDecoder(undefined))), {
      code: 'IncompleteBody',
    });
  });
});
