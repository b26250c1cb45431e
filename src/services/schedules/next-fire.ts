import { nextCronTime } from './cron.js';
import type { ScheduleDefinition } from './definition.js';
import { fromWallTime } from './zoned-time.js';

/**
 * Returns the first scheduled time after `afterMs`, or undefined when the schedule has none
 * left. `anchorMs` is when the platform first ran the schedule: a rule's rate fires one
 * period after it, and a Scheduler rate without StartDate fires at it, because EventBridge
 * Scheduler starts such a schedule at once (Scheduler User Guide, "Rate-based schedules").
 * Rates count fixed periods, so `rate(1 day)` is 24 hours across daylight-saving changes,
 * as Scheduler documents.
 */
export function nextFireTime(
  definition: ScheduleDefinition,
  afterMs: number,
  anchorMs: number,
): number | undefined {
  const { parsed, startMs, endMs, timeZone } = definition;
  const notBeforeMs = Math.max(afterMs, (startMs ?? -Infinity) - 1);
  let next: number | undefined;
  if (parsed.kind === 'rate') {
    next = nextRateTime(definition, parsed.periodMs, notBeforeMs, anchorMs);
  } else if (parsed.kind === 'cron') {
    next = nextCronTime(parsed.cron, notBeforeMs, timeZone);
  } else {
    // A one-time time that a daylight-saving change skips has no instant, and never fires.
    // NOTE: the scheduler fires only times after it first ran the schedule, so an at() time
    // already past at that moment never fires; AWS's handling of a past at() is unchecked.
    const [at] = fromWallTime(parsed.wallTime, timeZone);
    next = at !== undefined && at > notBeforeMs ? at : undefined;
  }
  if (next === undefined || (endMs !== undefined && next > endMs)) return undefined;
  return next;
}

function nextRateTime(
  definition: ScheduleDefinition,
  periodMs: number,
  afterMs: number,
  anchorMs: number,
): number {
  const schedulerStart = definition.kind === 'scheduler';
  const baseMs = schedulerStart ? (definition.startMs ?? anchorMs) : anchorMs;
  const firstPeriod = schedulerStart ? 0 : 1;
  const periods = Math.max(firstPeriod, Math.floor((afterMs - baseMs) / periodMs) + 1);
  return baseMs + periods * periodMs;
}

/** Returns the next `count` scheduled times after `afterMs`. */
export function nextFireTimes(
  definition: ScheduleDefinition,
  afterMs: number,
  anchorMs: number,
  count: number,
): number[] {
  const times: number[] = [];
  let cursor = afterMs;
  while (times.length < count) {
    const next = nextFireTime(definition, cursor, anchorMs);
    if (next === undefined) break;
    times.push(next);
    cursor = next;
  }
  return times;
}
