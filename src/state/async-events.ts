import type Database from 'better-sqlite3';

import type { EventInvokeConfig } from '../invoke/async/event-invoke-config.js';

/** An event accepted for asynchronous invocation. */
export interface NewAsyncEvent {
  requestId: string;
  functionName: string;
  qualifier: string | undefined;
  /** The cause of the invocation (`api`, `destination`, later the trigger). */
  source: string;
  payload: Buffer;
  enqueuedAtMs: number;
  /** The event runs once the clock reaches this time. */
  dueAtMs: number;
}

/** A queued event, with what its earlier attempts left behind. */
export interface AsyncEvent extends NewAsyncEvent {
  /** Attempts that ran the function; throttled tries do not count. */
  attempts: number;
  /** Throttles and service errors so far, which set the back-off. */
  throttles: number;
  /** JSON of the last failed attempt's response, for the on-failure record. */
  lastResponse: string | undefined;
}

/** The due time and counts a failed try leaves on an event. */
export interface AsyncEventRetry {
  dueAtMs: number;
  attempts: number;
  throttles: number;
  lastResponse: string | undefined;
}

export const ASYNC_EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS async_events (
  request_id TEXT NOT NULL UNIQUE,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  source TEXT NOT NULL,
  payload BLOB NOT NULL,
  enqueued_at_ms INTEGER NOT NULL,
  due_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  throttles INTEGER NOT NULL DEFAULT 0,
  last_response TEXT,
  lease_owner TEXT
);
CREATE INDEX IF NOT EXISTS async_events_by_due_time ON async_events (due_at_ms);
CREATE TABLE IF NOT EXISTS event_invoke_configs (
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (function_name, qualifier)
);
`;

interface AsyncEventRow {
  request_id: string;
  function_name: string;
  qualifier: string | null;
  source: string;
  payload: Buffer;
  enqueued_at_ms: number;
  due_at_ms: number;
  attempts: number;
  throttles: number;
  last_response: string | null;
}

/**
 * The queue of asynchronous events and the EventInvokeConfigs, in the state database. Every
 * method commits before it returns, because a queued event is work accepted from a client.
 * A running event carries the id of the dispatcher that leased it, so that a dispatcher
 * starting later can release the leases of one that died.
 *
 * NOTE: the store runs SQLite in WAL mode with synchronous=NORMAL. A commit then survives a
 * crash of the platform process, but the last commits can be lost if the machine loses power.
 */
export class AsyncEventTable {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #claim: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(`
      INSERT INTO async_events (request_id, function_name, qualifier, source, payload,
        enqueued_at_ms, due_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.#claim = db.prepare(`
      UPDATE async_events SET lease_owner = ?
      WHERE rowid = (
        SELECT rowid FROM async_events
        WHERE lease_owner IS NULL AND due_at_ms <= ?
          AND function_name NOT IN (SELECT value FROM json_each(?))
        ORDER BY due_at_ms, rowid LIMIT 1)
      RETURNING *`);
    this.#delete = db.prepare('DELETE FROM async_events WHERE request_id = ?');
  }

  enqueue(event: NewAsyncEvent): void {
    this.#insert.run(
      event.requestId,
      event.functionName,
      event.qualifier ?? null,
      event.source,
      event.payload,
      event.enqueuedAtMs,
      event.dueAtMs,
    );
  }

  /**
   * Leases the event due first, skipping events of the functions in `skipFunctions`;
   * returns undefined when no such event is due at `nowMs`.
   */
  claim(owner: string, nowMs: number, skipFunctions: string[]): AsyncEvent | undefined {
    const row = this.#claim.get(owner, nowMs, JSON.stringify(skipFunctions)) as
      AsyncEventRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Returns the earliest due time after `afterMs` of the events no dispatcher leased. */
  nextDueMs(afterMs: number): number | undefined {
    const row = this.#db
      .prepare(
        'SELECT MIN(due_at_ms) AS due FROM async_events WHERE lease_owner IS NULL AND due_at_ms > ?',
      )
      .get(afterMs) as { due: number | null };
    return row.due ?? undefined;
  }

  /** Records a failed try and returns the event to the queue until `dueAtMs`. */
  retry(requestId: string, retry: AsyncEventRetry): void {
    this.#db
      .prepare(
        `UPDATE async_events SET due_at_ms = ?, attempts = ?, throttles = ?, last_response = ?,
           lease_owner = NULL WHERE request_id = ?`,
      )
      .run(retry.dueAtMs, retry.attempts, retry.throttles, retry.lastResponse ?? null, requestId);
  }

  /** Returns a leased event to the queue unchanged, to run again. */
  release(requestId: string): void {
    this.#db
      .prepare('UPDATE async_events SET lease_owner = NULL WHERE request_id = ?')
      .run(requestId);
  }

  /**
   * Removes a finished event and, in the same transaction, queues the event that delivers
   * its invocation record to a destination function, so a crash keeps both or neither.
   */
  finish(requestId: string, destinationEvent: NewAsyncEvent | undefined): void {
    this.#db.transaction(() => {
      this.#delete.run(requestId);
      if (destinationEvent !== undefined) this.enqueue(destinationEvent);
    })();
  }

  /** Returns the dispatchers that lease events now. */
  leaseOwners(): string[] {
    const rows = this.#db
      .prepare('SELECT DISTINCT lease_owner FROM async_events WHERE lease_owner IS NOT NULL')
      .all() as { lease_owner: string }[];
    return rows.map((row) => row.lease_owner);
  }

  /** Releases the leases of a dispatcher that stopped; returns how many events it held. */
  releaseOwner(owner: string): number {
    return this.#db
      .prepare('UPDATE async_events SET lease_owner = NULL WHERE lease_owner = ?')
      .run(owner).changes;
  }

  count(): number {
    const row = this.#db.prepare('SELECT COUNT(*) AS count FROM async_events').get() as {
      count: number;
    };
    return row.count;
  }

  putConfig(config: EventInvokeConfig): void {
    this.#db
      .prepare(
        `INSERT INTO event_invoke_configs (function_name, qualifier, config) VALUES (?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET config = excluded.config`,
      )
      .run(config.functionName, config.qualifier, JSON.stringify(config));
  }

  findConfig(functionName: string, qualifier: string): EventInvokeConfig | undefined {
    const row = this.#db
      .prepare('SELECT config FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?')
      .get(functionName, qualifier) as { config: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.config) as EventInvokeConfig);
  }

  /** Lists the function's configs, ordered by qualifier. */
  listConfigs(functionName: string): EventInvokeConfig[] {
    const rows = this.#db
      .prepare('SELECT config FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier')
      .all(functionName) as { config: string }[];
    return rows.map((row) => JSON.parse(row.config) as EventInvokeConfig);
  }

  /** Deletes a config; returns false when there was none. */
  deleteConfig(functionName: string, qualifier: string): boolean {
    return (
      this.#db
        .prepare('DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?')
        .run(functionName, qualifier).changes > 0
    );
  }
}

function fromRow(row: AsyncEventRow): AsyncEvent {
  return {
    requestId: row.request_id,
    functionName: row.function_name,
    qualifier: row.qualifier ?? undefined,
    source: row.source,
    payload: row.payload,
    enqueuedAtMs: row.enqueued_at_ms,
    dueAtMs: row.due_at_ms,
    attempts: row.attempts,
    throttles: row.throttles,
    lastResponse: row.last_response ?? undefined,
  };
}
