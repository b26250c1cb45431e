import type { Logger } from '../../../log.js';
import type { StreamTable } from '../../../state/streams.js';
import type { TableStore } from '../../../state/tables.js';
import { DynamoDBError, validationError } from '../errors.js';
import type { ItemChange } from '../item-writer.js';
import type { TableDefinition } from '../table-schema.js';
import {
  buildStreamRecord,
  changesNothing,
  formatSequence,
  parseSequence,
  type StreamViewType,
} from './stream-record.js';
import type { StreamRecord, StreamShard, StreamSource } from './stream-source.js';

/** DynamoDB Streams keeps records for 24 hours. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface TableStreamsOptions {
  table: StreamTable;
  tables: TableStore;
  region: string;
  logger: Logger;
  /** Milliseconds since the epoch; tests inject a clock to age records. */
  nowMs: () => number;
}

/**
 * The streams of the table service. `recordChange` runs inside each item write's
 * transaction and appends the record there. Listeners of `onAppend` run after the commit.
 *
 * NOTE: every stream has one shard for its whole life. DynamoDB splits a stream into
 * shards by partition and rolls shards over every few hours. Lambda's ordering guarantee
 * is per item key, which one shard keeps as well.
 */
export class TableStreams implements StreamSource {
  readonly table: StreamTable;
  readonly #tables: TableStore;
  readonly #region: string;
  readonly #logger: Logger;
  readonly #nowMs: () => number;
  readonly #listeners = new Set<(streamArn: string) => void>();
  /** Sequence numbers appended by transactions that may not have committed yet, by stream. */
  #pending = new Map<string, number[]>();
  #flushScheduled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TableStreamsOptions) {
    this.table = options.table;
    this.#tables = options.tables;
    this.#region = options.region;
    this.#logger = options.logger;
    this.#nowMs = options.nowMs;
  }

  nowMs(): number {
    return this.#nowMs();
  }

  /** Appends the stream record of an item change; called inside the write's transaction. */
  recordChange(change: ItemChange): void {
    const { table } = change;
    const viewType = table.stream?.StreamViewType;
    if (table.stream?.StreamEnabled !== true || viewType === undefined) return;
    if (changesNothing(change)) return;

    const streamArn = this.#ensureStream(table, viewType);
    const shardId = this.table.openShardId(streamArn);
    if (shardId === undefined) return;
    const nowMs = this.#nowMs();
    const sequence = this.table.appendRecord(streamArn, shardId, nowMs, (assigned) =>
      JSON.stringify(buildStreamRecord(change, viewType, assigned, nowMs, this.#region)),
    );
    this.#queueNotification(streamArn, sequence);
  }

  /**
   * Brings the stored streams of one table in line with its definition: the current
   * stream exists, and every other stream of the table name is disabled.
   */
  syncTable(tableName: string): void {
    const text = this.#tables.findTable(tableName);
    const table = text === undefined ? undefined : (JSON.parse(text) as TableDefinition);
    const viewType = table?.stream?.StreamViewType;
    const current =
      table !== undefined && viewType !== undefined
        ? this.#ensureStream(table, viewType)
        : undefined;
    for (const streamArn of this.table.enabledStreamArns(tableName)) {
      if (streamArn === current) continue;
      this.table.disableStream(streamArn, this.#nowMs());
      this.#logger.info({ tableName, streamArn }, 'table stream disabled');
    }
  }

  /** Syncs the streams of every table, for databases written before streams were stored. */
  syncAllTables(): void {
    let after: string | undefined;
    for (;;) {
      const names = this.#tables.listTableNames(after, 100);
      for (const name of names) this.syncTable(name);
      if (names.length < 100) return;
      after = names[names.length - 1];
    }
  }

  streamArnOf(tableName: string): string | undefined {
    return this.table.enabledStreamArns(tableName)[0];
  }

  shards(streamArn: string): StreamShard[] {
    this.getStream(streamArn);
    return this.table.shards(streamArn).map((shard) => ({
      shardId: shard.shardId,
      startingSequenceNumber:
        shard.firstRetainedSequence === undefined
          ? undefined
          : formatSequence(shard.firstRetainedSequence),
    }));
  }

  read(
    streamArn: string,
    shardId: string,
    afterSequence: string | undefined,
    limit: number,
  ): StreamRecord[] {
    this.getShard(streamArn, shardId);
    const after = afterSequence === undefined ? 0 : parseSequence(afterSequence);
    if (after === undefined) {
      throw validationError(
        `Invalid SequenceNumber '${afterSequence}'; pass a record's SequenceNumber`,
      );
    }
    return this.table
      .readRecords(streamArn, shardId, after, this.#nowMs() - RETENTION_MS, limit)
      .map((row) => JSON.parse(row.record) as StreamRecord);
  }

  latestSequence(streamArn: string, shardId: string): string | undefined {
    this.getShard(streamArn, shardId);
    const sequence = this.table.latestSequence(streamArn, shardId);
    return sequence === undefined ? undefined : formatSequence(sequence);
  }

  onAppend(listener: (streamArn: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Returns a stored stream or raises ResourceNotFoundException. */
  getStream(streamArn: string): NonNullable<ReturnType<StreamTable['findStream']>> {
    const stream = this.table.findStream(streamArn);
    if (stream === undefined) {
      throw resourceNotFoundMessage(`Requested resource not found: Stream: ${streamArn} not found`);
    }
    return stream;
  }

  /** Returns a stored shard or raises ResourceNotFoundException. */
  getShard(streamArn: string, shardId: string): ReturnType<StreamTable['shards']>[number] {
    this.getStream(streamArn);
    const shard = this.table.shards(streamArn).find((item) => item.shardId === shardId);
    if (shard === undefined) {
      throw resourceNotFoundMessage(
        `Requested resource not found: Shard: ${shardId} in Stream: ${streamArn} not found`,
      );
    }
    return shard;
  }

  /** Removes records older than 24 hours and streams disabled more than 24 hours ago. */
  sweep(): number {
    const removed = this.table.removeOlderThan(this.#nowMs() - RETENTION_MS);
    if (removed > 0) this.#logger.info({ removed }, 'removed stream records older than 24 hours');
    return removed;
  }

  /** Starts the retention sweep every `intervalMs`. */
  startSweeps(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.#logger.error({ err: error }, 'stream retention sweep failed');
      }
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ensureStream(table: TableDefinition, viewType: StreamViewType): string {
    const label = table.streamLabel ?? '';
    const streamArn = `${table.arn}/stream/${label}`;
    this.table.ensureStream({
      streamArn,
      tableName: table.name,
      streamLabel: label,
      viewType,
      keySchema: JSON.stringify(keySchemaOf(table)),
      createdAtMs: Date.parse(`${label}Z`) || this.#nowMs(),
    });
    return streamArn;
  }

  /**
   * Remembers an appended record and checks after the current task, when the write's
   * transaction has committed or rolled back, whether it is stored; listeners hear of
   * committed ones only.
   */
  #queueNotification(streamArn: string, sequence: number): void {
    const sequences = this.#pending.get(streamArn) ?? [];
    sequences.push(sequence);
    this.#pending.set(streamArn, sequences);
    if (this.#flushScheduled) return;

    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#notifyCommitted();
    });
  }

  #notifyCommitted(): void {
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [streamArn, sequences] of pending) {
      if (!sequences.some((sequence) => this.table.hasRecord(streamArn, sequence))) continue;
      for (const listener of this.#listeners) {
        try {
          listener(streamArn);
        } catch (error) {
          this.#logger.error({ err: error, streamArn }, 'stream append listener failed');
        }
      }
    }
  }
}

/** The table's KeySchema as DescribeStream returns it. */
export function keySchemaOf(table: TableDefinition): { AttributeName: string; KeyType: string }[] {
  const schema = [{ AttributeName: table.hashKey.name, KeyType: 'HASH' }];
  if (table.rangeKey !== undefined) {
    schema.push({ AttributeName: table.rangeKey.name, KeyType: 'RANGE' });
  }
  return schema;
}

function resourceNotFoundMessage(message: string): DynamoDBError {
  return new DynamoDBError('ResourceNotFoundException', message);
}
