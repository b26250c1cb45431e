import type { ScheduleExpression } from './expression.js';

/**
 * One schedule that targets a function: an EventBridge rule (`Schedule` event or
 * `AWS::Events::Rule`) or an EventBridge Scheduler schedule (`ScheduleV2` event or
 * `AWS::Scheduler::Schedule`).
 */
export interface ScheduleDefinition {
  /** The rule's or schedule's name, unique among the platform's schedules. */
  name: string;
  /** The rule name the Scheduled Event's ARN gives, when it differs from `name`. */
  ruleName?: string;
  /** A rule sends the Scheduled Event and runs in UTC; a Scheduler schedule has a time zone. */
  kind: 'rule' | 'scheduler';
  /** The expression as written: `rate(1 day)`, `cron(0 9 ? * MON-FRI *)`, `at(...)`. */
  expression: string;
  parsed: ScheduleExpression;
  /** IANA time zone the expression is read in; always `UTC` for rules. */
  timeZone: string;
  /** No fire before this instant (Scheduler's StartDate), in ms since the epoch. */
  startMs: number | undefined;
  /** No fire after this instant (Scheduler's EndDate), in ms since the epoch. */
  endMs: number | undefined;
  enabled: boolean;
  functionName: string;
  /** Version or alias of the target ARN; `$LATEST` when absent. */
  qualifier: string | undefined;
  /** JSON text sent in place of the default event. */
  input: string | undefined;
  /** The declaration's location, for messages: `resource 'Fn' event 'Daily'`. */
  source: string;
}

/**
 * The parts of a definition that place its fire times. A change to them starts a rate
 * schedule's period again from the time the change is applied.
 */
export function timingKey(definition: ScheduleDefinition): string {
  const { kind, expression, timeZone, startMs, endMs } = definition;
  return JSON.stringify({ kind, expression, timeZone, startMs, endMs });
}

/** Describes the expression with its time zone, as `cron(0 9 * * ? *) in Europe/Paris`. */
export function describeExpression(definition: ScheduleDefinition): string {
  return definition.kind === 'rule' || definition.timeZone === 'UTC'
    ? definition.expression
    : `${definition.expression} in ${definition.timeZone}`;
}
