import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';

import { silentLogger } from '../../log.js';
import { ObjectFiles } from './object-files.js';

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((folder) => readdirSync(path.join(root, folder)));
}

/** Creates a stage that fails as a write to a full disk does, after `bytes` bytes. */
function diskFullAfter(bytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > bytes) {
        callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
        return;
      }
      callback(null, chunk);
    },
  });
}

describe('object files', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-object-files-'));
  const files = new ObjectFiles(root, silentLogger());

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes, reads ranges and removes', async () => {
    const fileId = await files.write(Readable.from([Buffer.from('0123456789')]), []);
    assert.match(fileId, /^[0-9a-f]{32}$/);
    const stored = [{ fileId, size: 10 }];
    assert.equal((await buffer(await files.openRead(stored))).toString(), '0123456789');
    assert.equal((await buffer(await files.openRead(stored, 2, 4))).toString(), '234');
    await files.remove(fileId);
    assert.deepEqual(allFiles(root), []);
  });

  it('failed write leaves no file', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1024, 'x'));
    await assert.rejects(files.write(Readable.from(chunks), [diskFullAfter(4096)]), {
      code: 'ENOSPC',
    });
    assert.deepEqual(allFiles(root), []);
  });

  it('writes bodies of several batches', async () => {
    // 3.5 MiB in 64 KiB chunks, as a socket delivers them: four write batches.
    const chunks = Array.from({ length: 56 }, (_, index) => Buffer.alloc(64 * 1024, index));
    const fileId = await files.write(Readable.from(chunks));

    const stored = await buffer(await files.openRead([{ fileId, size: 56 * 64 * 1024 }]));
    assert.equal(stored.length, 56 * 64 * 1024);
    assert.ok(stored.equals(Buffer.concat(chunks)));
    await files.remove(fileId);
  });

  it('writes a body past two early syncs', async () => {
    // 72 MiB in 1 MiB chunks: the writes pass two fdatasync points of 32 MiB.
    const chunks = Array.from({ length: 72 }, (_, index) => Buffer.alloc(1024 * 1024, index));
    const fileId = await files.write(Readable.from(chunks));

    const stored = await buffer(await files.openRead([{ fileId, size: 72 * 1024 * 1024 }]));
    assert.equal(stored.length, 72 * 1024 * 1024);
    assert.ok(stored.equals(Buffer.concat(chunks)));
    await files.remove(fileId);
  });

  it('empty body makes empty file', async () => {
    const fileId = await files.write(Readable.from([]));
    assert.equal((await buffer(await files.openRead([{ fileId, size: 0 }]))).length, 0);
    await files.remove(fileId);
  });

  it('large failed write leaves no file', async () => {
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 'y'));
    await assert.rejects(files.write(Readable.from(chunks), [diskFullAfter(2 * 1024 * 1024)]), {
      code: 'ENOSPC',
    });
    assert.deepEqual(allFiles(root), []);
  });

  it('concurrent writes share a folder', async () => {
    // 32 writes at once span at most two folders, because a folder takes 64 files in turn.
    // Random folders would spread them over about 30 of the 256, each with its own fsync.
    const fileIds = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        files.write(Readable.from([Buffer.from(`${index}`)])),
      ),
    );
    const folders = new Set(fileIds.map((fileId) => fileId.slice(0, 2)));
    assert.ok(folders.size <= 2, `the writes used ${folders.size} folders`);
    for (const fileId of fileIds) assert.match(fileId, /^[0-9a-f]{32}$/);
    for (const fileId of fileIds) await files.remove(fileId);
    assert.deepEqual(allFiles(root), []);
  });

  it('reads ranges across several files', async () => {
    const contents = ['abc', '', 'defg', 'h', 'ijklmn'];
    const stored = await Promise.all(
      contents.map(async (text) => ({
        fileId: await files.write(Readable.from([Buffer.from(text)])),
        size: text.length,
      })),
    );
    const whole = contents.join('');
    const cases: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [0, 0],
      [0, 2],
      [2, 3],
      [3, 6],
      [5, 8],
      [1, 13],
      [7, 7],
      [8, 13],
      [13, 13],
      [4, 100],
    ];
    for (const [start, end] of cases) {
      const read = (await buffer(await files.openRead(stored, start, end))).toString();
      const expected = whole.slice(start ?? 0, end === undefined ? undefined : end + 1);
      assert.equal(read, expected, `bytes ${start}-${end}`);
    }
    for (const file of stored) await files.remove(file.fileId);
    assert.deepEqual(allFiles(root), []);
  });

  it('remove waits for a running read', async () => {
    const first = await files.write(Readable.from([Buffer.alloc(3 * 1024 * 1024, 'a')]));
    const second = await files.write(Readable.from([Buffer.from('tail')]));
    const stored = [
      { fileId: first, size: 3 * 1024 * 1024 },
      { fileId: second, size: 4 },
    ];
    const stream = await files.openRead(stored);
    await files.remove(first);
    await files.remove(second);
    assert.equal(allFiles(root).length, 2);

    const read = await buffer(stream);
    assert.equal(read.length, 3 * 1024 * 1024 + 4);
    assert.equal(read.subarray(-4).toString(), 'tail');
    await delay(50);
    assert.deepEqual(allFiles(root), []);
  });

  it('destroyed read frees its files', async () => {
    const fileIds = await Promise.all(
      ['one', 'two'].map((text) => files.write(Readable.from([Buffer.from(text)]))),
    );
    const stored = fileIds.map((fileId) => ({ fileId, size: 3 }));
    const unread = await files.openRead(stored);
    const started = await files.openRead(stored);
    for (const fileId of fileIds) await files.remove(fileId);
    assert.equal(allFiles(root).length, 2);

    for await (const chunk of started) {
      assert.equal((chunk as Buffer).toString(), 'one');
      break;
    }
    unread.destroy();
    await delay(50);
    assert.deepEqual(allFiles(root), []);
  });

  it('removing a missing file is no error', async () => {
    await files.remove('0'.repeat(32));
  });

  it('sweep removes unreferenced files', async () => {
    const kept = await files.write(Readable.from([Buffer.from('kept')]), []);
    const orphan = await files.write(Readable.from([Buffer.from('orphan')]), []);
    const removed = files.sweep((fileId) => fileId === kept);
    assert.equal(removed, 1);
    assert.deepEqual(allFiles(root), [kept]);
    assert.ok(!allFiles(root).includes(orphan));
  });
});
