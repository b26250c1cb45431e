import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

import { REPO_ROOT, SYSTEM_PYTHON } from './paths.js';

export interface MachineDescription {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryTotalMb: number;
  kernel: string;
  node: string;
  python: string;
  loadTool: string;
  /** Commit of the repository, marked when src/ or runtimes/ differ from it. */
  commit: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine. */
  loadAverageAtStart: number[];
}

export function describeMachine(loadTool: string): MachineDescription {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const python = spawnSync(SYSTEM_PYTHON, ['--version'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memoryTotalMb: Math.round(Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024),
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    node: process.version,
    python: `${(python.stdout || python.stderr).trim()} (${SYSTEM_PYTHON})`,
    loadTool,
    commit: describeCommit(),
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/**
 * Reads the commit with plumbing commands that never write the index. `git diff-index`
 * compares file stat data, so a touched but unchanged file also counts as a change.
 */
function describeCommit(): string {
  const head = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  });
  if (head.status !== 0) return 'unknown (not a git checkout)';

  const pathspec = ['--', 'src', 'runtimes'];
  const diff = spawnSync('git', ['-C', REPO_ROOT, 'diff-index', '--quiet', 'HEAD', ...pathspec]);
  const changed = diff.status === 1 ? ' with changes in src/ or runtimes/ (git diff-index)' : '';
  return `${head.stdout.trim()}${changed}`;
}
