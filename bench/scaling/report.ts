// Tables, goals and problems of the scaling benchmark, in the format of the other sections.
import { formatNumber, type Goal } from '../report.js';
import { markdownTable } from '../tables.js';
import { STOP_TIMEOUT_MS, type StopReport } from '../targets.js';
import type { IdleEnvironments, PlatformBurst, ScalingResult } from './measure.js';
import { SLEEP_MS, type MemoryPerProcess } from './python-floor.js';

const KB_PER_MB = 1024;
/** The per-environment memory goal, judged on the mean RSS, the strictest of the three. */
const IDLE_ENVIRONMENT_GOAL_MB = 12;

/** Returns the Markdown of the scaling section: bursts, idle memory, one environment's maps. */
export function scalingTables(result: ScalingResult): string {
  const { settings } = result;
  return [
    `Burst of ${settings.burstRequests} concurrent Invoke requests of SleepPython (${SLEEP_MS} ms), from no environment; the floor is ${settings.burstRequests} bare \`python3 -c "import time; time.sleep(0.1)"\` spawned at once. Load average at start: ${result.loadAverageAtStart.join(', ')}.`,
    burstTable(result),
    `${settings.idleEnvironments} environments after ${settings.idleEnvironments} concurrent invocations, idle; the floor is ${settings.idleEnvironments} bare \`python3\` waiting on stdin. Means per process from /proc/<pid>/smaps_rollup; USS is Private_Clean + Private_Dirty.`,
    idleTable(result),
    `Memory of one idle environment by mapping (/proc/<pid>/smaps, largest USS first):`,
    breakdownTable(result.idle),
  ].join('\n\n');
}

function burstTable(result: ScalingResult): string {
  const header = [
    'target',
    'drain ms',
    `${SLEEP_MS} ms x ceil(n/N)`,
    'p50 ms',
    'p99 ms',
    'ok',
    '429',
    'other errors',
    'new processes N',
    'ramp ms',
    'starts/s',
    'root RSS peak MB',
    'tree RSS peak MB',
    'tree PSS peak MB',
  ];
  const rows: string[][] = [];
  const floor = result.floorBurst;
  if (floor !== undefined) {
    rows.push([
      'floor: bare python3 processes',
      formatNumber(floor.drainMs),
      String(SLEEP_MS),
      'n/a',
      'n/a',
      String(floor.processes - floor.failed),
      '0',
      String(floor.failed),
      String(floor.processes),
      formatNumber(floor.drainMs - SLEEP_MS),
      formatNumber(floor.startsPerSecond),
      'n/a',
      'n/a',
      'n/a',
    ]);
  }
  for (const burst of [result.defaultBurst, result.limitedBurst]) rows.push(burstRow(burst));
  return markdownTable(header, rows);
}

function burstRow(item: PlatformBurst): string[] {
  const burst = item.burst;
  const scaleUp = item.scaleUp;
  const started = scaleUp === undefined ? Number.NaN : scaleUp.peak - scaleUp.baseline;
  const served = burst === undefined ? Number.NaN : burst.ok + burst.errors;
  const idealMs = started > 0 ? SLEEP_MS * Math.ceil(served / started) : Number.NaN;
  return [
    item.label,
    formatNumber(burst?.drainMs ?? Number.NaN),
    formatNumber(idealMs),
    formatNumber(burst?.p50Ms ?? Number.NaN),
    formatNumber(burst?.p99Ms ?? Number.NaN),
    String(burst?.ok ?? 'n/a'),
    String(burst?.throttled ?? 'n/a'),
    String(burst?.errors ?? 'n/a'),
    Number.isFinite(started) ? String(started) : 'n/a',
    formatNumber(scaleUp?.rampMs ?? Number.NaN),
    formatNumber(scaleUp?.startsPerSecond ?? Number.NaN),
    megabytes(item.peaks?.rootRssKb),
    megabytes(item.peaks?.treeRssKb),
    megabytes(item.peaks?.treePssKb),
  ];
}

function idleTable(result: ScalingResult): string {
  const header = [
    'processes',
    'count',
    'mean RSS MB',
    'mean PSS MB',
    'mean USS MB',
    'total PSS MB',
    'frozen (SIGSTOP)',
  ];
  const row = (label: string, memory: MemoryPerProcess | undefined, frozen: string) => [
    label,
    String(memory?.processes ?? 'n/a'),
    megabytes(memory?.meanRssKb),
    megabytes(memory?.meanPssKb),
    megabytes(memory?.meanUssKb),
    megabytes(memory?.totalPssKb),
    frozen,
  ];
  const { idle } = result;
  const spare = idle.spare;
  const spareMemory =
    spare === undefined
      ? undefined
      : {
          processes: 1,
          meanRssKb: spare.rssKb,
          meanPssKb: spare.pssKb,
          meanUssKb: spare.ussKb,
          totalPssKb: spare.pssKb,
        };
  return [
    markdownTable(header, [
      row('floor: bare python3 waiting on stdin', result.floorIdle, 'n/a'),
      row('LambdaCraft Python environments', idle.environments, String(idle.frozen)),
      row('LambdaCraft spare interpreter', spareMemory, 'n/a'),
    ]),
    `Platform process RSS with these environments idle: ${megabytes(idle.rootRssKb)} MB.`,
  ].join('\n\n');
}

function breakdownTable(idle: IdleEnvironments): string {
  if (idle.breakdown.length === 0) return 'not measured';
  return markdownTable(
    ['mapping', 'RSS kB', 'PSS kB', 'USS kB'],
    idle.breakdown.map((item) => [
      item.name,
      String(item.rssKb),
      String(item.pssKb),
      String(item.ussKb),
    ]),
  );
}

/** Returns the scaling benchmark's goals: no failed request, throttles only with a limit, memory. */
export function scalingGoals(result: ScalingResult | undefined): Goal[] {
  const burst = result?.defaultBurst.burst;
  const limited = result?.limitedBurst.burst;
  const memory = result?.idle.environments;
  const requests = result?.settings.burstRequests ?? 1000;
  const limit = result?.settings.limitedConcurrency ?? 200;
  const notMeasured = (description: string, target: string): Goal => ({
    description,
    target,
    measured: 'n/a',
    verdict: 'not measured',
  });

  const goals: Goal[] = [];
  const defaultName = `burst of ${requests} at the default account limit: failed requests`;
  goals.push(
    burst === undefined
      ? notMeasured(defaultName, '0 errors, 0 throttled')
      : {
          description: defaultName,
          target: '0 errors, 0 throttled',
          measured: `${burst.errors} errors, ${burst.throttled} throttled`,
          verdict: burst.errors === 0 && burst.throttled === 0 ? 'met' : 'not met',
        },
  );
  const limitedName = `burst of ${requests} at --account-concurrency ${limit}: throttles only`;
  goals.push(
    limited === undefined
      ? notMeasured(limitedName, '429 > 0, 0 other errors')
      : {
          description: limitedName,
          target: '429 > 0, 0 other errors',
          measured: `${limited.throttled} throttled, ${limited.errors} other errors`,
          verdict: limited.throttled > 0 && limited.errors === 0 ? 'met' : 'not met',
        },
  );
  const memoryName = 'idle Python environment memory (mean RSS; PSS and USS for reference)';
  const memoryTarget = `< ${IDLE_ENVIRONMENT_GOAL_MB} MB`;
  if (memory === undefined || !Number.isFinite(memory.meanRssKb)) {
    goals.push(notMeasured(memoryName, memoryTarget));
  } else {
    const rssMb = memory.meanRssKb / KB_PER_MB;
    goals.push({
      description: memoryName,
      target: memoryTarget,
      measured: `RSS ${megabytes(memory.meanRssKb)} MB, PSS ${megabytes(memory.meanPssKb)} MB, USS ${megabytes(memory.meanUssKb)} MB`,
      verdict: rssMb < IDLE_ENVIRONMENT_GOAL_MB ? 'met' : 'not met',
    });
  }
  return goals;
}

/** Lists every failed phase, unexpected response and unclean stop of the scaling benchmark. */
export function scalingProblems(result: ScalingResult): string[] {
  const lines = result.failures.map((failure) => `scaling floor: ${failure}`);
  const { defaultBurst, limitedBurst, idle } = result;
  for (const item of [defaultBurst, limitedBurst]) {
    const where = `scaling, ${item.label}`;
    if (item.failure !== undefined) lines.push(`${where}: ended early: ${item.failure}`);
    const burst = item.burst;
    if (burst !== undefined && burst.errors > 0) {
      lines.push(`${where}: ${burst.errors} failed requests, first: ${burst.problems.join('; ')}`);
    }
    if (burst !== undefined && item.accountConcurrency === undefined && burst.throttled > 0) {
      lines.push(`${where}: ${burst.throttled} requests throttled (429) at the default limit`);
    }
    lines.push(...stopProblems(item.stop, where));
  }

  const where = `scaling, ${idle.label}`;
  if (idle.failure !== undefined) lines.push(`${where}: ended early: ${idle.failure}`);
  const invocations = idle.invocations;
  if (invocations !== undefined && invocations.errors + invocations.throttled > 0) {
    lines.push(
      `${where}: ${invocations.errors} failed and ${invocations.throttled} throttled invocations, first: ${invocations.problems.join('; ')}`,
    );
  }
  lines.push(...stopProblems(idle.stop, where));
  return lines;
}

function stopProblems(stop: StopReport, where: string): string[] {
  const lines: string[] = [];
  if (stop.forcedKill) {
    lines.push(`${where}: did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; sent SIGKILL`);
  }
  if (stop.leftover.length > 0) {
    lines.push(
      `${where}: ${stop.leftover.length} processes left after the platform exited, sent SIGKILL`,
    );
  }
  if (stop.problemLogLines > 0) {
    lines.push(
      `${where}: ${stop.problemLogLines} warning or error line(s) on stderr, first: ${stop.problemLogExcerpt.join(' / ')}`,
    );
  }
  return lines;
}

function megabytes(kilobytes: number | undefined): string {
  return formatNumber((kilobytes ?? Number.NaN) / KB_PER_MB);
}
