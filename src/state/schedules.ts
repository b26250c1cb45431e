import type Database from 'better-sqlite3';

import type { AsyncEventTable, NewAsyncEvent } from './async-events.js';

/** A schedule's record in the state database, kept between runs of the platform. */
export interface ScheduleState {
  name: string;
  /** The timing the anchor belongs to; see `timingKey` of the schedules service. */
  timing: string;
  /** When the platform first ran the schedule with this timing; rates count from it. */
  anchorMs: number;
  /** The newest scheduled time that fired; never fired again. */
  lastScheduledMs: number | undefined;
  /** The request id of the newest fire, scheduled or triggered by hand. */
  lastRequestId: string | undefined;
  lastFiredAtMs: number | undefined;
}

export const SCHEDULES_SCHEMA = `
CREATE TABLE IF NOT EXISTS schedules (
  name TEXT PRIMARY KEY,
  timing TEXT NOT NULL,
  anchor_ms INTEGER NOT NULL,
  last_scheduled_ms INTEGER,
  last_request_id TEXT,
  last_fired_at_ms INTEGER
);
`;

interface ScheduleRow {
  name: string;
  timing: string;
  anchor_ms: number;
  last_scheduled_ms: number | null;
  last_request_id: string | null;
  last_fired_at_ms: number | null;
}

/**
 * The schedules' fire records. A scheduled fire queues its asynchronous event and records
 * its scheduled time in one transaction, so that no scheduled time fires twice, even when
 * the platform stops between the two writes and starts again.
 */
export class ScheduleTable {
  readonly #db: Database.Database;
  readonly #asyncEvents: AsyncEventTable;

  constructor(db: Database.Database, asyncEvents: AsyncEventTable) {
    this.#db = db;
    this.#asyncEvents = asyncEvents;
  }

  /**
   * Returns the schedule's state, creating it with the anchor `nowMs`. A changed timing
   * moves the anchor to `nowMs` and keeps the last scheduled time.
   */
  register(name: string, timing: string, nowMs: number): ScheduleState {
    return this.#db.transaction(() => {
      const existing = this.find(name);
      if (existing?.timing === timing) return existing;

      this.#db
        .prepare(
          `INSERT INTO schedules (name, timing, anchor_ms) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET timing = excluded.timing, anchor_ms = excluded.anchor_ms`,
        )
        .run(name, timing, nowMs);
      return { ...(existing ?? emptyState(name)), timing, anchorMs: nowMs };
    })();
  }

  /** Returns the state of a schedule, or undefined when it never ran (or the table is absent). */
  find(name: string): ScheduleState | undefined {
    if (!this.#hasTable()) return undefined;
    const row = this.#db.prepare('SELECT * FROM schedules WHERE name = ?').get(name) as
      ScheduleRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * Queues the event of a scheduled time and records that time, in one transaction. Returns
   * false, queuing nothing, when this or a later scheduled time already fired.
   */
  recordScheduledFire(name: string, scheduledMs: number, event: NewAsyncEvent): boolean {
    return this.#db.transaction(() => {
      const state = this.find(name);
      if (state?.lastScheduledMs !== undefined && state.lastScheduledMs >= scheduledMs) {
        return false;
      }
      this.#asyncEvents.enqueue(event);
      this.#db
        .prepare(
          `UPDATE schedules SET last_scheduled_ms = ?, last_request_id = ?, last_fired_at_ms = ?
           WHERE name = ?`,
        )
        .run(scheduledMs, event.requestId, event.enqueuedAtMs, name);
      return true;
    })();
  }

  /** Queues the event of a fire requested by hand and records its request id. */
  recordManualFire(name: string, event: NewAsyncEvent): void {
    this.#db.transaction(() => {
      this.#asyncEvents.enqueue(event);
      this.#db
        .prepare('UPDATE schedules SET last_request_id = ?, last_fired_at_ms = ? WHERE name = ?')
        .run(event.requestId, event.enqueuedAtMs, name);
    })();
  }

  #hasTable(): boolean {
    const row = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedules'")
      .get();
    return row !== undefined;
  }
}

function emptyState(name: string): ScheduleState {
  return {
    name,
    timing: '',
    anchorMs: 0,
    lastScheduledMs: undefined,
    lastRequestId: undefined,
    lastFiredAtMs: undefined,
  };
}

function fromRow(row: ScheduleRow): ScheduleState {
  return {
    name: row.name,
    timing: row.timing,
    anchorMs: row.anchor_ms,
    lastScheduledMs: row.last_scheduled_ms ?? undefined,
    lastRequestId: row.last_request_id ?? undefined,
    lastFiredAtMs: row.last_fired_at_ms ?? undefined,
  };
}
