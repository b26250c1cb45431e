import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';

import type { S3ObjectEvent } from '../src/services/s3/events.js';
import { bodyBytes, rawRequest, startS3, type RunningS3 } from './s3-helpers.js';

function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

describe('S3 API through the JavaScript SDK', () => {
  let running: RunningS3;
  const events: S3ObjectEvent[] = [];

  before(async () => {
    running = await startS3();
    running.platform.s3.addListener((event) => events.push(event));
    await running.s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
  });

  after(async () => {
    await running.close();
  });

  it('bucket create, head, list and location', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'buckets-test' }));
    const head = await running.s3.send(new HeadBucketCommand({ Bucket: 'buckets-test' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.equal(head.BucketRegion, 'us-east-1');

    const list = await running.s3.send(new ListBucketsCommand({}));
    const names = (list.Buckets ?? []).map((bucket) => bucket.Name);
    assert.ok(names.includes('buckets-test'));
    assert.ok(names.includes('objects'));

    const location = await running.s3.send(
      new GetBucketLocationCommand({ Bucket: 'buckets-test' }),
    );
    assert.equal(location.LocationConstraint, undefined);

    await running.s3.send(
      new CreateBucketCommand({
        Bucket: 'west-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
      }),
    );
    const west = await running.s3.send(new GetBucketLocationCommand({ Bucket: 'west-bucket' }));
    assert.equal(west.LocationConstraint, 'us-west-2');

    await running.s3.send(new DeleteBucketCommand({ Bucket: 'buckets-test' }));
    await running.s3.send(new DeleteBucketCommand({ Bucket: 'west-bucket' }));
    const after = await running.s3.send(new ListBucketsCommand({}));
    assert.ok(!(after.Buckets ?? []).some((bucket) => bucket.Name === 'buckets-test'));
  });

  it('put and get keep headers and metadata', async () => {
    const put = await running.s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'docs/report.txt',
        Body: 'hello world',
        ContentType: 'text/plain; charset=utf-8',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="report.txt"',
        CacheControl: 'max-age=60',
        ContentLanguage: 'en',
        Expires: new Date('2030-01-01T00:00:00Z'),
        Metadata: { color: 'red', 'Mixed-Case': 'value' },
      }),
    );
    assert.equal(put.ETag, `"${md5Hex('hello world')}"`);

    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'docs/report.txt' }),
    );
    assert.equal((await bodyBytes(got.Body)).toString(), 'hello world');
    assert.equal(got.ETag, put.ETag);
    assert.equal(got.ContentType, 'text/plain; charset=utf-8');
    assert.equal(got.ContentEncoding, 'identity');
    assert.equal(got.ContentDisposition, 'attachment; filename="report.txt"');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.equal(got.ContentLanguage, 'en');
    assert.equal(got.Expires?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.deepEqual(got.Metadata, { color: 'red', 'mixed-case': 'value' });
    assert.equal(got.ContentLength, 11);
    assert.ok(got.LastModified instanceof Date);
    assert.ok(
      got.$metadata.requestId !== undefined && /^[0-9A-F]{16}$/.test(got.$metadata.requestId),
    );
    assert.ok(got.$metadata.extendedRequestId !== undefined);

    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'docs/report.txt' }),
    );
    assert.equal(head.ContentLength, 11);
    assert.equal(head.ETag, put.ETag);
    assert.deepEqual(head.Metadata, { color: 'red', 'mixed-case': 'value' });
  });

  it('default content type is binary/octet-stream', async () => {
    // The SDK sets a Content-Type of its own, so this upload goes without one over plain HTTP.
    const put = await rawRequest(
      running.endpoint,
      'PUT',
      '/objects/untyped',
      {},
      Buffer.from([1, 2, 3]),
    );
    assert.equal(put.status, 200);
    assert.equal(put.headers.etag, `"${md5Hex(Buffer.from([1, 2, 3]))}"`);
    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'untyped' }),
    );
    assert.equal(head.ContentType, 'binary/octet-stream');
  });

  it('streamed body uses aws-chunked and round-trips', async () => {
    const content = Buffer.alloc(300_000, 'x');
    const put = await running.s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'streamed.bin',
        Body: Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]),
        ContentLength: content.length,
      }),
    );
    assert.equal(put.ETag, `"${md5Hex(content)}"`);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'streamed.bin', ChecksumMode: 'ENABLED' }),
    );
    assert.deepEqual(await bodyBytes(got.Body), content);
    assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
  });

  it('keys with unicode, spaces and symbols round-trip', async () => {
    const keys = [
      'with space.txt',
      'plus+sign',
      'percent%20literal',
      'a/b/c/deep.txt',
      '../dot-dot/escape',
      'ünïcödé/日本語.txt',
      'emoji 🎉 key',
      'question?mark&amp=1#hash',
      '//leading-slashes',
      'trailing/',
    ];
    for (const key of keys) {
      await running.s3.send(
        new PutObjectCommand({ Bucket: 'objects', Key: key, Body: `body of ${key}` }),
      );
      const got = await running.s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
      assert.equal((await bodyBytes(got.Body)).toString(), `body of ${key}`, key);
    }
    const listed = await running.s3.send(new ListObjectsV2Command({ Bucket: 'objects' }));
    const listedKeys = new Set((listed.Contents ?? []).map((item) => item.Key));
    for (const key of keys) assert.ok(listedKeys.has(key), key);

    const encoded = await running.s3.send(
      new ListObjectsV2Command({ Bucket: 'objects', EncodingType: 'url', Prefix: 'with' }),
    );
    assert.equal(encoded.Contents?.[0]?.Key, 'with%20space.txt');
  });

  it('range requests return 206 with Content-Range', async () => {
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }),
    );
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
      ['bytes=-50', '0123456789', 'bytes 0-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const got = await running.s3.send(
        new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: range }),
      );
      assert.equal(got.$metadata.httpStatusCode, 206, range);
      assert.equal((await bodyBytes(got.Body)).toString(), body, range);
      assert.equal(got.ContentRange, contentRange, range);
      assert.equal(got.ContentLength, body.length, range);
    }
  });

  it('conditional GET follows S3 precedence', async () => {
    const put = await running.s3.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'conditional', Body: 'c' }),
    );
    const eTag = put.ETag ?? '';
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);

    const matching = await running.s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'conditional', IfMatch: eTag }),
    );
    assert.equal(matching.$metadata.httpStatusCode, 200);
    await matching.Body?.transformToString();

    // A true If-Match overrides a false If-Unmodified-Since.
    const overridden = await running.s3.send(
      new GetObjectCommand({
        Bucket: 'objects',
        Key: 'conditional',
        IfMatch: eTag,
        IfUnmodifiedSince: past,
      }),
    );
    assert.equal(overridden.$metadata.httpStatusCode, 200);
    await overridden.Body?.transformToString();

    // A true If-None-Match overrides a false If-Modified-Since.
    const noneMatch = await running.s3.send(
      new GetObjectCommand({
        Bucket: 'objects',
        Key: 'conditional',
        IfNoneMatch: '"other"',
        IfModifiedSince: future,
      }),
    );
    assert.equal(noneMatch.$metadata.httpStatusCode, 200);
    await noneMatch.Body?.transformToString();
  });

  it('delete removes the object and answers 204', async () => {
    await running.s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'doomed', Body: 'x' }));
    const deleted = await running.s3.send(
      new DeleteObjectCommand({ Bucket: 'objects', Key: 'doomed' }),
    );
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await assert.rejects(
      running.s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'doomed' })),
      { name: 'NoSuchKey' },
    );
    const missing = await running.s3.send(
      new DeleteObjectCommand({ Bucket: 'objects', Key: 'never-existed' }),
    );
    assert.equal(missing.$metadata.httpStatusCode, 204);
  });

  it('DeleteObjects deletes many keys, quiet or not', async () => {
    for (const key of ['batch/1', 'batch/2', 'batch/3']) {
      await running.s3.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: key }));
    }
    const loud = await running.s3.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'batch/1' }, { Key: 'batch/missing' }] },
      }),
    );
    assert.deepEqual(
      (loud.Deleted ?? []).map((item) => item.Key),
      ['batch/1', 'batch/missing'],
    );
    const quiet = await running.s3.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'batch/2' }, { Key: 'batch/3' }], Quiet: true },
      }),
    );
    assert.equal(quiet.Deleted, undefined);
    assert.equal(quiet.Errors, undefined);
    const left = await running.s3.send(
      new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'batch/' }),
    );
    assert.equal(left.KeyCount, 0);
  });

  it('ListObjectsV2 pages with delimiter and tokens', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'b', 'c/1', 'c/2/x', 'd', 'e/f/g'];
    for (const key of keys) {
      await running.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    }

    const all = await running.s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(
      (all.Contents ?? []).map((item) => item.Key),
      keys,
    );
    assert.equal(all.KeyCount, 7);
    assert.equal(all.IsTruncated, false);
    assert.equal(all.Contents?.[0]?.Size, 3);
    assert.equal(all.Contents?.[0]?.StorageClass, 'STANDARD');

    const grouped = await running.s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }),
    );
    assert.deepEqual(
      (grouped.Contents ?? []).map((item) => item.Key),
      ['b', 'd'],
    );
    assert.deepEqual(
      (grouped.CommonPrefixes ?? []).map((item) => item.Prefix),
      ['a/', 'c/', 'e/'],
    );
    assert.equal(grouped.KeyCount, 5);

    const nested = await running.s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', Prefix: 'c/' }),
    );
    assert.deepEqual(
      (nested.Contents ?? []).map((item) => item.Key),
      ['c/1'],
    );
    assert.deepEqual(
      (nested.CommonPrefixes ?? []).map((item) => item.Prefix),
      ['c/2/'],
    );

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await running.s3.send(
        new ListObjectsV2Command({
          Bucket: 'listing',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      seen.push(...(page.Contents ?? []).map((item) => item.Key ?? ''));
      seen.push(...(page.CommonPrefixes ?? []).map((item) => item.Prefix ?? ''));
      assert.ok((page.KeyCount ?? 0) <= 2);
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
      pages += 1;
    } while (token !== undefined);
    assert.deepEqual(seen.sort(), ['a/', 'b', 'c/', 'd', 'e/']);
    assert.equal(pages, 3);

    const afterB = await running.s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b' }),
    );
    assert.deepEqual(
      (afterB.Contents ?? []).map((item) => item.Key),
      ['c/1', 'c/2/x', 'd', 'e/f/g'],
    );
    assert.equal(afterB.StartAfter, 'b');
  });

  it('ListObjects version 1 pages by marker', async () => {
    const first = await running.s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
    assert.deepEqual(
      (first.Contents ?? []).map((item) => item.Key),
      ['a/1', 'a/2', 'b'],
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextMarker, undefined);
    const second = await running.s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Marker: 'b' }),
    );
    assert.deepEqual(
      (second.Contents ?? []).map((item) => item.Key),
      ['c/1', 'c/2/x', 'd', 'e/f/g'],
    );
    assert.equal(second.IsTruncated, false);

    const grouped = await running.s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }),
    );
    assert.equal(grouped.NextMarker, 'b');
    const rest = await running.s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', Marker: grouped.NextMarker }),
    );
    assert.deepEqual(
      (rest.CommonPrefixes ?? []).map((item) => item.Prefix),
      ['c/', 'e/'],
    );
    assert.deepEqual(
      (rest.Contents ?? []).map((item) => item.Key),
      ['d'],
    );
  });

  it('copy keeps or replaces metadata', async () => {
    await running.s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'copy/source name+1',
        Body: 'copy me',
        ContentType: 'text/x-source',
        Metadata: { origin: 'source' },
        Tagging: 'team=blue',
      }),
    );
    const copied = await running.s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'copy/kept',
        CopySource: `objects/${encodeURIComponent('copy/source name+1')}`,
      }),
    );
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5Hex('copy me')}"`);
    const kept = await running.s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'copy/kept' }),
    );
    assert.equal(await kept.Body?.transformToString(), 'copy me');
    assert.equal(kept.ContentType, 'text/x-source');
    assert.deepEqual(kept.Metadata, { origin: 'source' });
    assert.equal(kept.TagCount, 1);

    await running.s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'copy/replaced',
        CopySource: `objects/${encodeURIComponent('copy/source name+1')}`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/x-new',
        Metadata: { origin: 'new' },
      }),
    );
    const replaced = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'copy/replaced' }),
    );
    assert.equal(replaced.ContentType, 'text/x-new');
    assert.deepEqual(replaced.Metadata, { origin: 'new' });

    await assert.rejects(
      running.s3.send(
        new CopyObjectCommand({
          Bucket: 'objects',
          Key: 'copy/kept',
          CopySource: 'objects/copy/kept',
        }),
      ),
      { name: 'InvalidRequest' },
    );
    const self = await running.s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'copy/kept',
        CopySource: 'objects/copy/kept',
        MetadataDirective: 'REPLACE',
        Metadata: { origin: 'self' },
      }),
    );
    assert.equal(self.$metadata.httpStatusCode, 200);
    const selfHead = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'copy/kept' }),
    );
    assert.deepEqual(selfHead.Metadata, { origin: 'self' });

    await assert.rejects(
      running.s3.send(
        new CopyObjectCommand({
          Bucket: 'objects',
          Key: 'copy/conditional',
          CopySource: 'objects/copy/kept',
          CopySourceIfMatch: '"not-the-etag"',
        }),
      ),
      { name: 'PreconditionFailed' },
    );
  });

  it('object tagging put, get and delete', async () => {
    await running.s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'tagged',
        Body: 't',
        Tagging: 'a=1&b=two%20words',
      }),
    );
    const initial = await running.s3.send(
      new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }),
    );
    assert.deepEqual(initial.TagSet, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
    ]);

    await running.s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'objects',
        Key: 'tagged',
        Tagging: { TagSet: [{ Key: 'env', Value: 'prod & <test>' }] },
      }),
    );
    const replaced = await running.s3.send(
      new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }),
    );
    assert.deepEqual(replaced.TagSet, [{ Key: 'env', Value: 'prod & <test>' }]);
    const head = await running.s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'tagged' }));
    assert.equal(head.TagCount, 1);
    await head.Body?.transformToString();

    await running.s3.send(new DeleteObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }));
    const cleared = await running.s3.send(
      new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }),
    );
    assert.deepEqual(cleared.TagSet ?? [], []);

    await assert.rejects(
      running.s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'objects',
          Key: 'tagged',
          Tagging: { TagSet: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
        }),
      ),
      { name: 'InvalidTag' },
    );
    await assert.rejects(
      running.s3.send(
        new PutObjectTaggingCommand({
          Bucket: 'objects',
          Key: 'tagged',
          Tagging: { TagSet: [{ Key: 'aws:owner', Value: 'v' }] },
        }),
      ),
      { name: 'InvalidTag', message: 'Your TagKey cannot be prefixed with aws:' },
    );
  });

  it('flexible checksums are verified and returned', async () => {
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const key = `checksum/${algorithm}`;
      const put = await running.s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: key,
          Body: 'checksummed',
          ChecksumAlgorithm: algorithm,
        }),
      );
      const field = `Checksum${algorithm}` as const;
      assert.ok(put[field] !== undefined, algorithm);
      const head = await running.s3.send(
        new HeadObjectCommand({ Bucket: 'objects', Key: key, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(head[field], put[field], algorithm);
    }
    const expected = {
      CRC32: createCrc32Reference('checksummed'),
      SHA256: createHash('sha256').update('checksummed').digest('base64'),
    };
    const crc = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'checksum/CRC32', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(crc.ChecksumCRC32, expected.CRC32);
    const sha = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'objects', Key: 'checksum/SHA256', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(sha.ChecksumSHA256, expected.SHA256);

    await assert.rejects(
      running.s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'checksum/wrong',
          Body: 'checksummed',
          ChecksumSHA256: createHash('sha256').update('other').digest('base64'),
        }),
      ),
      { name: 'BadDigest' },
    );
  });

  it('Content-MD5 is checked', async () => {
    const good = createHash('md5').update('md5 body').digest('base64');
    const put = await running.s3.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'md5', Body: 'md5 body', ContentMD5: good }),
    );
    assert.equal(put.ETag, `"${md5Hex('md5 body')}"`);
    await assert.rejects(
      running.s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'md5-bad',
          Body: 'md5 body',
          ContentMD5: createHash('md5').update('different').digest('base64'),
        }),
      ),
      { name: 'BadDigest' },
    );
    await assert.rejects(
      running.s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'md5-invalid',
          Body: 'md5 body',
          ContentMD5: 'not-md5',
        }),
      ),
      { name: 'InvalidDigest' },
    );
    await assert.rejects(
      running.s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'md5-bad' })),
      { name: 'NotFound' },
    );
  });

  it('conditional put with If-None-Match star', async () => {
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'create-once', Body: '1', IfNoneMatch: '*' }),
    );
    await assert.rejects(
      running.s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'create-once',
          Body: '2',
          IfNoneMatch: '*',
        }),
      ),
      { name: 'PreconditionFailed' },
    );
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'create-once' }),
    );
    assert.equal(await got.Body?.transformToString(), '1');
  });

  it('parallel overwrites keep one file', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'parallel' }));
    const bodies = Array.from({ length: 20 }, (_, index) => `version ${index} `.repeat(1000));
    await Promise.all(
      bodies.map((body) =>
        running.s3.send(new PutObjectCommand({ Bucket: 'parallel', Key: 'contended', Body: body })),
      ),
    );
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'parallel', Key: 'contended' }),
    );
    const text = await got.Body?.transformToString();
    assert.ok(bodies.includes(text ?? ''));
    assert.equal(got.ETag, `"${md5Hex(text ?? '')}"`);

    await running.s3.send(new DeleteObjectCommand({ Bucket: 'parallel', Key: 'contended' }));
    await running.s3.send(new DeleteBucketCommand({ Bucket: 'parallel' }));
    const root = path.join(running.dataDir, 'objects');
    const fileIds = new Set(
      readdirSync(root).flatMap((folder) => readdirSync(path.join(root, folder))),
    );
    for (const fileId of fileIds) {
      assert.ok(
        running.platform.store.objects.isFileReferenced(fileId),
        `unreferenced file ${fileId}`,
      );
    }
  });

  it('object events follow committed changes', async () => {
    events.length = 0;
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'events/one', Body: 'abc' }),
    );
    await running.s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'events/two',
        CopySource: 'objects/events/one',
      }),
    );
    await running.s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'events/one' }));
    await running.s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'events/absent' }));

    assert.deepEqual(
      events.map((event) => [event.eventName, event.key]),
      [
        ['ObjectCreated:Put', 'events/one'],
        ['ObjectCreated:Copy', 'events/two'],
        ['ObjectRemoved:Delete', 'events/one'],
      ],
    );
    const [put, copy, removal] = events;
    assert.equal(put?.size, 3);
    assert.equal(put?.eTag, md5Hex('abc'));
    assert.equal(put?.bucket, 'objects');
    assert.equal(put?.accessKeyId, 'AKIDLOCALTEST');
    assert.match(put?.requestId ?? '', /^[0-9A-F]{16}$/);
    assert.equal(removal?.size, undefined);
    assert.ok((put?.sequencer ?? '') < (copy?.sequencer ?? ''));
    assert.ok((copy?.sequencer ?? '') < (removal?.sequencer ?? ''));
  });
});

/** CRC-32 of a string, base64, computed bit by bit as a reference independent of node:zlib. */
function createCrc32Reference(text: string): string {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text)) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return bytes.toString('base64');
}
