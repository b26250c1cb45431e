import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const UNSHARE = '/usr/bin/unshare';
/**
 * Runs a command in a mount namespace of its own where the environment's temporary folder
 * is bind-mounted on /tmp, so code that writes to a hard-coded /tmp stays private to its
 * environment as on Lambda. `unshare` execs the shell, which execs the runtime: the runtime
 * keeps the process id that was spawned.
 */
const MOUNT_SCRIPT = 'mount --bind "$0" /tmp && exec "$@"';

export interface SpawnPlan {
  file: string;
  args: string[];
}

/** Wraps a spawn so that the process has `tempDir` mounted as /tmp. */
export function privateTmpPlan(tempDir: string, file: string, args: string[]): SpawnPlan {
  return {
    file: UNSHARE,
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      MOUNT_SCRIPT,
      tempDir,
      file,
      ...args,
    ],
  };
}

/**
 * Checks once whether a private /tmp can be made here: it needs root (or CAP_SYS_ADMIN) and
 * util-linux's unshare. Returns the reason when it cannot.
 */
export async function checkPrivateTmp(): Promise<{ available: boolean; reason: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-tmpcheck-'));
  try {
    const plan = privateTmpPlan(dir, '/bin/sh', ['-c', 'echo private > /tmp/probe']);
    await execFileAsync(plan.file, plan.args, { timeout: 5000 });
    const written = readFileSync(path.join(dir, 'probe'), 'utf8').trim();
    if (written !== 'private')
      return { available: false, reason: 'the bind mount did not take effect' };
    return { available: true, reason: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, reason: message ?? 'unshare failed' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
