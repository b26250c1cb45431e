import type Database from 'better-sqlite3';

import { PreparedStatements } from './prepared-statements.js';

/**
 * The table service's rows. Keys are stored as BLOBs whose byte order is DynamoDB's key
 * order (numbers numerically, strings and binary by bytes), so SQLite's BLOB comparison
 * sorts range keys as DynamoDB does. A table without a range key stores an empty BLOB.
 * `scan_token` is a 32-bit hash of the partition key: scans run in its order and parallel
 * scan segments are ranges of it.
 */
export const TABLES_SCHEMA = `
CREATE TABLE IF NOT EXISTS dynamodb_tables (
  name TEXT PRIMARY KEY,
  definition TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dynamodb_items (
  table_name TEXT NOT NULL,
  hash_key BLOB NOT NULL,
  range_key BLOB NOT NULL,
  scan_token INTEGER NOT NULL,
  item TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  expires_at_s INTEGER,
  PRIMARY KEY (table_name, hash_key, range_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dynamodb_items_scan
  ON dynamodb_items (table_name, scan_token, hash_key, range_key);
CREATE INDEX IF NOT EXISTS dynamodb_items_expiry
  ON dynamodb_items (table_name, expires_at_s) WHERE expires_at_s IS NOT NULL;
CREATE TABLE IF NOT EXISTS dynamodb_index_entries (
  table_name TEXT NOT NULL,
  index_name TEXT NOT NULL,
  hash_key BLOB NOT NULL,
  range_key BLOB NOT NULL,
  item_hash_key BLOB NOT NULL,
  item_range_key BLOB NOT NULL,
  scan_token INTEGER NOT NULL,
  PRIMARY KEY (table_name, index_name, hash_key, range_key, item_hash_key, item_range_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dynamodb_index_entries_item
  ON dynamodb_index_entries (table_name, item_hash_key, item_range_key);
CREATE INDEX IF NOT EXISTS dynamodb_index_entries_scan
  ON dynamodb_index_entries (table_name, index_name, scan_token, hash_key, range_key);
CREATE TABLE IF NOT EXISTS dynamodb_transaction_tokens (
  token TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  completed_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dynamodb_transaction_tokens_age
  ON dynamodb_transaction_tokens (completed_at_ms);
`;

/** The primary key of an item row, encoded. */
export interface RowKey {
  hashKey: Buffer;
  rangeKey: Buffer;
}

/** One stored item, as DynamoDB JSON text. */
export interface ItemRow extends RowKey {
  scanToken: number;
  item: string;
  sizeBytes: number;
}

/** An item's entry in a secondary index, keyed by the index's key attributes. */
export interface IndexEntry extends RowKey {
  indexName: string;
  scanToken: number;
}

/** An item read through an index: the entry's key and the item it points to. */
export interface IndexedRow extends ItemRow {
  indexHashKey: Buffer;
  indexRangeKey: Buffer;
}

/** A bound on range keys; `prefix` selects keys that start with the bytes. */
export interface RangeBounds {
  lower?: { key: Buffer; inclusive: boolean };
  upper?: { key: Buffer; inclusive: boolean };
  prefix?: Buffer;
}

/** The position a query or scan resumes after: the last row's keys, with index keys for index reads. */
export interface ReadPosition {
  scanToken?: number;
  hashKey: Buffer;
  rangeKey: Buffer;
  itemHashKey?: Buffer;
  itemRangeKey?: Buffer;
}

/**
 * Tables, items and secondary index entries of the table service. Writes do not open
 * transactions of their own: callers group an item, its index entries and anything that
 * must commit with them inside `transaction`.
 */
export class TableStore {
  readonly #sql: PreparedStatements;

  constructor(db: Database.Database) {
    this.#sql = new PreparedStatements(db);
  }

  /** Runs `work` in one SQLite transaction (a savepoint when nested); a throw rolls back. */
  transaction<T>(work: () => T): T {
    return this.#sql.transaction(work);
  }

  insertTable(name: string, definition: string): void {
    this.#sql
      .get('INSERT INTO dynamodb_tables (name, definition) VALUES (?, ?)')
      .run(name, definition);
  }

  /** Returns a table's stored definition (JSON), or undefined. */
  findTable(name: string): string | undefined {
    return this.#sql
      .get('SELECT definition FROM dynamodb_tables WHERE name = ?')
      .pluck()
      .get(name) as string | undefined;
  }

  updateTable(name: string, definition: string): void {
    this.#sql.get('UPDATE dynamodb_tables SET definition = ? WHERE name = ?').run(definition, name);
  }

  /** Deletes a table with its items and index entries. */
  deleteTable(name: string): void {
    this.transaction(() => {
      this.#sql.get('DELETE FROM dynamodb_items WHERE table_name = ?').run(name);
      this.#sql.get('DELETE FROM dynamodb_index_entries WHERE table_name = ?').run(name);
      this.#sql.get('DELETE FROM dynamodb_tables WHERE name = ?').run(name);
    });
  }

  /** Returns the request hash stored with a TransactWriteItems token completed at or after `sinceMs`. */
  findTransactionToken(token: string, sinceMs: number): string | undefined {
    return this.#sql
      .get(
        'SELECT request_hash FROM dynamodb_transaction_tokens WHERE token = ? AND completed_at_ms >= ?',
      )
      .pluck()
      .get(token, sinceMs) as string | undefined;
  }

  /** Stores a TransactWriteItems token with its request hash, replacing an expired entry. */
  saveTransactionToken(token: string, requestHash: string, completedAtMs: number): void {
    this.#sql
      .get(
        'INSERT OR REPLACE INTO dynamodb_transaction_tokens (token, request_hash, completed_at_ms) VALUES (?, ?, ?)',
      )
      .run(token, requestHash, completedAtMs);
  }

  /** Deletes the TransactWriteItems tokens completed before `beforeMs` and returns how many. */
  deleteTransactionTokensBefore(beforeMs: number): number {
    return this.#sql
      .get('DELETE FROM dynamodb_transaction_tokens WHERE completed_at_ms < ?')
      .run(beforeMs).changes;
  }

  /** Returns up to `limit` table names after `after`, in name order. */
  listTableNames(after: string | undefined, limit: number): string[] {
    return this.#sql
      .get('SELECT name FROM dynamodb_tables WHERE name > ? ORDER BY name LIMIT ?')
      .pluck()
      .all(after ?? '', limit) as string[];
  }

  findItem(table: string, key: RowKey): ItemRow | undefined {
    const row = this.#sql
      .get(
        `SELECT hash_key, range_key, scan_token, item, size_bytes FROM dynamodb_items
         WHERE table_name = ? AND hash_key = ? AND range_key = ?`,
      )
      .get(table, key.hashKey, key.rangeKey) as StoredItemRow | undefined;
    return row === undefined ? undefined : fromItemRow(row);
  }

  putItem(table: string, row: ItemRow, expiresAtS: number | undefined): void {
    this.#sql
      .get(
        `INSERT OR REPLACE INTO dynamodb_items
           (table_name, hash_key, range_key, scan_token, item, size_bytes, expires_at_s)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        table,
        row.hashKey,
        row.rangeKey,
        row.scanToken,
        row.item,
        row.sizeBytes,
        expiresAtS ?? null,
      );
  }

  deleteItem(table: string, key: RowKey): void {
    this.#sql
      .get('DELETE FROM dynamodb_items WHERE table_name = ? AND hash_key = ? AND range_key = ?')
      .run(table, key.hashKey, key.rangeKey);
  }

  /** Replaces the index entries of one item with `entries`. */
  replaceIndexEntries(table: string, item: RowKey, entries: IndexEntry[]): void {
    this.#sql
      .get(
        'DELETE FROM dynamodb_index_entries WHERE table_name = ? AND item_hash_key = ? AND item_range_key = ?',
      )
      .run(table, item.hashKey, item.rangeKey);
    const insert = this.#sql.get(
      `INSERT INTO dynamodb_index_entries (table_name, index_name, hash_key, range_key,
         item_hash_key, item_range_key, scan_token) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const entry of entries) {
      insert.run(
        table,
        entry.indexName,
        entry.hashKey,
        entry.rangeKey,
        item.hashKey,
        item.rangeKey,
        entry.scanToken,
      );
    }
  }

  deleteIndex(table: string, indexName: string): void {
    this.#sql
      .get('DELETE FROM dynamodb_index_entries WHERE table_name = ? AND index_name = ?')
      .run(table, indexName);
  }

  /** Returns every item row of a table, for building a new index. */
  *allItems(table: string): IterableIterator<ItemRow> {
    const rows = this.#sql
      .get(
        'SELECT hash_key, range_key, scan_token, item, size_bytes FROM dynamodb_items WHERE table_name = ?',
      )
      .all(table) as StoredItemRow[];
    for (const row of rows) yield fromItemRow(row);
  }

  /** Sets the TTL expiry column of an item (seconds since the epoch, or none). */
  setExpiry(table: string, key: RowKey, expiresAtS: number | undefined): void {
    this.#sql
      .get(
        'UPDATE dynamodb_items SET expires_at_s = ? WHERE table_name = ? AND hash_key = ? AND range_key = ?',
      )
      .run(expiresAtS ?? null, table, key.hashKey, key.rangeKey);
  }

  /** Returns up to `limit` items whose expiry is at or before `nowS`. */
  expiredItems(table: string, nowS: number, limit: number): ItemRow[] {
    const rows = this.#sql
      .get(
        `SELECT hash_key, range_key, scan_token, item, size_bytes FROM dynamodb_items
         WHERE table_name = ? AND expires_at_s IS NOT NULL AND expires_at_s <= ? LIMIT ?`,
      )
      .all(table, nowS, limit) as StoredItemRow[];
    return rows.map(fromItemRow);
  }

  /** Counts a table's items and sums their sizes. */
  tableSize(table: string): { itemCount: number; sizeBytes: number } {
    const row = this.#sql
      .get(
        'SELECT COUNT(*) AS itemCount, COALESCE(SUM(size_bytes), 0) AS sizeBytes FROM dynamodb_items WHERE table_name = ?',
      )
      .get(table) as { itemCount: number; sizeBytes: number };
    return row;
  }

  /** Counts the entries of one index and sums the sizes of the items they point to. */
  indexSize(table: string, indexName: string): { itemCount: number; sizeBytes: number } {
    return this.#sql
      .get(
        `SELECT COUNT(*) AS itemCount, COALESCE(SUM(i.size_bytes), 0) AS sizeBytes
         FROM dynamodb_index_entries e JOIN dynamodb_items i ON i.table_name = e.table_name
           AND i.hash_key = e.item_hash_key AND i.range_key = e.item_range_key
         WHERE e.table_name = ? AND e.index_name = ?`,
      )
      .get(table, indexName) as { itemCount: number; sizeBytes: number };
  }

  /** Sums the sizes of the items with one partition key value: DynamoDB's item collection. */
  collectionSizeBytes(table: string, hashKey: Buffer): number {
    return this.#sql
      .get(
        'SELECT COALESCE(SUM(size_bytes), 0) FROM dynamodb_items WHERE table_name = ? AND hash_key = ?',
      )
      .pluck()
      .get(table, hashKey) as number;
  }

  /** Reads the items of one partition key in range key order, starting after `after`. */
  *queryItems(
    table: string,
    hashKey: Buffer,
    bounds: RangeBounds,
    forward: boolean,
    after: ReadPosition | undefined,
  ): IterableIterator<ItemRow> {
    const where = [
      'table_name = @table',
      'hash_key = @hashKey',
      ...rangeConditions('range_key', bounds),
    ];
    if (after !== undefined) where.push(`range_key ${forward ? '>' : '<'} @afterRange`);
    const order = forward ? 'ASC' : 'DESC';
    const statement = this.#sql.get(
      `SELECT hash_key, range_key, scan_token, item, size_bytes FROM dynamodb_items
       WHERE ${where.join(' AND ')} ORDER BY range_key ${order}`,
    );
    const parameters = { table, hashKey, ...rangeParameters(bounds), afterRange: after?.rangeKey };
    for (const row of statement.iterate(
      dropUndefined(parameters),
    ) as IterableIterator<StoredItemRow>) {
      yield fromItemRow(row);
    }
  }

  /** Reads the items of one index partition in index range key order. */
  *queryIndex(
    table: string,
    indexName: string,
    hashKey: Buffer,
    bounds: RangeBounds,
    forward: boolean,
    after: ReadPosition | undefined,
  ): IterableIterator<IndexedRow> {
    const where = [
      'e.table_name = @table',
      'e.index_name = @indexName',
      'e.hash_key = @hashKey',
      ...rangeConditions('e.range_key', bounds),
    ];
    const comparison = forward ? '>' : '<';
    if (after !== undefined) {
      where.push(
        `(e.range_key, e.item_hash_key, e.item_range_key) ${comparison} (@afterRange, @afterItemHash, @afterItemRange)`,
      );
    }
    const order = forward ? 'ASC' : 'DESC';
    const statement = this.#sql.get(
      `${INDEXED_SELECT} WHERE ${where.join(' AND ')}
       ORDER BY e.range_key ${order}, e.item_hash_key ${order}, e.item_range_key ${order}`,
    );
    const parameters = {
      table,
      indexName,
      hashKey,
      ...rangeParameters(bounds),
      afterRange: after?.rangeKey,
      afterItemHash: after?.itemHashKey,
      afterItemRange: after?.itemRangeKey,
    };
    for (const row of statement.iterate(
      dropUndefined(parameters),
    ) as IterableIterator<StoredIndexedRow>) {
      yield fromIndexedRow(row);
    }
  }

  /** Reads a table's items in scan order within scan tokens [fromToken, toToken). */
  *scanItems(
    table: string,
    fromToken: number,
    toToken: number,
    after: ReadPosition | undefined,
  ): IterableIterator<ItemRow> {
    const where = ['table_name = @table', 'scan_token >= @fromToken', 'scan_token < @toToken'];
    if (after !== undefined) {
      where.push('(scan_token, hash_key, range_key) > (@afterToken, @afterHash, @afterRange)');
    }
    const statement = this.#sql.get(
      `SELECT hash_key, range_key, scan_token, item, size_bytes FROM dynamodb_items
       WHERE ${where.join(' AND ')} ORDER BY scan_token, hash_key, range_key`,
    );
    const parameters = {
      table,
      fromToken,
      toToken,
      afterToken: after?.scanToken,
      afterHash: after?.hashKey,
      afterRange: after?.rangeKey,
    };
    for (const row of statement.iterate(
      dropUndefined(parameters),
    ) as IterableIterator<StoredItemRow>) {
      yield fromItemRow(row);
    }
  }

  /** Reads an index's entries in scan order within scan tokens [fromToken, toToken). */
  *scanIndex(
    table: string,
    indexName: string,
    fromToken: number,
    toToken: number,
    after: ReadPosition | undefined,
  ): IterableIterator<IndexedRow> {
    const where = [
      'e.table_name = @table',
      'e.index_name = @indexName',
      'e.scan_token >= @fromToken',
      'e.scan_token < @toToken',
    ];
    if (after !== undefined) {
      where.push(
        `(e.scan_token, e.hash_key, e.range_key, e.item_hash_key, e.item_range_key) >
           (@afterToken, @afterHash, @afterRange, @afterItemHash, @afterItemRange)`,
      );
    }
    const statement = this.#sql.get(
      `${INDEXED_SELECT} WHERE ${where.join(' AND ')}
       ORDER BY e.scan_token, e.hash_key, e.range_key, e.item_hash_key, e.item_range_key`,
    );
    const parameters = {
      table,
      indexName,
      fromToken,
      toToken,
      afterToken: after?.scanToken,
      afterHash: after?.hashKey,
      afterRange: after?.rangeKey,
      afterItemHash: after?.itemHashKey,
      afterItemRange: after?.itemRangeKey,
    };
    for (const row of statement.iterate(
      dropUndefined(parameters),
    ) as IterableIterator<StoredIndexedRow>) {
      yield fromIndexedRow(row);
    }
  }
}

const INDEXED_SELECT = `
  SELECT i.hash_key, i.range_key, i.scan_token, i.item, i.size_bytes,
    e.hash_key AS index_hash_key, e.range_key AS index_range_key
  FROM dynamodb_index_entries e JOIN dynamodb_items i ON i.table_name = e.table_name
    AND i.hash_key = e.item_hash_key AND i.range_key = e.item_range_key`;

function rangeConditions(column: string, bounds: RangeBounds): string[] {
  const conditions: string[] = [];
  if (bounds.lower !== undefined)
    conditions.push(`${column} ${bounds.lower.inclusive ? '>=' : '>'} @lower`);
  if (bounds.upper !== undefined)
    conditions.push(`${column} ${bounds.upper.inclusive ? '<=' : '<'} @upper`);
  if (bounds.prefix !== undefined) conditions.push(`substr(${column}, 1, @prefixLength) = @prefix`);
  return conditions;
}

function rangeParameters(bounds: RangeBounds): Record<string, Buffer | number | undefined> {
  return {
    lower: bounds.lower?.key,
    upper: bounds.upper?.key,
    prefix: bounds.prefix,
    prefixLength: bounds.prefix?.length,
  };
}

/** better-sqlite3 rejects named parameters that the statement does not use. */
function dropUndefined(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined));
}

interface StoredItemRow {
  hash_key: Buffer;
  range_key: Buffer;
  scan_token: number;
  item: string;
  size_bytes: number;
}

interface StoredIndexedRow extends StoredItemRow {
  index_hash_key: Buffer;
  index_range_key: Buffer;
}

function fromItemRow(row: StoredItemRow): ItemRow {
  return {
    hashKey: row.hash_key,
    rangeKey: row.range_key,
    scanToken: row.scan_token,
    item: row.item,
    sizeBytes: row.size_bytes,
  };
}

function fromIndexedRow(row: StoredIndexedRow): IndexedRow {
  return {
    ...fromItemRow(row),
    indexHashKey: row.index_hash_key,
    indexRangeKey: row.index_range_key,
  };
}
