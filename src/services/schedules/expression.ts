import { CronSyntaxError, parseCron, type CronSchedule } from './cron.js';

/** A parsed schedule expression. */
export type ScheduleExpression =
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; cron: CronSchedule }
  /** A one-time schedule at a wall-clock time of the schedule's time zone. */
  | { kind: 'at'; wallTime: AtTime };

export interface AtTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface ExpressionOptions {
  /** Accept `at(...)`, which only EventBridge Scheduler has. */
  allowAt: boolean;
  /** Accept `rate(N second|seconds)`, which AWS rejects; for benchmarks and development. */
  allowSubminute: boolean;
}

/** An expression AWS would reject; the message gives the reason and the valid form. */
export class ScheduleExpressionError extends Error {}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Parses `rate(...)`, `cron(...)` or `at(...)`; throws ScheduleExpressionError. */
export function parseScheduleExpression(
  text: string,
  options: ExpressionOptions,
): ScheduleExpression {
  const match = /^(rate|cron|at)\((.*)\)$/s.exec(text.trim());
  if (match === null) {
    const forms = options.allowAt ? 'rate(...), cron(...) or at(...)' : 'rate(...) or cron(...)';
    throw new ScheduleExpressionError(`is not ${forms}, such as rate(5 minutes)`);
  }
  const [, kind = '', body = ''] = match;
  if (kind === 'rate') return { kind: 'rate', periodMs: parseRate(body, options) };
  if (kind === 'at') {
    if (!options.allowAt) {
      throw new ScheduleExpressionError(
        'at(...) is a one-time schedule of EventBridge Scheduler; use a ScheduleV2 event or an AWS::Scheduler::Schedule',
      );
    }
    return { kind: 'at', wallTime: parseAt(body) };
  }
  try {
    return { kind: 'cron', cron: parseCron(body) };
  } catch (error) {
    if (error instanceof CronSyntaxError) throw new ScheduleExpressionError(error.message);
    throw error;
  }
}

/**
 * Parses `N unit`. AWS requires the singular unit for 1 and the plural for more:
 * `rate(1 minute)`, `rate(5 minutes)`; `rate(1 minutes)` is invalid.
 */
function parseRate(body: string, options: ExpressionOptions): number {
  const match = /^\s*(\d+)\s+([a-z]+)\s*$/.exec(body);
  const units = options.allowSubminute ? 'second, minute, hour or day' : 'minute, hour or day';
  if (match === null) {
    throw new ScheduleExpressionError(`must be rate(value unit) with unit ${units}`);
  }
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const unitMs = UNIT_MS[singular];
  if (unitMs === undefined || (singular === 'second' && !options.allowSubminute)) {
    const hint =
      singular === 'second'
        ? '; AWS schedules run at most once a minute (the dev flag --dev-subminute-schedules allows seconds)'
        : '';
    throw new ScheduleExpressionError(`unit '${unit}' is not ${units}${hint}`);
  }
  if (value < 1 || !Number.isSafeInteger(value * unitMs)) {
    throw new ScheduleExpressionError(`value ${match[1]} must be a whole number of at least 1`);
  }
  if (value === 1 && unit !== singular) {
    throw new ScheduleExpressionError(`write rate(1 ${singular}): the unit is singular for 1`);
  }
  if (value > 1 && unit === singular) {
    throw new ScheduleExpressionError(
      `write rate(${value} ${singular}s): the unit is plural for values above 1`,
    );
  }
  return value * unitMs;
}

function parseAt(body: string): AtTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (match === null) {
    throw new ScheduleExpressionError(
      'must be at(yyyy-mm-ddThh:mm:ss), such as at(2030-01-31T09:30:00)',
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new ScheduleExpressionError(`${body.trim()} is not a valid date and time`);
  }
  return { year, month, day, hour, minute, second };
}
