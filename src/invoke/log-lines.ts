import type { InvocationOutcome } from '../environments/outcome.js';

/** Bytes of the log returned in `X-Amz-Log-Result` for `LogType: Tail`. */
export const TAIL_LOG_BYTES = 4096;

/**
 * Billed Duration: the printed Duration rounded up to the next millisecond, as Lambda has
 * billed since December 2020. Since August 2025 Lambda bills the Init phase too, so a cold
 * start's Billed Duration covers Init Duration plus Duration.
 */
export function billedDurationMs(durationMs: number, initDurationMs: number | undefined): number {
  const billed = round2(durationMs) + (initDurationMs === undefined ? 0 : round2(initDurationMs));
  return Math.max(1, Math.ceil(round2(billed)));
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface LogContext {
  requestId: string;
  version: string;
  memorySizeMb: number;
}

export function startLine(context: LogContext): string {
  return `START RequestId: ${context.requestId} Version: ${context.version}`;
}

export function endLine(context: LogContext): string {
  return `END RequestId: ${context.requestId}`;
}

/**
 * Formats the tab-separated REPORT line, with its trailing tab: Init Duration only when cold,
 * then the failure status fields.
 */
export function reportLine(context: LogContext, outcome: InvocationOutcome): string {
  const fields = [
    `REPORT RequestId: ${context.requestId}`,
    `Duration: ${outcome.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billedDurationMs(outcome.durationMs, outcome.initDurationMs)} ms`,
    `Memory Size: ${context.memorySizeMb} MB`,
    `Max Memory Used: ${outcome.maxMemoryUsedMb} MB`,
  ];
  if (outcome.initDurationMs !== undefined) {
    fields.push(`Init Duration: ${outcome.initDurationMs.toFixed(2)} ms`);
  }
  fields.push(...statusFields(outcome));
  return `${fields.join('\t')}\t`;
}

/**
 * Returns the status fields current Lambda appends to the REPORT line of a failed invocation:
 * `Status: timeout`, or `Status: error` and the `Error Type` of a runtime killed at its
 * memory limit. NOTE: AWS does not document these fields. Their form follows REPORT lines
 * quoted from CloudWatch in public bug reports (2026). Those show neither where the fields
 * sit next to Init Duration nor any fields for other runtime exits, so those exits get none.
 */
function statusFields(outcome: InvocationOutcome): string[] {
  if (outcome.kind === 'timeout') return ['Status: timeout'];
  if (outcome.kind === 'out-of-memory') {
    return ['Status: error', `Error Type: ${outcome.errorType ?? 'Runtime.OutOfMemory'}`];
  }
  return [];
}

/** Formats the invocation's whole log, from START to REPORT, each line ending in a newline. */
export function invocationLog(context: LogContext, outcome: InvocationOutcome): string {
  const lines = [
    ...outcome.preambleLines,
    startLine(context),
    ...outcome.logLines,
    ...outcome.platformLines,
    endLine(context),
    reportLine(context, outcome),
    ...outcome.trailingLines,
  ];
  return `${lines.join('\n')}\n`;
}

/** Returns the last TAIL_LOG_BYTES of a log, base64-encoded for `X-Amz-Log-Result`. */
export function tailLog(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - TAIL_LOG_BYTES)).toString('base64');
}
