import { randomUUID } from 'node:crypto';

import type { AccountContext } from '../../functions/arn.js';
import type { ScheduleDefinition } from './definition.js';

/** The event an EventBridge rule sends to its target on each scheduled time. */
export interface ScheduledEvent {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  /** The scheduled time in UTC, whole seconds: `2019-03-01T01:23:45Z`. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

/** Returns the ARN of an EventBridge rule on the default event bus. */
export function ruleArn(account: AccountContext, ruleName: string): string {
  return `arn:aws:events:${account.region}:${account.accountId}:rule/${ruleName}`;
}

/** Formats an instant as EventBridge's `time`: UTC, whole seconds, `Z`. */
export function eventTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** Builds a rule's Scheduled Event for one scheduled time. */
export function scheduledEvent(
  account: AccountContext,
  ruleName: string,
  scheduledMs: number,
): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: account.accountId,
    time: eventTime(scheduledMs),
    region: account.region,
    resources: [ruleArn(account, ruleName)],
    detail: {},
  };
}

/**
 * Returns the payload the function receives: the schedule's Input when set (it replaces the
 * whole event), else a rule's Scheduled Event, else `{}` for a Scheduler schedule.
 */
export function schedulePayload(
  definition: ScheduleDefinition,
  account: AccountContext,
  scheduledMs: number,
): Buffer {
  if (definition.input !== undefined) return Buffer.from(definition.input);
  if (definition.kind === 'rule') {
    const ruleName = definition.ruleName ?? definition.name;
    return Buffer.from(JSON.stringify(scheduledEvent(account, ruleName, scheduledMs)));
  }
  // NOTE: the Scheduler API reference (Target.Input) states only that a target without Input gets "a default
  // notification"; `{}` is what a Lambda target is assumed to receive, not checked on AWS.
  return Buffer.from('{}');
}
