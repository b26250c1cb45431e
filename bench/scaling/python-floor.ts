// Floors of the scaling benchmark: what bare /usr/bin/python3 processes cost on this machine,
// with no platform in between.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import { SYSTEM_PYTHON } from '../paths.js';
import { readProcessMemory, type ProcessMemory } from './process-memory.js';
import { epochMs } from './timeline.js';

/** The handler's sleep, which the bare processes of the burst floor repeat. */
export const SLEEP_MS = 100;
const SLEEP_SCRIPT = `import time; time.sleep(${SLEEP_MS / 1000})`;
/**
 * Starts, reports that it is ready with one byte on stdout, and waits for stdin to close.
 * The byte lets the harness read memory only once every interpreter has started.
 */
const IDLE_SCRIPT = "import sys; sys.stdout.write('r'); sys.stdout.flush(); sys.stdin.read()";
/** Pause after the last idle interpreter is ready, before its memory is read. */
const IDLE_SETTLE_MS = 500;

export interface SpawnBurstResult {
  processes: number;
  /** Time of the synchronous loop of `spawn` calls: Node's own cost of starting them. */
  spawnLoopMs: number;
  /** From before the first `spawn` call to the last exit event. */
  drainMs: number;
  /**
   * Estimated interpreter starts per second: processes / (drainMs - SLEEP_MS). Each process
   * exits SLEEP_MS after its interpreter has started, so the last start is about that long
   * before the last exit.
   */
  startsPerSecond: number;
  /** Processes that did not exit with status 0. */
  failed: number;
}

/** Mean memory per process over a group of processes, in kilobytes. */
export interface MemoryPerProcess {
  processes: number;
  meanRssKb: number;
  meanPssKb: number;
  meanUssKb: number;
  totalPssKb: number;
}

/**
 * Spawns `count` bare `python3 -c "import time; time.sleep(0.1)"` processes at once and
 * times them until all have exited: the machine's cost of starting that many interpreters.
 */
export async function runSpawnBurst(count: number): Promise<SpawnBurstResult> {
  const children: ChildProcess[] = [];
  const startedAtMs = epochMs();
  for (let i = 0; i < count; i += 1) {
    children.push(spawn(SYSTEM_PYTHON, ['-c', SLEEP_SCRIPT], { stdio: 'ignore' }));
  }
  const spawnLoopMs = epochMs() - startedAtMs;

  let lastExitMs = startedAtMs;
  let failed = 0;
  await Promise.all(
    children.map(async (child) => {
      const [code] = (await exitOf(child)) as [number | null, string | null];
      lastExitMs = Math.max(lastExitMs, epochMs());
      if (code !== 0) failed += 1;
    }),
  );
  const drainMs = lastExitMs - startedAtMs;
  return {
    processes: count,
    spawnLoopMs,
    drainMs,
    startsPerSecond: (count / Math.max(drainMs - SLEEP_MS, 1)) * 1000,
    failed,
  };
}

/**
 * Starts `count` bare interpreters that wait on stdin, reads the memory of each once all are
 * ready, then closes their stdin and waits for them to exit.
 */
export async function measureIdleInterpreters(count: number): Promise<MemoryPerProcess> {
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      children.push(
        spawn(SYSTEM_PYTHON, ['-c', IDLE_SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] }),
      );
    }
    await Promise.all(children.map(waitForReadyByte));
    await sleep(IDLE_SETTLE_MS);

    const samples = children
      .map((child) => (child.pid === undefined ? undefined : readProcessMemory(child.pid)))
      .filter((sample): sample is ProcessMemory => sample !== undefined);
    if (samples.length !== count) {
      throw new Error(`read the memory of ${samples.length} of ${count} idle interpreters`);
    }
    return summarizeMemory(samples);
  } finally {
    for (const child of children) child.stdin?.end();
    await Promise.all(children.map(exitOf));
  }
}

/** Averages RSS, PSS and USS over the processes. */
export function summarizeMemory(samples: readonly ProcessMemory[]): MemoryPerProcess {
  const sum = (pick: (sample: ProcessMemory) => number) =>
    samples.reduce((total, sample) => total + pick(sample), 0);
  const count = samples.length;
  return {
    processes: count,
    meanRssKb: count === 0 ? Number.NaN : sum((s) => s.rssKb) / count,
    meanPssKb: count === 0 ? Number.NaN : sum((s) => s.pssKb) / count,
    meanUssKb: count === 0 ? Number.NaN : sum((s) => s.ussKb) / count,
    totalPssKb: sum((s) => s.pssKb),
  };
}

/** Resolves with the exit code and signal, at once when the child has already exited. */
function exitOf(child: ChildProcess): Promise<unknown[]> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve([child.exitCode, child.signalCode]);
  }
  return once(child, 'exit');
}

function waitForReadyByte(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdout = child.stdout;
    if (stdout === null) {
      reject(new Error('the interpreter has no stdout pipe'));
      return;
    }
    stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(
        new Error(`an idle interpreter exited before it was ready: ${signal ?? `status ${code}`}`),
      ),
    );
  });
}
