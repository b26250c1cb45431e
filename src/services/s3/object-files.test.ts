import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
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
    assert.equal((await buffer(await files.openRead(fileId))).toString(), '0123456789');
    assert.equal((await buffer(await files.openRead(fileId, 2, 4))).toString(), '234');
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

    const stored = await buffer(await files.openRead(fileId));
    assert.equal(stored.length, 56 * 64 * 1024);
    assert.ok(stored.equals(Buffer.concat(chunks)));
    await files.remove(fileId);
  });

  it('empty body makes empty file', async () => {
    const fileId = await files.write(Readable.from([]));
    assert.equal((await buffer(await files.openRead(fileId))).length, 0);
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
