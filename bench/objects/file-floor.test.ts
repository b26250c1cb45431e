import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { measureLargeFile, SmallFileFloor } from './file-floor.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'objects-file-floor-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('SmallFileFloor', () => {
  it('writes files in two-digit folders without temporary names', async () => {
    const folder = path.join(root, 'small');
    const files = new SmallFileFloor(folder);
    const body = Buffer.alloc(4096, 7);

    for (let index = 0; index < 5; index += 1) await files.write(index, body);
    await files.read(4);

    const names = readdirSync(folder).flatMap((sub) =>
      readdirSync(path.join(folder, sub)).map((name) => ({ sub, name })),
    );
    assert.equal(names.length, 5);
    for (const { sub, name } of names) {
      assert.match(name, /^[0-9a-f]{32}$/);
      assert.equal(name.slice(0, 2), sub);
      assert.equal(statSync(path.join(folder, sub, name)).size, 4096);
    }
  });

  it('rejects a read of an index never written', async () => {
    const files = new SmallFileFloor(path.join(root, 'empty'));

    await assert.rejects(files.read(3), /no file was written for index 3/);
  });
});

describe('measureLargeFile', () => {
  it('writes the requested size, not a whole number of chunks', async () => {
    const filePath = path.join(root, 'large.bin');
    const bytes = 3 * 1024 * 1024 + 17;

    const result = await measureLargeFile(filePath, bytes);

    assert.equal(statSync(filePath).size, bytes);
    assert.equal(result.bytes, bytes);
    assert.ok(result.writeSeconds > 0);
    assert.ok(result.readSeconds > 0);
  });
});
