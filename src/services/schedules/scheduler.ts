import { errorMessage, LambdaCraftError } from '../../errors.js';
import type { AccountContext } from '../../functions/arn.js';
import type { EnqueueOptions } from '../../invoke/invoker.js';
import type { Logger } from '../../log.js';
import type { ScheduleTable } from '../../state/schedules.js';
import { timingKey, type ScheduleDefinition } from './definition.js';
import { nextFireTime } from './next-fire.js';
import { schedulePayload } from './scheduled-event.js';

/** The part of the Invoker the scheduler calls. */
export interface ScheduleInvoker {
  enqueue(functionName: string, payload: Buffer, options: EnqueueOptions): Promise<string>;
}

/** The time source and timer of the scheduler; tests pass a fake one. */
export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  invoker: ScheduleInvoker;
  table: ScheduleTable;
  account: AccountContext;
  logger: Logger;
  clock?: SchedulerClock;
  /** Maximum age of a missed scheduled time that still fires once at start (default 5 min). */
  missedFireGraceMs?: number;
}

/** A schedule with the time it fires next; undefined when disabled or finished. */
export interface ScheduleStatus {
  definition: ScheduleDefinition;
  nextFireMs: number | undefined;
}

export const DEFAULT_MISSED_FIRE_GRACE_MS = 5 * 60_000;
/** Maximum single sleep; a longer wait is taken in steps, so clock changes are noticed. */
const MAX_SLEEP_MS = 60 * 60_000;

const SYSTEM_CLOCK: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Fires schedules through `Invoker.enqueue` with source `schedule`. One timer sleeps until
 * the earliest next fire time of all enabled schedules and is armed again after each fire
 * and each change of the schedules.
 *
 * Each scheduled time is queued at most once, because its event and its record commit in
 * one transaction. The queue then delivers it at least once, as for any async event. A
 * time missed while the platform was stopped fires once at start when it is within the
 * grace window (the newest such time only); older missed times are skipped and logged.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #clock: SchedulerClock;
  readonly #graceMs: number;
  readonly #definitions = new Map<string, ScheduleDefinition>();
  readonly #anchors = new Map<string, number>();
  readonly #firing = new Set<Promise<void>>();
  /** Scheduled times handed to the Invoker, which may not have reached the table yet. */
  readonly #handedOutMs = new Map<string, number>();
  #timer: unknown;
  #started = false;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#graceMs = options.missedFireGraceMs ?? DEFAULT_MISSED_FIRE_GRACE_MS;
  }

  /** The grace window for missed fires, in ms. */
  get missedFireGraceMs(): number {
    return this.#graceMs;
  }

  /** Starts firing the given schedules; fires a missed time within the grace window first. */
  start(definitions: ScheduleDefinition[]): void {
    this.#started = true;
    if (definitions.length > 0) {
      this.#options.logger.info(
        { schedules: definitions.length, missedFireGraceMs: this.#graceMs },
        'schedules started; a time missed while stopped fires once if within the grace window, older ones are skipped',
      );
    }
    this.update(definitions);
  }

  /** Replaces the schedules, as a reloaded template does; returns one line per change. */
  update(definitions: ScheduleDefinition[]): string[] {
    const changes: string[] = [];
    const next = new Map(definitions.map((definition) => [definition.name, definition]));
    for (const name of this.#definitions.keys()) {
      if (!next.has(name)) changes.push(`schedule ${name} removed`);
    }
    for (const definition of definitions) {
      const old = this.#definitions.get(definition.name);
      if (old === undefined) changes.push(`schedule ${definition.name} added`);
      else if (JSON.stringify(old) !== JSON.stringify(definition)) {
        changes.push(`schedule ${definition.name} changed`);
      }
    }
    this.#definitions.clear();
    this.#anchors.clear();
    const nowMs = this.#clock.now();
    for (const definition of definitions) {
      this.#definitions.set(definition.name, definition);
      const state = this.#options.table.register(
        definition.name,
        timingKey(definition),
        anchorTime(nowMs),
      );
      this.#anchors.set(definition.name, state.anchorMs);
    }
    if (this.#started) this.#tick();
    return changes;
  }

  /** Lists every schedule with its next fire time, in name order. */
  list(): ScheduleStatus[] {
    const nowMs = this.#clock.now();
    return [...this.#definitions.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((definition) => ({ definition, nextFireMs: this.#nextFire(definition, nowMs) }));
  }

  /** Returns a schedule by name, or undefined. */
  find(name: string): ScheduleDefinition | undefined {
    return this.#definitions.get(name);
  }

  /**
   * Fires a schedule now, outside its timing, as `lambdacraft schedules trigger` requests; a
   * disabled schedule fires too. Returns the request id of the queued event.
   */
  async trigger(name: string): Promise<string> {
    const definition = this.#definitions.get(name);
    if (definition === undefined) {
      const known = [...this.#definitions.keys()].join(', ') || 'none';
      throw new LambdaCraftError(
        'ResourceNotFoundException',
        `schedule '${name}' not found (schedules: ${known}); give a name that lambdacraft schedules lists`,
        { status: 404 },
      );
    }
    const nowMs = this.#clock.now();
    const payload = schedulePayload(definition, this.#options.account, nowMs);
    const requestId = await this.#options.invoker.enqueue(definition.functionName, payload, {
      qualifier: definition.qualifier,
      source: 'schedule',
      write: (event) => this.#options.table.recordManualFire(name, event),
    });
    this.#options.logger.info(
      { schedule: name, functionName: definition.functionName, requestId },
      'schedule triggered by hand',
    );
    return requestId;
  }

  /** Stops the timer and waits for fires being queued. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#firing]);
  }

  #nextFire(definition: ScheduleDefinition, afterMs: number): number | undefined {
    if (!definition.enabled) return undefined;
    const anchorMs = this.#anchors.get(definition.name) ?? afterMs;
    const cursor = Math.max(afterMs, this.#lastScheduledMs(definition.name) ?? -Infinity);
    return nextFireTime(definition, cursor, anchorMs);
  }

  #lastScheduledMs(name: string): number | undefined {
    const stored = this.#options.table.find(name)?.lastScheduledMs;
    const handedOut = this.#handedOutMs.get(name);
    if (stored === undefined) return handedOut;
    return handedOut === undefined ? stored : Math.max(stored, handedOut);
  }

  /** Fires every schedule that is due, then sleeps until the earliest next fire time. */
  #tick(): void {
    if (this.#stopped) return;

    const nowMs = this.#clock.now();
    for (const definition of this.#definitions.values()) {
      if (!definition.enabled) continue;
      const dueMs = this.#dueTime(definition, nowMs);
      if (dueMs !== undefined) this.#fire(definition, dueMs);
    }
    this.#arm(nowMs);
  }

  /**
   * Returns the newest scheduled time at or before `nowMs` that has not fired and is within
   * the grace window, logging the older ones it skips.
   */
  #dueTime(definition: ScheduleDefinition, nowMs: number): number | undefined {
    const anchorMs = this.#anchors.get(definition.name) ?? nowMs;
    // Times after the anchor fire; a Scheduler rate also fires at it.
    const startsAtAnchor = definition.kind === 'scheduler' && definition.parsed.kind === 'rate';
    const floorMs = startsAtAnchor ? anchorMs - 1 : anchorMs;
    const earliestMs = Math.max(this.#lastScheduledMs(definition.name) ?? floorMs, floorMs);
    const windowStartMs = Math.max(earliestMs, nowMs - this.#graceMs - 1);

    const firstMissed = nextFireTime(definition, earliestMs, anchorMs);
    if (firstMissed !== undefined && firstMissed <= windowStartMs) {
      this.#options.logger.warn(
        { schedule: definition.name, firstSkipped: new Date(firstMissed).toISOString() },
        'scheduled times older than the grace window were missed and are skipped',
      );
    }

    let dueMs: number | undefined;
    let skipped = 0;
    for (
      let time = nextFireTime(definition, windowStartMs, anchorMs);
      time !== undefined && time <= nowMs;
      time = nextFireTime(definition, time, anchorMs)
    ) {
      if (dueMs !== undefined) skipped += 1;
      dueMs = time;
    }
    if (skipped > 0) {
      this.#options.logger.warn(
        { schedule: definition.name, skipped },
        'missed scheduled times skipped; only the newest fires',
      );
    }
    return dueMs;
  }

  #fire(definition: ScheduleDefinition, scheduledMs: number): void {
    const { name, functionName } = definition;
    const payload = schedulePayload(definition, this.#options.account, scheduledMs);
    let recorded = false;
    this.#handedOutMs.set(name, scheduledMs);
    const task = this.#options.invoker
      .enqueue(functionName, payload, {
        qualifier: definition.qualifier,
        source: 'schedule',
        write: (event) => {
          recorded = this.#options.table.recordScheduledFire(name, scheduledMs, event);
        },
      })
      .then((requestId) => {
        if (!recorded) return;
        this.#options.logger.debug(
          { schedule: name, functionName, requestId, scheduledTime: new Date(scheduledMs) },
          'schedule fired',
        );
      })
      .catch((error: unknown) => {
        this.#options.logger.error(
          { schedule: name, functionName, err: errorMessage(error) },
          'schedule could not queue its event; the next scheduled time fires as usual',
        );
      })
      .finally(() => this.#firing.delete(task));
    this.#firing.add(task);
  }

  #arm(nowMs: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    let earliestMs: number | undefined;
    for (const definition of this.#definitions.values()) {
      const next = this.#nextFire(definition, nowMs);
      if (next !== undefined && (earliestMs === undefined || next < earliestMs)) earliestMs = next;
    }
    if (earliestMs === undefined) return;

    const delayMs = Math.min(Math.max(0, earliestMs - nowMs), MAX_SLEEP_MS);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), delayMs);
  }
}

/** Rounds an anchor up to a whole second, so that rates fire on whole seconds. */
function anchorTime(nowMs: number): number {
  return Math.ceil(nowMs / 1000) * 1000;
}
