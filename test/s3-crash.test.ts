import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';

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
