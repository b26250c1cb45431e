import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long `remove` retries a cgroup that is still busy after its processes were killed. */
const REMOVE_RETRY_MS = 1_000;
const REMOVE_RETRY_STEP_MS = 20;

/** One memory cgroup: the limit, the peak and the OOM kills of the processes inside it. */
export interface MemoryCgroup {
  readonly dir: string;
  readonly version: 1 | 2;
  /**
   * Asks the kernel to move the memory a process has already touched along with it when it
   * joins. Returns false where the kernel does not: cgroup v2 never moves it, and Linux
   * 6.18 rejects v1's `memory.move_charge_at_immigrate` with EINVAL.
   */
  moveChargesOnJoin(): boolean;
  /** Sets the limit, with swap use forbidden where the controller can forbid it. */
  setLimit(bytes: number): void;
  /** Moves a process in; asynchronous, since a cgroup v1 move can take milliseconds. */
  addProcess(pid: number): Promise<void>;
  /** The peak use in bytes, or undefined when the kernel does not record one. */
  peakBytes(): number | undefined;
  /** How many processes the kernel's OOM killer has killed in this cgroup so far. */
  oomKillCount(): number;
  /** Kills every process still inside (v2's `cgroup.kill`, else each listed pid). */
  killAll(): void;
}

/** A cgroup v1 memory controller cgroup. */
class MemoryCgroupV1 implements MemoryCgroup {
  readonly version = 1;

  constructor(readonly dir: string) {}

  moveChargesOnJoin(): boolean {
    // Bit 0 moves anonymous pages, bit 1 file pages mapped by the process.
    try {
      writeFileSync(path.join(this.dir, 'memory.move_charge_at_immigrate'), '3');
      return true;
    } catch {
      return false;
    }
  }

  setLimit(bytes: number): void {
    writeFileSync(path.join(this.dir, 'memory.limit_in_bytes'), String(bytes));
    // memory+swap at the same value leaves no room for swap; the file exists only when the
    // kernel accounts swap.
    const memsw = path.join(this.dir, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) writeFileSync(memsw, String(bytes));
  }

  addProcess(pid: number): Promise<void> {
    return writeFile(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  peakBytes(): number | undefined {
    return readNumber(path.join(this.dir, 'memory.max_usage_in_bytes'));
  }

  oomKillCount(): number {
    const control = readText(path.join(this.dir, 'memory.oom_control')) ?? '';
    const kills = keyedValue(control, 'oom_kill');
    if (kills !== undefined) return kills;
    // Kernels before 4.13 have no oom_kill counter: any hit of the limit counts instead.
    return readNumber(path.join(this.dir, 'memory.failcnt')) ?? 0;
  }

  killAll(): void {
    killListed(this.dir);
  }
}

/** A cgroup v2 cgroup whose parent has the memory controller enabled. */
class MemoryCgroupV2 implements MemoryCgroup {
  readonly version = 2;

  constructor(readonly dir: string) {}

  moveChargesOnJoin(): boolean {
    return false;
  }

  setLimit(bytes: number): void {
    writeFileSync(path.join(this.dir, 'memory.max'), String(bytes));
    const swap = path.join(this.dir, 'memory.swap.max');
    if (existsSync(swap)) writeFileSync(swap, '0');
  }

  addProcess(pid: number): Promise<void> {
    return writeFile(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  peakBytes(): number | undefined {
    return readNumber(path.join(this.dir, 'memory.peak'));
  }

  oomKillCount(): number {
    return keyedValue(readText(path.join(this.dir, 'memory.events')) ?? '', 'oom_kill') ?? 0;
  }

  killAll(): void {
    const kill = path.join(this.dir, 'cgroup.kill');
    if (!existsSync(kill)) {
      killListed(this.dir);
      return;
    }
    try {
      writeFileSync(kill, '1');
    } catch {
      killListed(this.dir);
    }
  }
}

/** Creates a child cgroup of `parentDir` in the given cgroup version. */
export function createMemoryCgroup(parentDir: string, name: string, version: 1 | 2): MemoryCgroup {
  const dir = path.join(parentDir, name);
  mkdirSync(dir);
  return version === 1 ? new MemoryCgroupV1(dir) : new MemoryCgroupV2(dir);
}

/**
 * Removes a cgroup folder whose processes are gone. The kernel may keep the cgroup busy
 * (EBUSY) for a moment after the last one exits, so it retries for REMOVE_RETRY_MS.
 */
export async function removeCgroup(dir: string): Promise<void> {
  const deadline = Date.now() + REMOVE_RETRY_MS;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) throw error;
    }
    await sleep(REMOVE_RETRY_STEP_MS);
  }
}

/** Lists the process ids in a cgroup; empty when it is gone. */
export function processIds(dir: string): number[] {
  const text = readText(path.join(dir, 'cgroup.procs')) ?? '';
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

/** Sends SIGKILL to each process listed in a cgroup. */
export function killListed(dir: string): void {
  for (const pid of processIds(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It exited after the listing.
    }
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : undefined;
}

/** Reads `key value` from a flat-keyed cgroup file such as memory.events. */
function keyedValue(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name === key && value !== undefined) return Number(value);
  }
  return undefined;
}
