import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import { silentLogger } from '../log.js';
import { describeExpression, type ScheduleDefinition } from '../services/schedules/definition.js';
import { nextFireTimes } from '../services/schedules/next-fire.js';
import type { ScheduleStatus } from '../services/schedules/scheduler.js';
import { StateStore } from '../state/store.js';
import { output } from './output.js';
import { openProject, type ProjectOptions } from './project.js';
import { signedHeaders } from './sign-request.js';

export type SchedulesOptions = ProjectOptions;

export interface TriggerOptions {
  /** URL of the running platform's AWS endpoint. */
  endpoint: string;
  region: string;
}

/** Formats a fire time as `2026-12-05T09:00:00Z`. */
function formatTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

function describeTarget(definition: ScheduleDefinition): string {
  const qualifier = definition.qualifier === undefined ? '' : `:${definition.qualifier}`;
  return `${definition.functionName}${qualifier}`;
}

/** Returns the lines `lambdacraft up` prints for the schedules: one each, then the errors. */
export function scheduleLines(
  statuses: ScheduleStatus[],
  errors: string[],
  graceMs: number,
): string[] {
  if (statuses.length === 0 && errors.length === 0) return [];
  const lines = [
    `  schedules (a time missed while stopped fires once if at most ${graceMs / 60_000} minutes old; older ones are skipped):`,
  ];
  for (const { definition, nextFireMs } of statuses) {
    const next = !definition.enabled
      ? 'disabled'
      : nextFireMs === undefined
        ? 'no fire time left'
        : `next ${formatTime(nextFireMs)}`;
    lines.push(
      `    ${definition.name}  ${describeExpression(definition)} -> ${describeTarget(definition)}  ${next}`,
    );
  }
  for (const error of errors) lines.push(`    NOT SCHEDULED: ${error}`);
  return lines;
}

/** DIR is the project folder; a path to the template file in it works too. */
function templateFile(dir: string, template: string): string {
  const resolved = path.resolve(dir);
  return existsSync(resolved) && statSync(resolved).isFile()
    ? resolved
    : path.join(resolved, template);
}

/**
 * Prints every schedule of a project with its next three fire times and its last fire's
 * outcome. It reads the state database read-only, so it runs beside `lambdacraft up`.
 */
export function runSchedules(dir: string, options: SchedulesOptions): void {
  const project = openProject(templateFile(dir, options.template), options);
  const { schedules, errors } = project.template.schedules;
  const hasState = existsSync(path.join(project.dataDir, 'state.db'));
  const store = hasState ? StateStore.openReadOnly(project.dataDir, silentLogger()) : undefined;
  try {
    if (schedules.length === 0) output.line('no schedules in the template');
    for (const definition of schedules) {
      for (const line of describeSchedule(definition, store)) output.line(line);
    }
    for (const error of errors) output.line(`NOT SCHEDULED: ${error}`);
  } finally {
    store?.close();
  }
}

function describeSchedule(definition: ScheduleDefinition, store: StateStore | undefined): string[] {
  const state = store?.schedules.find(definition.name);
  const nowMs = Date.now();
  const lines = [
    `${definition.name}  ${describeExpression(definition)} -> ${describeTarget(definition)}  (${definition.source})`,
  ];
  if (!definition.enabled) {
    lines.push('  disabled');
  } else {
    // A rate counts from the anchor `up` stored; before the first `up`, from now.
    const afterMs = Math.max(nowMs, state?.lastScheduledMs ?? -Infinity);
    const times = nextFireTimes(definition, afterMs, state?.anchorMs ?? nowMs, 3);
    lines.push(
      times.length === 0 ? '  no fire time left' : `  next: ${times.map(formatTime).join(', ')}`,
    );
  }
  lines.push(`  last run: ${lastRun(state?.lastRequestId, state?.lastFiredAtMs, store)}`);
  return lines;
}

function lastRun(
  requestId: string | undefined,
  firedAtMs: number | undefined,
  store: StateStore | undefined,
): string {
  if (requestId === undefined || store === undefined) return 'never';
  const fired = firedAtMs === undefined ? '' : ` queued ${formatTime(firedAtMs)}`;
  const record = store.findInvocation(requestId);
  if (record === undefined) return `request ${requestId}${fired}, not finished yet`;
  const error = record.errorType === undefined ? '' : ` (${record.errorType})`;
  return `request ${requestId}${fired}, ${record.outcome}${error} in ${record.durationMs.toFixed(0)} ms`;
}

/**
 * Fires a schedule of the running platform now, through its AWS endpoint's
 * `POST /_lambdacraft/schedules/<name>/trigger`, and prints the queued request id.
 */
export async function runTrigger(name: string, options: TriggerOptions): Promise<number> {
  let url: URL;
  try {
    url = new URL(`/_lambdacraft/schedules/${encodeURIComponent(name)}/trigger`, options.endpoint);
  } catch {
    throw invalidConfig(
      `--endpoint '${options.endpoint}' is not a URL such as http://127.0.0.1:4566`,
    );
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: signedHeaders('POST', url, 'lambda', options.region),
    });
  } catch (error) {
    throw invalidConfig(
      `no LambdaCraft platform responded at ${options.endpoint} (${(error as Error).message}); start it with lambdacraft up, or pass --endpoint`,
    );
  }
  const body = await response.text();
  if (response.status !== 202) {
    const message = parseMessage(body);
    output.error(`trigger of schedule '${name}' failed with HTTP ${response.status}: ${message}`);
    return 1;
  }
  const { RequestId: requestId } = JSON.parse(body) as { RequestId: string };
  output.line(`schedule ${name} fired: request ${requestId} queued`);
  return 0;
}

function parseMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; Message?: string };
    return parsed.message ?? parsed.Message ?? body;
  } catch {
    return body;
  }
}
