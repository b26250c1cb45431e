import { mkdirSync } from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';

import type { Logger } from '../log.js';

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
  max_memory_used_mb INTEGER NOT NULL,
  init_duration_ms REAL,
  outcome TEXT NOT NULL,
  error_type TEXT,
  log TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invocations_by_function ON invocations (function_name, started_at_ms);
`;

/**
 * The only module that touches SQLite. Invocation records and logs are written behind:
 * they are kept in memory for up to FLUSH_INTERVAL_MS and written in batches, because a
 * synchronous write per invocation would cost more than the invocation itself. They are
 * metering and logs, not accepted work, so a crash can lose the last fraction of a second.
 */
export class StateStore {
  readonly #db: Database.Database;
  readonly #insertInvocation: Database.Statement;
  readonly #logger: Logger;
  #pending: InvocationRecord[] = [];
  #timer: NodeJS.Timeout | undefined;

  private constructor(db: Database.Database, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
    this.#insertInvocation = db.prepare(`
      INSERT INTO invocations (request_id, function_name, version, source, started_at_ms,
        duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms,
        outcome, error_type, log)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
    return new StateStore(db, logger);
  }

  recordInvocation(record: InvocationRecord): void {
    if (!this.#db.open) return;

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
    if (rows.length === 0 || !this.#db.open) return;

    this.#pending = [];
    try {
      this.#db.transaction(() => {
        for (const row of rows) {
          this.#insertInvocation.run(
            row.requestId,
            row.functionName,
            row.version,
            row.source,
            row.startedAtMs,
            row.durationMs,
            row.billedDurationMs,
            row.memorySizeMb,
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
    maxMemoryUsedMb: row.max_memory_used_mb,
    initDurationMs: row.init_duration_ms ?? undefined,
    outcome: row.outcome,
    errorType: row.error_type ?? undefined,
    log: row.log,
  };
}
