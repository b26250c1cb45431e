import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { nanosecondsToMs } from './stats.js';

/** Unmeasured spawns before the measured ones, so the first sample does not load the binary. */
const WARMUP_SPAWNS = 3;

/**
 * Times `samples` runs of a command from `spawn` to its exit event, as hyperfine does for a
 * command without a shell. A run that does not exit with status 0 is an error.
 */
export async function timeSpawns(file: string, args: string[], samples: number): Promise<number[]> {
  const timesMs: number[] = [];
  for (let i = 0; i < WARMUP_SPAWNS + samples; i += 1) {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: 'ignore' });
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    const elapsedMs = nanosecondsToMs(process.hrtime.bigint() - started);
    if (code !== 0) {
      throw new Error(`${file} ${args.join(' ')} ended with ${signal ?? `status ${code}`}`);
    }
    if (i >= WARMUP_SPAWNS) timesMs.push(elapsedMs);
  }
  return timesMs;
}
