import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { itemSize } from '../../src/services/dynamodb/attribute-value.js';
import { benchItem, ITEM_BYTES, paddedIndex } from './client.js';
import { measureSqliteFloor } from './sqlite-floor.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'tables-floor-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('benchItem', () => {
  it('sizes items at about ITEM_BYTES', () => {
    for (const index of [0, 7, 99, 12_345, 99_999]) {
      for (const item of [
        benchItem(`item-${paddedIndex(index)}`, index),
        benchItem('partition', index, `sk-${paddedIndex(index)}`),
      ]) {
        const size = itemSize(item as never);
        assert.ok(size <= ITEM_BYTES, `item ${index} has ${size} bytes`);
        assert.ok(size >= ITEM_BYTES - 2, `item ${index} has ${size} bytes`);
      }
    }
  });

  it('pads sort keys so they sort as numbers', () => {
    const keys = [9, 10, 100, 99_999].map((index) => `sk-${paddedIndex(index)}`);
    assert.deepEqual([...keys].sort(), keys);
  });
});

describe('measureSqliteFloor', () => {
  it('times inserts and selects of every row', () => {
    const figures = measureSqliteFloor(path.join(root, 'floor'), {
      rowInserts: 200,
      batchedRows: 110,
      batchRows: 25,
    });
    assert.deepEqual(
      figures.map((figure) => figure.rows),
      [200, 200, 110, 110],
    );
    for (const figure of figures) {
      assert.ok(figure.perSecond > 0, `${figure.label}: ${figure.perSecond} rows/s`);
    }
  });
});
