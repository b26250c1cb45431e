import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import type { S3ObjectEvent } from '../src/services/s3/events.js';
import { bodyBytes, startS3, type RunningS3 } from './s3-helpers.js';

const MIB = 1024 * 1024;

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

/** S3's multipart ETag, computed from the parts' bytes. */
function multipartETag(parts: Buffer[]): string {
  const joined = Buffer.concat(parts.map(md5));
  return `"${createHash('md5').update(joined).digest('hex')}-${parts.length}"`;
}

/** Counts the object files under the data folder, temporary ones included. */
function countObjectFiles(dataDir: string): number {
  const root = path.join(dataDir, 'objects');
  return readdirSync(root).reduce(
    (total, folder) => total + readdirSync(path.join(root, folder)).length,
    0,
  );
}

describe('S3 multipart uploads', () => {
  let running: RunningS3;
  const events: S3ObjectEvent[] = [];

  before(async () => {
    running = await startS3();
    running.platform.s3.addListener((event) => events.push(event));
    await running.s3.send(new CreateBucketCommand({ Bucket: 'multipart' }));
  });

  after(async () => {
    await running.close();
  });

  async function uploadParts(
    key: string,
    parts: Buffer[],
  ): Promise<{ uploadId: string; eTags: string[] }> {
    const created = await running.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: key }),
    );
    const uploadId = created.UploadId ?? '';
    const eTags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded = await running.s3.send(
        new UploadPartCommand({
          Bucket: 'multipart',
          Key: key,
          UploadId: uploadId,
          PartNumber: index + 1,
          Body: part,
        }),
      );
      eTags.push(uploaded.ETag ?? '');
    }
    return { uploadId, eTags };
  }

  it('complete computes the multipart ETag', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1234)];
    const created = await running.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'joined.bin',
        ContentType: 'application/x-joined',
        Metadata: { origin: 'multipart' },
      }),
    );
    const uploadId = created.UploadId ?? '';
    const eTags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded = await running.s3.send(
        new UploadPartCommand({
          Bucket: 'multipart',
          Key: 'joined.bin',
          UploadId: uploadId,
          PartNumber: index + 1,
          Body: part,
        }),
      );
      assert.equal(uploaded.ETag, `"${md5(part).toString('hex')}"`);
      eTags.push(uploaded.ETag ?? '');
    }

    const listed = await running.s3.send(
      new ListPartsCommand({ Bucket: 'multipart', Key: 'joined.bin', UploadId: uploadId }),
    );
    assert.deepEqual(
      (listed.Parts ?? []).map((part) => [part.PartNumber, part.Size, part.ETag]),
      parts.map((part, index) => [index + 1, part.length, eTags[index]]),
    );
    const uploads = await running.s3.send(new ListMultipartUploadsCommand({ Bucket: 'multipart' }));
    assert.ok(
      (uploads.Uploads ?? []).some(
        (upload) => upload.UploadId === uploadId && upload.Key === 'joined.bin',
      ),
    );

    events.length = 0;
    const completed = await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'joined.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
    assert.equal(completed.ETag, multipartETag(parts));
    assert.equal(events[0]?.eventName, 'ObjectCreated:CompleteMultipartUpload');
    assert.equal(events[0]?.size, 10 * MIB + 1234);

    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'joined.bin' }),
    );
    assert.ok((await bodyBytes(got.Body)).equals(Buffer.concat(parts)));
    assert.equal(got.ContentType, 'application/x-joined');
    assert.deepEqual(got.Metadata, { origin: 'multipart' });
    assert.equal(got.ETag, multipartETag(parts));

    const ranged = await running.s3.send(
      new GetObjectCommand({
        Bucket: 'multipart',
        Key: 'joined.bin',
        Range: `bytes=${5 * MIB - 2}-${5 * MIB + 1}`,
      }),
    );
    assert.ok(
      (await bodyBytes(ranged.Body)).equals(
        Buffer.concat(parts).subarray(5 * MIB - 2, 5 * MIB + 2),
      ),
    );

    const after = await running.s3.send(new ListMultipartUploadsCommand({ Bucket: 'multipart' }));
    assert.ok(!(after.Uploads ?? []).some((upload) => upload.UploadId === uploadId));
  });

  it('ListMultipartUploads pages with delimiter', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'upload-list' }));
    const keys = ['a/1', 'a/2', 'b', 'c/1', 'd'];
    const ids = new Map<string, string>();
    for (const key of keys) {
      const created = await running.s3.send(
        new CreateMultipartUploadCommand({ Bucket: 'upload-list', Key: key }),
      );
      ids.set(key, created.UploadId ?? '');
    }

    const grouped = await running.s3.send(
      new ListMultipartUploadsCommand({ Bucket: 'upload-list', Delimiter: '/' }),
    );
    assert.deepEqual(
      (grouped.Uploads ?? []).map((item) => item.Key),
      ['b', 'd'],
    );
    assert.deepEqual(
      (grouped.CommonPrefixes ?? []).map((item) => item.Prefix),
      ['a/', 'c/'],
    );

    const seen: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await running.s3.send(
        new ListMultipartUploadsCommand({
          Bucket: 'upload-list',
          Delimiter: '/',
          MaxUploads: 2,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      seen.push(...(page.Uploads ?? []).map((item) => item.Key ?? ''));
      seen.push(...(page.CommonPrefixes ?? []).map((item) => item.Prefix ?? ''));
      if (page.IsTruncated !== true) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    assert.deepEqual(seen.sort(), ['a/', 'b', 'c/', 'd']);

    const afterA1 = await running.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: 'upload-list',
        KeyMarker: 'a/1',
        UploadIdMarker: ids.get('a/1'),
      }),
    );
    assert.deepEqual(
      (afterA1.Uploads ?? []).map((item) => item.Key),
      ['a/2', 'b', 'c/1', 'd'],
    );
  });

  it('parts out of order raise InvalidPartOrder', async () => {
    const { uploadId, eTags } = await uploadParts('order', [randomBytes(5 * MIB), randomBytes(10)]);
    await assert.rejects(
      running.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'order',
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { ETag: eTags[1], PartNumber: 2 },
              { ETag: eTags[0], PartNumber: 1 },
            ],
          },
        }),
      ),
      { name: 'InvalidPartOrder' },
    );
  });

  it('unknown part or ETag raises InvalidPart', async () => {
    const { uploadId, eTags } = await uploadParts('invalid-part', [randomBytes(100)]);
    await assert.rejects(
      running.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'invalid-part',
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [{ ETag: '"0123456789abcdef0123456789abcdef"', PartNumber: 1 }],
          },
        }),
      ),
      { name: 'InvalidPart' },
    );
    await assert.rejects(
      running.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'invalid-part',
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { ETag: eTags[0], PartNumber: 1 },
              { ETag: eTags[0], PartNumber: 2 },
            ],
          },
        }),
      ),
      { name: 'InvalidPart' },
    );
  });

  it('small non-final part raises EntityTooSmall', async () => {
    const { uploadId, eTags } = await uploadParts('small', [randomBytes(1024), randomBytes(1024)]);
    await assert.rejects(
      running.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'small',
          UploadId: uploadId,
          MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
      ),
      { name: 'EntityTooSmall' },
    );
    // A single small part is the last part, which may be of any size.
    const completed = await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'small',
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ ETag: eTags[0], PartNumber: 1 }] },
      }),
    );
    assert.match(completed.ETag ?? '', /-1"$/);
  });

  it('abort removes the upload and its part files', async () => {
    const before = countObjectFiles(running.dataDir);
    const { uploadId } = await uploadParts('aborted', [randomBytes(1000), randomBytes(1000)]);
    assert.equal(countObjectFiles(running.dataDir), before + 2);
    const aborted = await running.s3.send(
      new AbortMultipartUploadCommand({ Bucket: 'multipart', Key: 'aborted', UploadId: uploadId }),
    );
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    assert.equal(countObjectFiles(running.dataDir), before);

    await assert.rejects(
      running.s3.send(
        new AbortMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'aborted',
          UploadId: uploadId,
        }),
      ),
      { name: 'NoSuchUpload' },
    );
    await assert.rejects(
      running.s3.send(
        new UploadPartCommand({
          Bucket: 'multipart',
          Key: 'aborted',
          UploadId: uploadId,
          PartNumber: 1,
          Body: 'x',
        }),
      ),
      { name: 'NoSuchUpload' },
    );
    await assert.rejects(
      running.s3.send(
        new ListPartsCommand({ Bucket: 'multipart', Key: 'aborted', UploadId: 'no-such-upload' }),
      ),
      { name: 'NoSuchUpload' },
    );
  });

  it('part number out of range is rejected', async () => {
    const created = await running.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'range' }),
    );
    await assert.rejects(
      running.s3.send(
        new UploadPartCommand({
          Bucket: 'multipart',
          Key: 'range',
          UploadId: created.UploadId,
          PartNumber: 10001,
          Body: 'x',
        }),
      ),
      { name: 'InvalidArgument' },
    );
  });

  it('UploadPartCopy copies a source range', async () => {
    const source = randomBytes(6 * MIB);
    await running.s3.send(
      new PutObjectCommand({ Bucket: 'multipart', Key: 'copy-source', Body: source }),
    );
    const created = await running.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'copied' }),
    );
    const uploadId = created.UploadId ?? '';
    const first = await running.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'multipart',
        Key: 'copied',
        UploadId: uploadId,
        PartNumber: 1,
        CopySource: 'multipart/copy-source',
        CopySourceRange: `bytes=0-${5 * MIB - 1}`,
      }),
    );
    const second = await running.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'multipart',
        Key: 'copied',
        UploadId: uploadId,
        PartNumber: 2,
        CopySource: 'multipart/copy-source',
        CopySourceRange: `bytes=${5 * MIB}-${6 * MIB - 1}`,
      }),
    );
    assert.equal(
      first.CopyPartResult?.ETag,
      `"${md5(source.subarray(0, 5 * MIB)).toString('hex')}"`,
    );
    await assert.rejects(
      running.s3.send(
        new UploadPartCopyCommand({
          Bucket: 'multipart',
          Key: 'copied',
          UploadId: uploadId,
          PartNumber: 3,
          CopySource: 'multipart/copy-source',
          CopySourceRange: `bytes=0-${6 * MIB}`,
        }),
      ),
      { name: 'InvalidRange' },
    );
    await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'copied',
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { ETag: first.CopyPartResult?.ETag, PartNumber: 1 },
            { ETag: second.CopyPartResult?.ETag, PartNumber: 2 },
          ],
        },
      }),
    );
    const got = await running.s3.send(new GetObjectCommand({ Bucket: 'multipart', Key: 'copied' }));
    assert.ok((await bodyBytes(got.Body)).equals(source));
  });

  it('composite checksum with CRC32 parts', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(100)];
    const created = await running.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'checksummed',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const uploadId = created.UploadId ?? '';
    const uploaded = [];
    for (const [index, part] of parts.entries()) {
      uploaded.push(
        await running.s3.send(
          new UploadPartCommand({
            Bucket: 'multipart',
            Key: 'checksummed',
            UploadId: uploadId,
            PartNumber: index + 1,
            Body: part,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      );
    }
    await assert.rejects(
      running.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'multipart',
          Key: 'checksummed',
          UploadId: uploadId,
          MultipartUpload: {
            Parts: uploaded.map((part, index) => ({
              ETag: part.ETag,
              ChecksumCRC32: index === 0 ? 'AAAAAA==' : part.ChecksumCRC32,
              PartNumber: index + 1,
            })),
          },
        }),
      ),
      { name: 'InvalidPart' },
    );
    const completed = await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'checksummed',
        UploadId: uploadId,
        MultipartUpload: {
          Parts: uploaded.map((part, index) => ({
            ETag: part.ETag,
            ChecksumCRC32: part.ChecksumCRC32,
            PartNumber: index + 1,
          })),
        },
      }),
    );
    assert.match(completed.ChecksumCRC32 ?? '', /-2$/);
    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'multipart', Key: 'checksummed', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ChecksumCRC32, completed.ChecksumCRC32);
    assert.equal(head.PartsCount, undefined);
  });

  it('GET by partNumber returns that part', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(777)];
    const { uploadId, eTags } = await uploadParts('by-part', parts);
    await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'by-part',
        UploadId: uploadId,
        MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );

    const second = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'by-part', PartNumber: 2 }),
    );
    assert.equal(second.$metadata.httpStatusCode, 206);
    assert.ok((await bodyBytes(second.Body)).equals(parts[1] ?? Buffer.alloc(0)));
    assert.equal(second.ContentRange, `bytes ${5 * MIB}-${5 * MIB + 776}/${5 * MIB + 777}`);
    assert.equal(second.PartsCount, 2);

    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'multipart', Key: 'by-part', PartNumber: 1 }),
    );
    assert.equal(head.ContentLength, 5 * MIB);
    assert.equal(head.PartsCount, 2);

    await assert.rejects(
      running.s3.send(new GetObjectCommand({ Bucket: 'multipart', Key: 'by-part', PartNumber: 3 })),
      { name: 'InvalidPartNumber' },
    );

    await running.s3.send(
      new PutObjectCommand({ Bucket: 'multipart', Key: 'single', Body: 'one part' }),
    );
    const whole = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'single', PartNumber: 1 }),
    );
    assert.equal(whole.$metadata.httpStatusCode, 206);
    assert.equal(await whole.Body?.transformToString(), 'one part');
    assert.equal(whole.ContentRange, 'bytes 0-7/8');
    assert.equal(whole.PartsCount, undefined);
  });

  it('lib-storage Upload of 20 MB goes multipart', async () => {
    const body = randomBytes(20 * MIB);
    const upload = new Upload({
      client: running.s3,
      params: { Bucket: 'multipart', Key: 'big/twenty.bin', Body: body },
      partSize: 5 * MIB,
      queueSize: 2,
    });
    const result = await upload.done();
    const parts = [0, 1, 2, 3].map((index) =>
      body.subarray(index * 5 * MIB, (index + 1) * 5 * MIB),
    );
    assert.equal(result.ETag, multipartETag(parts));

    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'big/twenty.bin' }),
    );
    const downloaded = await bodyBytes(got.Body);
    assert.equal(downloaded.length, body.length);
    assert.ok(downloaded.equals(body));
  });

  /** Uploads `parts` as `key` and completes the upload with all of them. */
  async function completeObject(key: string, parts: Buffer[]): Promise<void> {
    const { uploadId, eTags } = await uploadParts(key, parts);
    await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
  }

  it('ranges inside and across parts', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1234)];
    const whole = Buffer.concat(parts);
    await completeObject('ranges.bin', parts);

    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'ranges.bin' }),
    );
    assert.equal(got.ContentLength, whole.length);
    assert.ok((await bodyBytes(got.Body)).equals(whole));

    const boundary = 5 * MIB;
    const cases: [string, number, number][] = [
      ['inside the first part', 10, 99],
      ['first byte', 0, 0],
      ['last byte of a part', boundary - 1, boundary - 1],
      ['first byte of a part', boundary, boundary],
      ['across one boundary', boundary - 100, boundary + 99],
      ['inside the second part', boundary + 5, 2 * boundary - 5],
      ['across two boundaries', 3, 2 * boundary + 3],
      ['the last part exactly', 2 * boundary, whole.length - 1],
      ['everything', 0, whole.length - 1],
    ];
    for (const [label, start, end] of cases) {
      const ranged = await running.s3.send(
        new GetObjectCommand({
          Bucket: 'multipart',
          Key: 'ranges.bin',
          Range: `bytes=${start}-${end}`,
        }),
      );
      assert.equal(ranged.ContentRange, `bytes ${start}-${end}/${whole.length}`, label);
      const bytes = await bodyBytes(ranged.Body);
      assert.equal(bytes.length, end - start + 1, label);
      assert.ok(bytes.equals(whole.subarray(start, end + 1)), label);
    }

    const suffix = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'ranges.bin', Range: 'bytes=-1300' }),
    );
    assert.ok((await bodyBytes(suffix.Body)).equals(whole.subarray(whole.length - 1300)));
    const openEnded = await running.s3.send(
      new GetObjectCommand({
        Bucket: 'multipart',
        Key: 'ranges.bin',
        Range: `bytes=${boundary - 7}-`,
      }),
    );
    assert.ok((await bodyBytes(openEnded.Body)).equals(whole.subarray(boundary - 7)));

    const secondPart = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'ranges.bin', PartNumber: 2 }),
    );
    assert.ok((await bodyBytes(secondPart.Body)).equals(parts[1] ?? Buffer.alloc(0)));
    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: 'multipart', Key: 'ranges.bin' }),
    );
    assert.equal(head.ContentLength, whole.length);
    assert.equal(head.ETag, multipartETag(parts));
  });

  it('complete keeps part files, frees unlisted', async () => {
    const before = countObjectFiles(running.dataDir);
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(100)];
    const fourth = randomBytes(10);
    const { uploadId, eTags } = await uploadParts('files.bin', [...parts, fourth]);
    assert.equal(countObjectFiles(running.dataDir), before + 4);

    events.length = 0;
    // Parts 1, 2 and 4 make the object, and part 3 is left out.
    const completed = await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'files.bin',
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { ETag: eTags[0], PartNumber: 1 },
            { ETag: eTags[1], PartNumber: 2 },
            { ETag: eTags[3], PartNumber: 4 },
          ],
        },
      }),
    );
    assert.equal(countObjectFiles(running.dataDir), before + 3);
    const stored = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'files.bin' }),
    );
    const expected = Buffer.concat([
      parts[0] ?? Buffer.alloc(0),
      parts[1] ?? Buffer.alloc(0),
      fourth,
    ]);
    assert.ok((await bodyBytes(stored.Body)).equals(expected));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.size, 10 * MIB + 10);
    assert.equal(events[0]?.eTag, completed.ETag?.replace(/"/g, ''));

    await running.s3.send(
      new PutObjectCommand({ Bucket: 'multipart', Key: 'files.bin', Body: 'small now' }),
    );
    assert.equal(countObjectFiles(running.dataDir), before + 1);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'files.bin' }),
    );
    assert.equal(await got.Body?.transformToString(), 'small now');

    await completeObject('files.bin', parts);
    assert.equal(countObjectFiles(running.dataDir), before + 3);
    await running.s3.send(new DeleteObjectCommand({ Bucket: 'multipart', Key: 'files.bin' }));
    assert.equal(countObjectFiles(running.dataDir), before);

    await completeObject('batch/one.bin', parts);
    await completeObject('batch/two.bin', parts.slice(1));
    assert.equal(countObjectFiles(running.dataDir), before + 5);
    const deleted = await running.s3.send(
      new DeleteObjectsCommand({
        Bucket: 'multipart',
        Delete: { Objects: [{ Key: 'batch/one.bin' }, { Key: 'batch/two.bin' }] },
      }),
    );
    assert.equal(deleted.Deleted?.length, 2);
    assert.equal(countObjectFiles(running.dataDir), before);
  });

  it('overwrite during a download keeps its bytes', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(5 * MIB)];
    await completeObject('busy.bin', parts);
    const before = countObjectFiles(running.dataDir);

    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'busy.bin' }),
    );
    const body = got.Body as AsyncIterable<Uint8Array>;
    const chunks: Buffer[] = [];
    const iterator = body[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done !== true) chunks.push(Buffer.from(first.value));

    await running.s3.send(
      new PutObjectCommand({ Bucket: 'multipart', Key: 'busy.bin', Body: 'x' }),
    );
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      chunks.push(Buffer.from(next.value));
    }
    assert.ok(Buffer.concat(chunks).equals(Buffer.concat(parts)));

    // The replaced part files go once the download has ended.
    for (
      let attempt = 0;
      countObjectFiles(running.dataDir) !== before - 2 && attempt < 50;
      attempt++
    ) {
      await delay(20);
    }
    assert.equal(countObjectFiles(running.dataDir), before - 2);
  });

  it('copies of a multipart source', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(300)];
    const whole = Buffer.concat(parts);
    await completeObject('source.bin', parts);
    const before = countObjectFiles(running.dataDir);

    const copied = await running.s3.send(
      new CopyObjectCommand({
        Bucket: 'multipart',
        Key: 'copy.bin',
        CopySource: 'multipart/source.bin',
      }),
    );
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5(whole).toString('hex')}"`);
    assert.equal(countObjectFiles(running.dataDir), before + 1);
    const got = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'copy.bin' }),
    );
    assert.ok((await bodyBytes(got.Body)).equals(whole));

    const created = await running.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'part-copy.bin' }),
    );
    const start = 5 * MIB - 50;
    const partCopy = await running.s3.send(
      new UploadPartCopyCommand({
        Bucket: 'multipart',
        Key: 'part-copy.bin',
        UploadId: created.UploadId,
        PartNumber: 1,
        CopySource: 'multipart/source.bin',
        CopySourceRange: `bytes=${start}-${whole.length - 1}`,
      }),
    );
    const expected = whole.subarray(start);
    assert.equal(partCopy.CopyPartResult?.ETag, `"${md5(expected).toString('hex')}"`);
    await running.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'part-copy.bin',
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ ETag: partCopy.CopyPartResult?.ETag, PartNumber: 1 }] },
      }),
    );
    const partGot = await running.s3.send(
      new GetObjectCommand({ Bucket: 'multipart', Key: 'part-copy.bin' }),
    );
    assert.ok((await bodyBytes(partGot.Body)).equals(expected));
    assert.equal(countObjectFiles(running.dataDir), before + 2);
  });

  it('DeleteBucket rejects a multipart object', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'multipart-delete' }));
    const upload = new Upload({
      client: running.s3,
      params: { Bucket: 'multipart-delete', Key: 'only.bin', Body: randomBytes(11 * MIB) },
    });
    await upload.done();
    await assert.rejects(running.s3.send(new DeleteBucketCommand({ Bucket: 'multipart-delete' })), {
      name: 'BucketNotEmpty',
    });
    const before = countObjectFiles(running.dataDir);
    await running.s3.send(new DeleteObjectCommand({ Bucket: 'multipart-delete', Key: 'only.bin' }));
    assert.equal(countObjectFiles(running.dataDir), before - 3);
    await running.s3.send(new DeleteBucketCommand({ Bucket: 'multipart-delete' }));
  });
});
