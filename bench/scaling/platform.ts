// The LambdaCraft target of the scaling benchmark: `lambdacraft up` on a copy of
// bench/scaling-project, optionally with an account concurrency limit.
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';

import { BENCH_SOURCE_DIR } from '../paths.js';
import { upCommand } from '../project.js';
import type { TargetDefinition } from '../targets.js';

/** The function of the bursts and the idle phase: it sleeps 100 ms and returns `{"ok": true}`. */
export const SLEEP_FUNCTION = 'SleepPython';
/**
 * Idle timeout passed when the CLI has `--idle-timeout`: long enough that no environment is
 * reaped while the harness measures it. The platform's default of 5 minutes is also long
 * enough for a run of this harness.
 */
const IDLE_TIMEOUT_SECONDS = 900;

/** Copies bench/scaling-project into `dir` and returns `dir`. */
export function prepareScalingProject(dir: string): string {
  cpSync(path.join(BENCH_SOURCE_DIR, 'scaling-project'), dir, { recursive: true });
  return dir;
}

/** Tells whether the CLI at `platformMain` lists an option of `up` in its help text. */
export function upHasOption(platformMain: string, option: string): boolean {
  const help = spawnSync(process.execPath, [platformMain, 'up', '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes(option);
}

/**
 * Returns the target definition of `lambdacraft up` on the scaling project. Without
 * `accountConcurrency` the platform keeps its default account limit.
 */
export function scalingPlatform(
  projectDir: string,
  platformMain: string,
  options: { label: string; accountConcurrency?: number; idleTimeoutOption: boolean },
): TargetDefinition {
  const extraArgs: string[] = [];
  if (options.accountConcurrency !== undefined) {
    extraArgs.push('--account-concurrency', String(options.accountConcurrency));
  }
  if (options.idleTimeoutOption) extraArgs.push('--idle-timeout', String(IDLE_TIMEOUT_SECONDS));

  return {
    id: 'scaling',
    label: options.label,
    functionName: SLEEP_FUNCTION,
    command: (port, dataDir) =>
      upCommand({ platformMain, projectDir, port, httpPort: 0, dataDir, extraArgs }),
  };
}
