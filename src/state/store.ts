import { mkdirSync } from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';

import type { Logger } from '../log.js';
import { ASYNC_EVENTS_SCHEMA, AsyncEventTable } from './async-events.js';
import { EVENT_SOURCE_MAPPINGS_SCHEMA, EventSourceMappingTable } from './event-source-mappings.js';
import { NOTIFICATIONS_SCHEMA, NotificationTable } from './notifications.js';
import { OBJECTS_SCHEMA, ObjectTable } from './objects.js';
import { SCHEDULES_SCHEMA, ScheduleTable } from './schedules.js';
import { STREAMS_SCHEMA, StreamTable } from './streams.js';
import { TABLES_SCHEMA, TableStore } from './tables.js';

/** One finished invocation, as metering and log queries need it. */
export interface InvocationRecord {
  requestId: string;
  functionName: string;
  version: string;
  source: string;
  startedAtMs: number;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  /** `x86_64` or `arm64`: duration is priced by architecture. */
  architecture: string;
  maxMemoryUsedMb: number;
  initDurationMs: number | undefined;
  outcome: string;
  errorType: string | undefined;
  /** The invocation's log as Lambda writes it, START to REPORT, lines ending in `\n`. */
  log: string;
}

/** Rows wait at most this long before they are written, in one transaction per batch. */
const FLUSH_INTERVAL_MS = 200;
const FLUSH_BATCH_ROWS = 2000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS invocations (
  request_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  billed_duration_ms INTEGER NOT NULL,
  memory_size_mb INTEGER NOT NULL,
  architecture TEXT NOT NULL DEFAULT 'x86_64',
  max_memory_used_mb INTEGER NOT NULL,
  init_duration_ms REAL,
  outcome TEXT NOT NULL,
  error_type TEXT,
  log TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invocations_by_function ON invocations (function_name, started_at_ms);
`;

/**
 * A covering index for usage summaries: they read these columns of many rows, which from
 * the table would mean reading every row's log too. Created after ADDED_COLUMNS exist.
 */
const USAGE_INDEX = `
CREATE INDEX IF NOT EXISTS invocations_usage ON invocations (function_name, started_at_ms,
  outcome, architecture, memory_size_mb, billed_duration_ms, init_duration_ms, duration_ms);
`;

/**
 * Columns added after the first release, with their definitions. A database written before
 * gains them when it is opened for writing; its older rows take the default.
 */
const ADDED_COLUMNS: Record<string, string> = {
  architecture: "TEXT NOT NULL DEFAULT 'x86_64'",
};

/**
 * The only module that touches SQLite. Invocation records and logs are written behind:
 * they are kept in memory for up to FLUSH_INTERVAL_MS and written in batches, because a
 * synchronous write per invocation would cost more than the invocation itself. They are
 * metering and logs, not accepted work, so a crash can lose the last fraction of a second.
 */
export class StateStore {
  readonly #db: Database.Database;
  /** Absent when the database is open read-only. */
  readonly #insertInvocation: Database.Statement | undefined;
  readonly #logger: Logger;
  #pending: InvocationRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #asyncEvents: AsyncEventTable | undefined;
  #objects: ObjectTable | undefined;
  #notifications: NotificationTable | undefined;
  #schedules: ScheduleTable | undefined;
  #tables: TableStore | undefined;
  #streams: StreamTable | undefined;
  #eventSourceMappings: EventSourceMappingTable | undefined;

  private constructor(db: Database.Database, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
    if (db.readonly) return;

    this.#insertInvocation = db.prepare(`
      INSERT INTO invocations (request_id, function_name, version, source, started_at_ms,
        duration_ms, billed_duration_ms, memory_size_mb, architecture, max_memory_used_mb,
        init_duration_ms, outcome, error_type, log)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Opens (creating if needed) `state.db` in the data folder; ':memory:' keeps it in memory. */
  static open(dataDir: string, logger: Logger): StateStore {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      file = path.join(dataDir, 'state.db');
    }
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    db.exec(ASYNC_EVENTS_SCHEMA);
    db.exec(OBJECTS_SCHEMA);
    db.exec(NOTIFICATIONS_SCHEMA);
    db.exec(SCHEDULES_SCHEMA);
    db.exec(TABLES_SCHEMA);
    db.exec(STREAMS_SCHEMA);
    db.exec(EVENT_SOURCE_MAPPINGS_SCHEMA);
    addMissingColumns(db);
    db.exec(USAGE_INDEX);
    return new StateStore(db, logger);
  }

  /**
   * Opens an existing `state.db` for reading only, as commands that run beside `lambdacraft
   * up` do. In WAL mode the reader sees every transaction committed before each query.
   */
  static openReadOnly(dataDir: string, logger: Logger): StateStore {
    const db = new Database(path.join(dataDir, 'state.db'), {
      readonly: true,
      fileMustExist: true,
    });
    db.pragma('busy_timeout = 5000');
    return new StateStore(db, logger);
  }

  /** The asynchronous event queue and the EventInvokeConfigs; writes commit at once. */
  get asyncEvents(): AsyncEventTable {
    this.#asyncEvents ??= new AsyncEventTable(this.#db);
    return this.#asyncEvents;
  }

  /** The object store's buckets, objects and multipart uploads; writes commit at once. */
  get objects(): ObjectTable {
    this.#objects ??= new ObjectTable(this.#db);
    return this.#objects;
  }

  /** The buckets' notification configurations; writes commit at once. */
  get notifications(): NotificationTable {
    this.#notifications ??= new NotificationTable(this.#db);
    return this.#notifications;
  }

  /** The schedules' anchors and fire records; a fire commits with its async event. */
  get schedules(): ScheduleTable {
    this.#schedules ??= new ScheduleTable(this.#db, this.asyncEvents);
    return this.#schedules;
  }

  /** The table service's tables, items and index entries; callers group writes in transactions. */
  get tables(): TableStore {
    this.#tables ??= new TableStore(this.#db);
    return this.#tables;
  }

  /** The table streams and their records; records commit with the item writes that make them. */
  get streams(): StreamTable {
    this.#streams ??= new StreamTable(this.#db);
    return this.#streams;
  }

  /** The event source mappings and their checkpoints; writes commit at once. */
  get eventSourceMappings(): EventSourceMappingTable {
    this.#eventSourceMappings ??= new EventSourceMappingTable(this.#db);
    return this.#eventSourceMappings;
  }

  /** Returns the invocation record with this request id, or undefined. */
  findInvocation(requestId: string): InvocationRecord | undefined {
    this.flush();
    const row = this.#db
      .prepare('SELECT * FROM invocations WHERE request_id = ? ORDER BY started_at_ms DESC LIMIT 1')
      .get(requestId) as InvocationRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  recordInvocation(record: InvocationRecord): void {
    if (!this.#db.open) return;
    if (this.#db.readonly) throw new Error('the state store is open read-only');

    this.#pending.push(record);
    if (this.#pending.length >= FLUSH_BATCH_ROWS) {
      this.flush();
    } else {
      this.#timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    }
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#pending;
    const insert = this.#insertInvocation;
    if (rows.length === 0 || insert === undefined || !this.#db.open) return;

    this.#pending = [];
    try {
      this.#db.transaction(() => {
        for (const row of rows) {
          insert.run(
            row.requestId,
            row.functionName,
            row.version,
            row.source,
            row.startedAtMs,
            row.durationMs,
            row.billedDurationMs,
            row.memorySizeMb,
            row.architecture,
            row.maxMemoryUsedMb,
            row.initDurationMs ?? null,
            row.outcome,
            row.errorType ?? null,
            row.log,
          );
        }
      })();
    } catch (error) {
      this.#logger.error({ err: error, rows: rows.length }, 'failed to write invocation records');
    }
  }

  /** The newest invocations of a function (or of all functions), oldest first. */
  recentInvocations(functionName: string | undefined, limit: number): InvocationRecord[] {
    this.flush();
    const rows = this.#db
      .prepare(
        `SELECT * FROM (SELECT * FROM invocations WHERE (? IS NULL OR function_name = ?)
           ORDER BY started_at_ms DESC LIMIT ?) ORDER BY started_at_ms`,
      )
      .all(functionName ?? null, functionName ?? null, limit) as InvocationRow[];
    return rows.map(fromRow);
  }

  /** Invocations of a function (or of all functions) that started after `afterMs`, oldest first. */
  invocationsSince(
    functionName: string | undefined,
    afterMs: number,
    limit: number,
  ): InvocationRecord[] {
    this.flush();
    const rows = this.#db
      .prepare(
        `SELECT * FROM invocations WHERE started_at_ms > ? AND (? IS NULL OR function_name = ?)
           ORDER BY started_at_ms LIMIT ?`,
      )
      .all(afterMs, functionName ?? null, functionName ?? null, limit) as InvocationRow[];
    return rows.map(fromRow);
  }

  close(): void {
    this.flush();
    this.#db.close();
    clearTimeout(this.#timer);
  }

  /**
   * Sums invocations, errors, throttles, cold starts and billed memory-time per function
   * over the invocations that match the filter. Outcomes other than the two named are errors.
   */
  usageByFunction(filter: UsageFilter, outcomes: UsageOutcomes): FunctionUsageRow[] {
    this.flush();
    const where = usageWhere(filter);
    // A database from before the architecture column, opened read-only, cannot gain it.
    const architecture = this.#hasColumn('invocations', 'architecture')
      ? 'architecture'
      : "'x86_64'";
    // Grouping by function name alone lets SQLite stream invocations_usage in index order.
    // Grouping by outcome and architecture as well would sort every row first.
    return this.#db
      .prepare(
        `SELECT function_name AS functionName,
           SUM(outcome != @throttled) AS invocations,
           SUM(outcome NOT IN (@success, @throttled)) AS errors,
           SUM(outcome = @throttled) AS throttles,
           COUNT(init_duration_ms) AS coldStarts,
           SUM(CASE WHEN outcome = @throttled OR ${architecture} = 'arm64' THEN 0
             ELSE memory_size_mb * billed_duration_ms END) AS x86MbMs,
           SUM(CASE WHEN outcome = @throttled OR ${architecture} != 'arm64' THEN 0
             ELSE memory_size_mb * billed_duration_ms END) AS arm64MbMs
         FROM invocations ${where.sql} GROUP BY function_name ORDER BY function_name`,
      )
      .all({ ...where.parameters, ...outcomes }) as FunctionUsageRow[];
  }

  /** Returns the durations in ms of a function's matching invocations, except one outcome. */
  durationsMs(functionName: string, filter: UsageFilter, exceptOutcome: string): number[] {
    this.flush();
    const where = usageWhere({ ...filter, functionName });
    return this.#db
      .prepare(`SELECT duration_ms FROM invocations ${where.sql} AND outcome != @exceptOutcome`)
      .pluck()
      .all({ ...where.parameters, exceptOutcome }) as number[];
  }

  #hasColumn(table: string, column: string): boolean {
    const columns = this.#db.pragma(`table_info(${table})`) as { name: string }[];
    return columns.some((item) => item.name === column);
  }
}

/** The invocations a usage query covers; absent fields do not filter. */
export interface UsageFilter {
  functionName?: string | undefined;
  /** Invocations that started at or after this time, in ms since the epoch. */
  sinceMs?: number | undefined;
}

/** The outcome values that usage queries count apart from errors. */
export interface UsageOutcomes {
  success: string;
  throttled: string;
}

/** Usage totals of one function. */
export interface FunctionUsageRow {
  functionName: string;
  /** Invocations that were not throttled. */
  invocations: number;
  errors: number;
  throttles: number;
  /** Invocations with an Init Duration. */
  coldStarts: number;
  /** Sum over the x86_64 invocations, not throttled, of memory size (MB) times billed ms. */
  x86MbMs: number;
  /** The same sum over the arm64 invocations that were not throttled. */
  arm64MbMs: number;
}

/** Builds a WHERE clause, always present, with named parameters for a usage filter. */
function usageWhere(filter: UsageFilter): {
  sql: string;
  parameters: Record<string, string | number>;
} {
  const conditions = ['1'];
  const parameters: Record<string, string | number> = {};
  if (filter.functionName !== undefined) {
    conditions.push('function_name = @functionName');
    parameters.functionName = filter.functionName;
  }
  if (filter.sinceMs !== undefined) {
    conditions.push('started_at_ms >= @sinceMs');
    parameters.sinceMs = filter.sinceMs;
  }
  return { sql: `WHERE ${conditions.join(' AND ')}`, parameters };
}

/** Adds the columns of ADDED_COLUMNS that a database written by an older release lacks. */
function addMissingColumns(db: Database.Database): void {
  const columns = db.pragma('table_info(invocations)') as { name: string }[];
  const present = new Set(columns.map((item) => item.name));
  for (const [column, definition] of Object.entries(ADDED_COLUMNS)) {
    if (!present.has(column)) db.exec(`ALTER TABLE invocations ADD COLUMN ${column} ${definition}`);
  }
}

interface InvocationRow {
  request_id: string;
  function_name: string;
  version: string;
  source: string;
  started_at_ms: number;
  duration_ms: number;
  billed_duration_ms: number;
  memory_size_mb: number;
  architecture: string;
  max_memory_used_mb: number;
  init_duration_ms: number | null;
  outcome: string;
  error_type: string | null;
  log: string;
}

function fromRow(row: InvocationRow): InvocationRecord {
  return {
    requestId: row.request_id,
    functionName: row.function_name,
    version: row.version,
    source: row.source,
    startedAtMs: row.started_at_ms,
    durationMs: row.duration_ms,
    billedDurationMs: row.billed_duration_ms,
    memorySizeMb: row.memory_size_mb,
    architecture: row.architecture,
    maxMemoryUsedMb: row.max_memory_used_mb,
    initDurationMs: row.init_duration_ms ?? undefined,
    outcome: row.outcome,
    errorType: row.error_type ?? undefined,
    log: row.log,
  };
}
