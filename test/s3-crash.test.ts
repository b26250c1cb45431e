import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';

import { s3Client } from './s3-helpers.js';

const PLATFORM_SCRIPT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  's3-platform-process.js',
);

/** Starts the platform in a child process and waits for the endpoint it prints. */
async function startChild(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, [PLATFORM_SCRIPT, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.stdout === null) throw new Error('the platform process has no stdout');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line.startsWith('http://')) return { child, endpoint: line };
  }
  throw new Error('the platform process exited before printing its endpoint');
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Lists every file under the objects folder with its size. */
function objectFiles(dataDir: string): { name: string; size: number }[] {
  const root = path.join(dataDir, 'objects');
  return readdirSync(root).flatMap((folder) =>
    readdirSync(path.join(root, folder)).map((name) => ({
      name,
      size: statSync(path.join(root, folder, name)).size,
    })),
  );
}

describe('S3 storage after a crash', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-s3-crash-'));
  const children: ChildProcess[] = [];

  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) await killHard(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('kill -9 mid-upload leaves no partial object', async () => {
    // 1. A committed object and a bucket before the crash.
    const first = await startChild(dataDir);
    children.push(first.child);
    const client = s3Client(first.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await client.send(
      new PutObjectCommand({ Bucket: 'crash', Key: 'kept', Body: 'committed before' }),
    );
    client.destroy();

    // 2. A large upload that is only partly sent when the platform dies.
    const url = new URL(first.endpoint);
    const upload = http.request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: '/crash/large%20object',
      headers: { 'Content-Length': String(200 * 1024 * 1024) },
    });
    upload.on('error', () => undefined);
    upload.write(Buffer.alloc(8 * 1024 * 1024, 'p'));
    while (!objectFiles(dataDir).some((file) => file.name.endsWith('.tmp') && file.size > 0)) {
      await delay(20);
    }
    await killHard(first.child);
    upload.destroy();
    assert.ok(objectFiles(dataDir).some((file) => file.name.endsWith('.tmp')));

    // 3. A file no row points at, as a crash between rename and commit leaves it.
    const orphanFolder = path.join(dataDir, 'objects', 'ff');
    mkdirSync(orphanFolder, { recursive: true });
    writeFileSync(path.join(orphanFolder, 'ff'.repeat(16)), 'orphan');

    // 4. After a restart the partial upload and the orphan are gone; the committed object is not.
    const second = await startChild(dataDir);
    children.push(second.child);
    const files = objectFiles(dataDir);
    assert.equal(files.filter((file) => file.name.endsWith('.tmp')).length, 0);
    assert.equal(files.length, 1);

    const restarted = s3Client(second.endpoint);
    try {
      await assert.rejects(
        restarted.send(new GetObjectCommand({ Bucket: 'crash', Key: 'large object' })),
        {
          name: 'NoSuchKey',
        },
      );
      const kept = await restarted.send(new GetObjectCommand({ Bucket: 'crash', Key: 'kept' }));
      assert.equal(await kept.Body?.transformToString(), 'committed before');
    } finally {
      restarted.destroy();
      await killHard(second.child);
    }
  });
});

const MIB = 1024 * 1024;

/** Writes a file that no row points at, as a crash between a commit and a removal leaves. */
function writeOrphan(dataDir: string): void {
  const orphanFolder = path.join(dataDir, 'objects', 'fe');
  mkdirSync(orphanFolder, { recursive: true });
  writeFileSync(path.join(orphanFolder, 'fe'.repeat(16)), 'orphan');
}

/** Sends part `partNumber` of an upload and returns its ETag. */
async function sendPart(
  client: S3Client,
  key: string,
  uploadId: string,
  partNumber: number,
  body: Buffer,
): Promise<string> {
  const uploaded = await client.send(
    new UploadPartCommand({
      Bucket: 'crash',
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
    }),
  );
  return uploaded.ETag ?? '';
}

describe('S3 multipart storage after a crash', () => {
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];

  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) await killHard(child);
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  function newDataDir(): string {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-s3-crash-multipart-'));
    dataDirs.push(dataDir);
    return dataDir;
  }

  async function start(
    dataDir: string,
  ): Promise<{ child: ChildProcess; client: S3Client; endpoint: string }> {
    const started = await startChild(dataDir);
    children.push(started.child);
    return { ...started, client: s3Client(started.endpoint) };
  }

  it('kill -9 between parts and after complete', async () => {
    const dataDir = newDataDir();
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(4321)];

    // 1. One part stored, a second one partly sent when the platform dies.
    const first = await start(dataDir);
    await first.client.send(new CreateBucketCommand({ Bucket: 'crash' }));
    const created = await first.client.send(
      new CreateMultipartUploadCommand({ Bucket: 'crash', Key: 'parts.bin' }),
    );
    const uploadId = created.UploadId ?? '';
    const eTags = [
      await sendPart(first.client, 'parts.bin', uploadId, 1, parts[0] ?? Buffer.alloc(0)),
    ];
    first.client.destroy();
    const url = new URL(first.endpoint);
    const partial = http.request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: `/crash/parts.bin?partNumber=2&uploadId=${encodeURIComponent(uploadId)}`,
      headers: { 'Content-Length': String(100 * MIB) },
    });
    partial.on('error', () => undefined);
    partial.write(Buffer.alloc(8 * MIB, 'p'));
    while (!objectFiles(dataDir).some((file) => file.name.endsWith('.tmp') && file.size > 0)) {
      await delay(20);
    }
    await killHard(first.child);
    partial.destroy();

    // 2. The stored part survives the restart and the partial one is gone; the upload goes on.
    const second = await start(dataDir);
    assert.deepEqual(
      objectFiles(dataDir).map((file) => file.size),
      [5 * MIB],
    );
    eTags.push(
      await sendPart(second.client, 'parts.bin', uploadId, 2, parts[1] ?? Buffer.alloc(0)),
    );
    eTags.push(
      await sendPart(second.client, 'parts.bin', uploadId, 3, parts[2] ?? Buffer.alloc(0)),
    );
    await sendPart(second.client, 'parts.bin', uploadId, 4, randomBytes(99));
    await second.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'crash',
        Key: 'parts.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
    second.client.destroy();
    await killHard(second.child);
    writeOrphan(dataDir);

    // 3. After the next restart the object reads whole from its part files, and nothing else
    // is left on disk.
    const third = await start(dataDir);
    try {
      const files = objectFiles(dataDir);
      assert.deepEqual(
        files.map((file) => file.size).sort((a, b) => a - b),
        [4321, 5 * MIB, 5 * MIB],
      );
      const got = await third.client.send(
        new GetObjectCommand({ Bucket: 'crash', Key: 'parts.bin' }),
      );
      const body = Buffer.from(
        await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
      );
      assert.ok(body.equals(Buffer.concat(parts)));
      const uploads = await third.client.send(new ListMultipartUploadsCommand({ Bucket: 'crash' }));
      assert.equal(uploads.Uploads?.length ?? 0, 0);
    } finally {
      third.client.destroy();
      await killHard(third.child);
    }
  });

  it('data folder without s3_object_files opens', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    await first.client.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await first.client.send(
      new PutObjectCommand({ Bucket: 'crash', Key: 'plain', Body: 'from before' }),
    );
    first.client.destroy();
    await killHard(first.child);

    // The state database as a release without multi-file objects left it.
    const db = new Database(path.join(dataDir, 'state.db'));
    db.exec('DROP TABLE s3_object_files');
    db.close();

    const second = await start(dataDir);
    try {
      const got = await second.client.send(new GetObjectCommand({ Bucket: 'crash', Key: 'plain' }));
      assert.equal(await got.Body?.transformToString(), 'from before');
      assert.equal(objectFiles(dataDir).length, 1);

      const created = await second.client.send(
        new CreateMultipartUploadCommand({ Bucket: 'crash', Key: 'plain' }),
      );
      const uploadId = created.UploadId ?? '';
      const parts = [randomBytes(5 * MIB), randomBytes(10)];
      const eTags: string[] = [];
      for (const [index, part] of parts.entries()) {
        eTags.push(await sendPart(second.client, 'plain', uploadId, index + 1, part));
      }
      await second.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'crash',
          Key: 'plain',
          UploadId: uploadId,
          MultipartUpload: { Parts: eTags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
      );
      const replaced = await second.client.send(
        new GetObjectCommand({ Bucket: 'crash', Key: 'plain' }),
      );
      const body = Buffer.from(
        await (replaced.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
      );
      assert.ok(body.equals(Buffer.concat(parts)));
      assert.equal(objectFiles(dataDir).length, 2);
    } finally {
      second.client.destroy();
      await killHard(second.child);
    }
  });
});
