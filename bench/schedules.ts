// The schedules benchmark: how late a one-second schedule starts its handler, next to how
// late a Node.js setTimeout loop wakes over the same number of seconds, in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { BENCH_SOURCE_DIR } from './paths.js';
import { upCommand } from './project.js';

export interface SchedulesBenchOptions {
  platformMain: string;
  workDir: string;
  logDir: string;
  /** Measured fires of each side (BENCH_SCHEDULES_FIRES, default 120). */
  fires: number;
  progress: (text: string) => void;
}

export interface LatenessSummary {
  label: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SchedulesResult {
  fires: number;
  schedule: LatenessSummary;
  floor: LatenessSummary;
  /** Fires discarded before measuring: the first one starts the environment (a cold start). */
  warmupFires: number;
}

/** The goal of the section: p99 lateness of the schedule under 50 ms. */
export const SCHEDULE_P99_GOAL_MS = 50;
const WARMUP_FIRES = 2;

/** Runs both sides one after the other and returns their lateness percentiles. */
export async function measureSchedules(options: SchedulesBenchOptions): Promise<SchedulesResult> {
  const { fires, progress } = options;
  progress(`schedules: rate(1 second) schedule, ${WARMUP_FIRES} warm-up fires + ${fires} measured`);
  const schedule = await measureSchedule(options);
  progress(`schedules: setTimeout floor, ${fires} fires`);
  const floor = await measureTimerFloor(fires);
  return {
    fires,
    warmupFires: WARMUP_FIRES,
    schedule: summarize('LambdaCraft rate(1 second) -> Python handler start', schedule),
    floor: summarize('floor: Node.js setTimeout to each whole second', floor),
  };
}

/** Starts `lambdacraft up` on the schedules project and reads the handler's start times. */
async function measureSchedule(options: SchedulesBenchOptions): Promise<number[]> {
  const projectDir = path.join(options.workDir, 'schedules-project');
  cpSync(path.join(BENCH_SOURCE_DIR, 'schedules-project'), projectDir, { recursive: true });
  const recordFile = path.join(options.workDir, 'schedule-starts.txt');
  const command = upCommand({
    platformMain: options.platformMain,
    projectDir,
    port: 0,
    httpPort: 0,
    dataDir: path.join(options.workDir, 'data-schedules'),
    extraArgs: ['--dev-subminute-schedules', '--parameter-overrides', `RecordFile=${recordFile}`],
  });
  const child = spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(path.join(options.logDir, 'schedules-platform.log'));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  try {
    const expectedFires = WARMUP_FIRES + options.fires;
    await waitForLines(recordFile, expectedFires, child, (expectedFires + 30) * 1000);
  } finally {
    await stop(child);
  }
  const lines = readFileSync(recordFile, 'utf8').trim().split('\n');
  return lines.slice(WARMUP_FIRES, WARMUP_FIRES + options.fires).map((line) => {
    const [scheduled = '0', started = '0'] = line.split(' ');
    return (Number(started) - Number(scheduled)) * 1000;
  });
}

async function waitForLines(
  file: string,
  count: number,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
    if (lines >= count) return;
    if (child.exitCode !== null) throw new Error(`lambdacraft up exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`only ${lines} of ${count} fires recorded in time`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Sleeps with setTimeout until each next whole second and records how late it woke. */
async function measureTimerFloor(fires: number): Promise<number[]> {
  const latenessMs: number[] = [];
  for (let fire = 0; fire < fires; fire += 1) {
    const targetMs = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, targetMs - Date.now()));
    latenessMs.push(Date.now() - targetMs);
  }
  return latenessMs;
}

function summarize(label: string, latenessMs: number[]): LatenessSummary {
  const sorted = [...latenessMs].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return {
    label,
    samples: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

/** Formats the result as a Markdown table and a goal line. */
export function formatSchedules(result: SchedulesResult): string {
  const rows = [result.floor, result.schedule].map(
    (row) =>
      `| ${row.label} | ${row.samples} | ${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ${row.maxMs.toFixed(1)} |`,
  );
  const met = result.schedule.p99Ms < SCHEDULE_P99_GOAL_MS ? 'met' : 'not met';
  return [
    '| lateness after the scheduled second | fires | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `goal: schedule p99 lateness < ${SCHEDULE_P99_GOAL_MS} ms: ${result.schedule.p99Ms.toFixed(1)} ms, ${met}`,
  ].join('\n');
}
