import type { LoadResult } from './load.js';
import type { RoundResult, WarmTargetRound } from './measure.js';
import type { SequentialResult } from './sequential.js';
import { STOP_TIMEOUT_MS, type StopReport } from './targets.js';

/** Lists, one line each, every error, failed phase and unclean stop of a run. */
export function describeProblems(rounds: readonly RoundResult[]): string[] {
  const lines: string[] = [];
  for (const round of rounds) {
    const where = (id: string) => `round ${round.round}, ${id}`;
    for (const failed of round.failedTargets) {
      lines.push(`${where(failed.id)}: not measured: ${failed.error}`);
    }
    for (const target of round.warm) lines.push(...warmTargetProblems(target, where(target.id)));

    const cold = round.cold;
    if (cold === undefined) continue;
    const coldWhere = where('lambdacraft-cold');
    if (cold.failure !== undefined) lines.push(`${coldWhere}: ended early: ${cold.failure}`);
    for (const problem of cold.problems) lines.push(`${coldWhere}: ${problem}`);
    lines.push(...stopProblems(cold.stop, coldWhere));
  }
  return lines;
}

function warmTargetProblems(target: WarmTargetRound, where: string): string[] {
  const lines: string[] = [];
  if (target.failure !== undefined) lines.push(`${where}: ended early: ${target.failure}`);
  lines.push(...sequentialProblems(target.sequentialWarmup, `${where}, sequential warm-up`));
  lines.push(...sequentialProblems(target.sequential, `${where}, sequential`));
  for (const phase of target.load) {
    lines.push(...loadProblems(phase.warmup, `${where}, ${phase.connections} clients warm-up`));
    lines.push(...loadProblems(phase.measured, `${where}, ${phase.connections} clients`));
  }
  lines.push(...stopProblems(target.stop, where));
  return lines;
}

function sequentialProblems(result: SequentialResult | undefined, where: string): string[] {
  if (result === undefined) return [];

  const lines: string[] = [];
  if (result.invalidResponses > 0) {
    lines.push(
      `${where}: ${result.invalidResponses} of ${result.requests} responses invalid, first: ${result.problems.join('; ')}`,
    );
  }
  if (result.transportError !== undefined) {
    lines.push(`${where}: connection failed: ${result.transportError}`);
  }
  return lines;
}

function loadProblems(result: LoadResult | undefined, where: string): string[] {
  if (result === undefined) return [];

  const counts = [
    [result.httpErrors, 'HTTP error responses'],
    [result.socketErrors, 'socket errors'],
    [result.timeouts, 'timeouts'],
    [result.functionErrors ?? 0, 'function errors'],
  ] as const;
  const found = counts.filter(([count]) => count > 0);
  if (found.length === 0) return [];
  const text = found.map(([count, name]) => `${count} ${name}`).join(', ');
  return [`${where}: ${text} in ${result.requests} responses (${result.command})`];
}

/** Describes what went wrong when a target stopped: a forced kill, leftovers, stderr lines. */
export function stopProblems(stop: StopReport | undefined, where: string): string[] {
  if (stop === undefined) return [];

  const lines: string[] = [];
  if (stop.forcedKill) {
    lines.push(`${where}: did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; sent SIGKILL`);
  }
  if (stop.leftover.length > 0) {
    const list = stop.leftover.map((item) => `${item.pid} (${item.command})`).join(', ');
    lines.push(`${where}: processes left after the target exited, sent SIGKILL: ${list}`);
  }
  if (stop.problemLogLines > 0) {
    lines.push(
      `${where}: ${stop.problemLogLines} warning or error line(s) on stderr, first: ${stop.problemLogExcerpt.join(' / ')}`,
    );
  }
  return lines;
}
