// The SQLite floor of the table service benchmark: the inserts and selects the platform's
// item store makes, straight through better-sqlite3, without HTTP, signatures, expressions
// or stream records.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';

import { TABLES_SCHEMA } from '../../src/state/tables.js';
import { benchItem, paddedIndex } from './client.js';

export interface SqliteFloorSettings {
  /** Rows inserted one transaction each, then read back by point selects. */
  rowInserts: number;
  /** Rows inserted in transactions of `batchRows`, all in one partition. */
  batchedRows: number;
  batchRows: number;
}

/** One floor measurement: how many rows in how many seconds. */
export interface FloorFigure {
  label: string;
  rows: number;
  seconds: number;
  perSecond: number;
}

const TABLE = 'bench-floor';

/**
 * Creates a fresh database in `folder` with the platform's pragmas (WAL journal,
 * synchronous NORMAL, as src/state/store.ts sets them) and item schema, then times the
 * inserts and selects. Every statement is prepared once.
 */
export function measureSqliteFloor(folder: string, settings: SqliteFloorSettings): FloorFigure[] {
  mkdirSync(folder, { recursive: true });
  const db = new Database(path.join(folder, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(TABLES_SCHEMA);
    return [
      ...timeRowInserts(db, settings.rowInserts),
      ...timeBatchedInserts(db, settings.batchedRows, settings.batchRows),
    ];
  } finally {
    db.close();
  }
}

/** Builds a row as the item store writes it: encoded keys, a scan token, the item as JSON. */
function row(pk: string, sk: string, index: number) {
  const item = benchItem(pk, index, sk === '' ? undefined : sk);
  return {
    hashKey: Buffer.from(pk, 'utf8'),
    rangeKey: Buffer.from(sk, 'utf8'),
    scanToken: (index * 2654435761) >>> 0,
    item: JSON.stringify(item),
  };
}

function timeRowInserts(db: Database.Database, count: number): FloorFigure[] {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO dynamodb_items
       (table_name, hash_key, range_key, scan_token, item, size_bytes, expires_at_s)
     VALUES (?, ?, ?, ?, ?, ?, NULL)`,
  );
  const rows = Array.from({ length: count }, (_, index) =>
    row(`item-${paddedIndex(index)}`, '', index),
  );
  const inserted = time('floor: INSERT, one transaction per row', count, () => {
    for (const item of rows) {
      insert.run(TABLE, item.hashKey, item.rangeKey, item.scanToken, item.item, item.item.length);
    }
  });

  const select = db.prepare(
    'SELECT item FROM dynamodb_items WHERE table_name = ? AND hash_key = ? AND range_key = ?',
  );
  const order = shuffledIndexes(count);
  const selected = time('floor: point SELECT by primary key', count, () => {
    for (const index of order) {
      const item = rows[index];
      if (item === undefined) continue;
      const found = select.get(TABLE, item.hashKey, item.rangeKey) as { item: string } | undefined;
      if (found?.item !== item.item) throw new Error(`floor SELECT of row ${index} failed`);
    }
  });
  return [inserted, selected];
}

function timeBatchedInserts(
  db: Database.Database,
  count: number,
  batchRows: number,
): FloorFigure[] {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO dynamodb_items
       (table_name, hash_key, range_key, scan_token, item, size_bytes, expires_at_s)
     VALUES (?, ?, ?, ?, ?, ?, NULL)`,
  );
  const insertBatch = db.transaction((batch: ReturnType<typeof row>[]) => {
    for (const item of batch) {
      insert.run(TABLE, item.hashKey, item.rangeKey, item.scanToken, item.item, item.item.length);
    }
  });
  const rows = Array.from({ length: count }, (_, index) =>
    row('partition', `sk-${paddedIndex(index)}`, index),
  );
  const inserted = time(`floor: INSERT, ${batchRows} rows per transaction`, count, () => {
    for (let start = 0; start < rows.length; start += batchRows) {
      insertBatch(rows.slice(start, start + batchRows));
    }
  });

  const scan = db.prepare(
    'SELECT item FROM dynamodb_items WHERE table_name = ? AND hash_key = ? ORDER BY range_key',
  );
  const partition = Buffer.from('partition', 'utf8');
  const scanned = time('floor: SELECT of the whole partition, in key order', count, () => {
    let read = 0;
    for (const found of scan.iterate(TABLE, partition) as Iterable<{ item: string }>) {
      read += found.item.length > 0 ? 1 : 0;
    }
    if (read !== count) throw new Error(`floor partition SELECT read ${read} rows, not ${count}`);
  });
  return [inserted, scanned];
}

function time(label: string, rows: number, work: () => void): FloorFigure {
  const started = process.hrtime.bigint();
  work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { label, rows, seconds, perSecond: rows / seconds };
}

/** Returns 0 to count - 1 in a fixed pseudo-random order, so that selects hit random pages. */
function shuffledIndexes(count: number): number[] {
  const order = Array.from({ length: count }, (_, index) => index);
  let state = 12345;
  for (let index = count - 1; index > 0; index -= 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    const other = state % (index + 1);
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  return order;
}
