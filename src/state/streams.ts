import { randomBytes } from 'node:crypto';

import type Database from 'better-sqlite3';

import { PreparedStatements } from './prepared-statements.js';

/**
 * Table streams, their shards and their records. Sequence numbers come from one counter
 * for all streams, so they increase strictly within every shard and are never reused,
 * even after the retention sweep has removed every record. `trimmed_through` is the
 * highest sequence number the sweep removed from a shard: a reader positioned before it
 * has missed records.
 */
export const STREAMS_SCHEMA = `
CREATE TABLE IF NOT EXISTS dynamodb_streams (
  stream_arn TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  stream_label TEXT NOT NULL,
  view_type TEXT NOT NULL,
  key_schema TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  disabled_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS dynamodb_streams_by_table ON dynamodb_streams (table_name);
CREATE TABLE IF NOT EXISTS dynamodb_stream_shards (
  stream_arn TEXT NOT NULL,
  shard_id TEXT NOT NULL,
  starting_sequence INTEGER NOT NULL,
  ending_sequence INTEGER,
  trimmed_through INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (stream_arn, shard_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_records (
  stream_arn TEXT NOT NULL,
  shard_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (stream_arn, shard_id, sequence)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stream_records_by_age ON stream_records (created_at_ms);
CREATE TABLE IF NOT EXISTS dynamodb_stream_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_sequence INTEGER NOT NULL
);
`;

/** A stream as stored; `disabledAtMs` is set once the table's stream was turned off. */
export interface StreamRow {
  streamArn: string;
  tableName: string;
  streamLabel: string;
  viewType: string;
  /** KeySchema of the table as JSON. */
  keySchema: string;
  createdAtMs: number;
  disabledAtMs: number | undefined;
}

/** A shard as stored, with the sequence number of its oldest retained record. */
export interface ShardRow {
  shardId: string;
  startingSequence: number;
  /** Set when the shard is closed: the last sequence number it holds or will ever hold. */
  endingSequence: number | undefined;
  trimmedThrough: number;
  firstRetainedSequence: number | undefined;
}

/** One stored record: its sequence number and the record as JSON. */
export interface StoredStreamRecord {
  sequence: number;
  createdAtMs: number;
  record: string;
}

interface StoredStreamRow {
  stream_arn: string;
  table_name: string;
  stream_label: string;
  view_type: string;
  key_schema: string;
  created_at_ms: number;
  disabled_at_ms: number | null;
}

/**
 * Streams and records of the table service. Writes open no transaction of their own:
 * `appendRecord` runs inside the transaction that writes the item, so the record commits
 * or rolls back with it.
 */
export class StreamTable {
  readonly #sql: PreparedStatements;

  constructor(db: Database.Database) {
    this.#sql = new PreparedStatements(db);
  }

  /** Runs `work` in one SQLite transaction (a savepoint when nested). */
  transaction<T>(work: () => T): T {
    return this.#sql.transaction(work);
  }

  /** Stores a stream with one open shard unless a stream with this ARN exists. */
  ensureStream(stream: Omit<StreamRow, 'disabledAtMs'>): void {
    const inserted = this.#sql
      .get(
        `INSERT OR IGNORE INTO dynamodb_streams (stream_arn, table_name, stream_label,
           view_type, key_schema, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        stream.streamArn,
        stream.tableName,
        stream.streamLabel,
        stream.viewType,
        stream.keySchema,
        stream.createdAtMs,
      );
    if (inserted.changes === 0) return;

    this.#sql
      .get(
        `INSERT INTO dynamodb_stream_shards (stream_arn, shard_id, starting_sequence)
         VALUES (?, ?, ?)`,
      )
      .run(stream.streamArn, newShardId(stream.createdAtMs), this.lastSequence() + 1);
  }

  findStream(streamArn: string): StreamRow | undefined {
    const row = this.#sql
      .get('SELECT * FROM dynamodb_streams WHERE stream_arn = ?')
      .get(streamArn) as StoredStreamRow | undefined;
    return row === undefined ? undefined : fromStreamRow(row);
  }

  /** Returns up to `limit` streams in ARN order after `afterArn`, of one table or of all. */
  listStreams(
    tableName: string | undefined,
    afterArn: string | undefined,
    limit: number,
  ): StreamRow[] {
    const rows = this.#sql
      .get(
        `SELECT * FROM dynamodb_streams WHERE (? IS NULL OR table_name = ?) AND stream_arn > ?
         ORDER BY stream_arn LIMIT ?`,
      )
      .all(tableName ?? null, tableName ?? null, afterArn ?? '', limit) as StoredStreamRow[];
    return rows.map(fromStreamRow);
  }

  /** Returns the ARNs of a table's streams that are not disabled. */
  enabledStreamArns(tableName: string): string[] {
    return this.#sql
      .get(
        'SELECT stream_arn FROM dynamodb_streams WHERE table_name = ? AND disabled_at_ms IS NULL',
      )
      .pluck()
      .all(tableName) as string[];
  }

  /** Marks a stream disabled and closes its open shards at their last record. */
  disableStream(streamArn: string, nowMs: number): void {
    this.transaction(() => {
      this.#sql
        .get('UPDATE dynamodb_streams SET disabled_at_ms = ? WHERE stream_arn = ?')
        .run(nowMs, streamArn);
      this.#sql
        .get(
          `UPDATE dynamodb_stream_shards SET ending_sequence = MAX(starting_sequence,
             COALESCE((SELECT MAX(sequence) FROM stream_records r
               WHERE r.stream_arn = dynamodb_stream_shards.stream_arn
                 AND r.shard_id = dynamodb_stream_shards.shard_id), 0))
           WHERE stream_arn = ? AND ending_sequence IS NULL`,
        )
        .run(streamArn);
    });
  }

  /** Returns a stream's shards, oldest first. */
  shards(streamArn: string): ShardRow[] {
    const rows = this.#sql
      .get(
        `SELECT shard_id, starting_sequence, ending_sequence, trimmed_through,
           (SELECT MIN(sequence) FROM stream_records r
             WHERE r.stream_arn = s.stream_arn AND r.shard_id = s.shard_id) AS first_retained
         FROM dynamodb_stream_shards s WHERE stream_arn = ? ORDER BY starting_sequence, shard_id`,
      )
      .all(streamArn) as {
      shard_id: string;
      starting_sequence: number;
      ending_sequence: number | null;
      trimmed_through: number;
      first_retained: number | null;
    }[];
    return rows.map((row) => ({
      shardId: row.shard_id,
      startingSequence: row.starting_sequence,
      endingSequence: row.ending_sequence ?? undefined,
      trimmedThrough: row.trimmed_through,
      firstRetainedSequence: row.first_retained ?? undefined,
    }));
  }

  /** Returns the open shard of a stream, which takes new records; undefined once disabled. */
  openShardId(streamArn: string): string | undefined {
    return this.#sql
      .get(
        `SELECT shard_id FROM dynamodb_stream_shards
         WHERE stream_arn = ? AND ending_sequence IS NULL ORDER BY starting_sequence DESC LIMIT 1`,
      )
      .pluck()
      .get(streamArn) as string | undefined;
  }

  /**
   * Takes the next sequence number and stores the record `build` makes with it; returns
   * the sequence number. Call inside the transaction that writes the item.
   */
  appendRecord(
    streamArn: string,
    shardId: string,
    createdAtMs: number,
    build: (sequence: number) => string,
  ): number {
    const sequence = this.#sql
      .get(
        `INSERT INTO dynamodb_stream_counter (id, last_sequence) VALUES (1, 1)
         ON CONFLICT (id) DO UPDATE SET last_sequence = last_sequence + 1
         RETURNING last_sequence`,
      )
      .pluck()
      .get() as number;
    this.#sql
      .get(
        `INSERT INTO stream_records (stream_arn, shard_id, sequence, created_at_ms, record)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(streamArn, shardId, sequence, createdAtMs, build(sequence));
    return sequence;
  }

  /** Returns the last sequence number handed out, 0 before the first. */
  lastSequence(): number {
    const value = this.#sql
      .get('SELECT last_sequence FROM dynamodb_stream_counter WHERE id = 1')
      .pluck()
      .get() as number | undefined;
    return value ?? 0;
  }

  /** Returns up to `limit` records of a shard after `afterSequence`, created at or after `sinceMs`. */
  readRecords(
    streamArn: string,
    shardId: string,
    afterSequence: number,
    sinceMs: number,
    limit: number,
  ): StoredStreamRecord[] {
    return this.#sql
      .get(
        `SELECT sequence, created_at_ms AS createdAtMs, record FROM stream_records
         WHERE stream_arn = ? AND shard_id = ? AND sequence > ? AND created_at_ms >= ?
         ORDER BY sequence LIMIT ?`,
      )
      .all(streamArn, shardId, afterSequence, sinceMs, limit) as StoredStreamRecord[];
  }

  /** Returns the newest sequence number stored in a shard, or undefined when it is empty. */
  latestSequence(streamArn: string, shardId: string): number | undefined {
    const value = this.#sql
      .get('SELECT MAX(sequence) FROM stream_records WHERE stream_arn = ? AND shard_id = ?')
      .pluck()
      .get(streamArn, shardId) as number | null;
    return value ?? undefined;
  }

  /** True when a record with this sequence number is stored (its transaction committed). */
  hasRecord(streamArn: string, sequence: number): boolean {
    return (
      this.#sql
        .get('SELECT 1 FROM stream_records WHERE stream_arn = ? AND sequence = ?')
        .get(streamArn, sequence) !== undefined
    );
  }

  /**
   * Deletes the records created before `beforeMs`, raising each shard's `trimmed_through`,
   * and the streams disabled before it with their shards; returns how many records went.
   */
  removeOlderThan(beforeMs: number): number {
    return this.transaction(() => {
      this.#sql
        .get(
          `UPDATE dynamodb_stream_shards SET trimmed_through = MAX(trimmed_through,
             (SELECT MAX(sequence) FROM stream_records r
               WHERE r.stream_arn = dynamodb_stream_shards.stream_arn
                 AND r.shard_id = dynamodb_stream_shards.shard_id AND r.created_at_ms < ?))
           WHERE EXISTS (SELECT 1 FROM stream_records r
             WHERE r.stream_arn = dynamodb_stream_shards.stream_arn
               AND r.shard_id = dynamodb_stream_shards.shard_id AND r.created_at_ms < ?)`,
        )
        .run(beforeMs, beforeMs);
      const removed = this.#sql
        .get('DELETE FROM stream_records WHERE created_at_ms < ?')
        .run(beforeMs).changes;
      this.#sql
        .get(
          `DELETE FROM dynamodb_stream_shards WHERE stream_arn IN
             (SELECT stream_arn FROM dynamodb_streams WHERE disabled_at_ms < ?)`,
        )
        .run(beforeMs);
      this.#sql.get('DELETE FROM dynamodb_streams WHERE disabled_at_ms < ?').run(beforeMs);
      return removed;
    });
  }
}

/** DynamoDB's shard id form: `shardId-` then 20 digits and 8 hex digits. */
function newShardId(createdAtMs: number): string {
  return `shardId-${String(createdAtMs).padStart(20, '0')}-${randomBytes(4).toString('hex')}`;
}

function fromStreamRow(row: StoredStreamRow): StreamRow {
  return {
    streamArn: row.stream_arn,
    tableName: row.table_name,
    streamLabel: row.stream_label,
    viewType: row.view_type,
    keySchema: row.key_schema,
    createdAtMs: row.created_at_ms,
    disabledAtMs: row.disabled_at_ms ?? undefined,
  };
}
