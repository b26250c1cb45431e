import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { OBJECTS_SCHEMA, ObjectTable, type ObjectAttributes } from '../../state/objects.js';
import { CommitBatch } from './commit-batch.js';

function openTable(): ObjectTable {
  const db = new Database(':memory:');
  db.exec(OBJECTS_SCHEMA);
  const table = new ObjectTable(db);
  table.createBucket({ name: 'photos', region: 'us-east-1', createdAtMs: 0 });
  return table;
}

function attributes(fileId: string): ObjectAttributes {
  return {
    files: [{ fileId, size: 1 }],
    size: 1,
    eTag: '"e"',
    lastModifiedMs: 0,
    headers: {},
    metadata: {},
    tags: {},
    checksums: {},
    partSizes: undefined,
  };
}

describe('commit batch', () => {
  it('commits writes queued in one turn', async () => {
    const table = openTable();
    const batch = new CommitBatch(table);
    const first = batch.commit(() => table.putObject('photos', 'a', attributes('1'.repeat(32))));
    const second = batch.commit(() => table.putObject('photos', 'b', attributes('2'.repeat(32))));

    const [changeA, changeB] = await Promise.all([first, second]);
    assert.ok(changeA.sequencer < changeB.sequencer);
    assert.equal(table.findObject('photos', 'a')?.files[0]?.fileId, '1'.repeat(32));
    assert.equal(table.findObject('photos', 'b')?.files[0]?.fileId, '2'.repeat(32));
  });

  it('failed write rolls back only itself', async () => {
    const table = openTable();
    const batch = new CommitBatch(table);
    const kept = batch.commit(() => table.putObject('photos', 'kept', attributes('3'.repeat(32))));
    const failed = batch.commit(() => {
      table.putObject('photos', 'rolled-back', attributes('4'.repeat(32)));
      throw new Error('condition failed');
    });

    await assert.rejects(failed, { message: 'condition failed' });
    await kept;
    assert.equal(table.findObject('photos', 'kept')?.files[0]?.fileId, '3'.repeat(32));
    assert.equal(table.findObject('photos', 'rolled-back'), undefined);
  });

  it('later write sees earlier one', async () => {
    const table = openTable();
    const batch = new CommitBatch(table);
    const first = batch.commit(() => table.putObject('photos', 'a', attributes('5'.repeat(32))));
    const second = batch.commit(() => table.findObject('photos', 'a')?.files[0]?.fileId);

    await first;
    assert.equal(await second, '5'.repeat(32));
  });
});
