import { readFileSync } from 'node:fs';

import type { Logger } from '../../log.js';
import type { EnvironmentMemory } from '../memory-limit.js';
import { PollingMemory } from '../memory-polling.js';
import { createMemoryCgroup, removeCgroup, type MemoryCgroup } from './memory-cgroup.js';

const MIB = 1024 * 1024;
/** Max Memory Used is read from the cgroup at most this often. */
const PEAK_READ_INTERVAL_MS = 1_000;

export interface CgroupMemoryOptions {
  parentDir: string;
  version: 1 | 2;
  /** The cgroup's folder name: the environment id. */
  name: string;
  memorySizeMb: number;
  logger: Logger;
}

/**
 * Holds one environment's runtime to its memory size with a memory cgroup of its own: the
 * kernel's OOM killer ends the runtime at the limit, and the cgroup's peak is Max Memory
 * Used. Where the cgroup cannot be made or joined, it polls like PollingMemory instead.
 *
 * The peak covers the environment's whole life in both cgroup versions, because v2 has no
 * reset. It is read at most once a second, because each read of a cgroup file costs about
 * 20 us (measured here), a tenth of a warm invocation's time in the platform. So a REPORT
 * line between two reads repeats the previous figure, and a warm invocation shows the
 * maximum use of its environment so far.
 */
export class CgroupMemory implements EnvironmentMemory {
  readonly #options: CgroupMemoryOptions;
  /** Reads /proc: the fallback, and Max Memory Used where the kernel records no peak. */
  readonly #polling: PollingMemory;
  #cgroup: MemoryCgroup | undefined;
  /** The cgroup is in use: the runtime joined it. */
  #joined = false;
  /** Memory the runtime had touched before it joined, which stays charged elsewhere. */
  #baselineBytes = 0;
  #oomKillsBefore = 0;
  #oomKilled = false;
  #peakBytes: number | undefined;
  #peakReadAt = Number.NEGATIVE_INFINITY;
  #released: Promise<void> | undefined;

  constructor(options: CgroupMemoryOptions) {
    this.#options = options;
    this.#polling = new PollingMemory(options.memorySizeMb);
  }

  async attach(pid: number): Promise<void> {
    await this.#polling.attach(pid);
    try {
      await this.#join(pid);
      this.#joined = true;
    } catch (error) {
      // ESRCH: the runtime already exited, and its exit is reported as such.
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      this.#options.logger.error(
        { err: error, pid, cgroup: this.#cgroup?.dir },
        'failed to put the runtime in its memory cgroup; polling its memory instead',
      );
    }
  }

  beginInvocation(onExceeded: () => void): void {
    // With a cgroup the kernel enforces the limit; only the fallback watches.
    if (!this.#joined || this.#cgroup === undefined) this.#polling.beginInvocation(onExceeded);
  }

  endInvocation(): void {
    this.#polling.endInvocation();
  }

  sample(): void {
    // A cgroup keeps its peak after its processes are killed; only /proc needs a live process.
    if (!this.#joined) this.#polling.sample();
  }

  maxMemoryUsedMb(): number {
    const { memorySizeMb } = this.#options;
    if (!this.#joined) return this.#polling.maxMemoryUsedMb();
    if (this.#oomKilled) return memorySizeMb;

    const peakBytes = this.#readPeak();
    const usedMb =
      peakBytes === undefined
        ? this.#polling.maxMemoryUsedMb()
        : Math.ceil((peakBytes + this.#baselineBytes) / MIB);
    return Math.min(usedMb, memorySizeMb);
  }

  /** Reads the cgroup's OOM counter; the environment calls it only after its runtime was killed. */
  killedForMemory(): boolean {
    const cgroup = this.#cgroup;
    if (!this.#joined || cgroup === undefined) return this.#polling.killedForMemory();
    this.#oomKilled ||= cgroup.oomKillCount() > this.#oomKillsBefore;
    return this.#oomKilled;
  }

  #readPeak(): number | undefined {
    const now = performance.now();
    if (now - this.#peakReadAt >= PEAK_READ_INTERVAL_MS) {
      this.#peakBytes = this.#cgroup?.peakBytes();
      this.#peakReadAt = now;
    }
    return this.#peakBytes;
  }

  release(): Promise<void> {
    this.#released ??= this.#remove();
    return this.#released;
  }

  /**
   * Creates the cgroup, sets its limit and moves the runtime in. Where the kernel does not
   * move charges, memory the runtime touched before it joined stays charged to its old
   * cgroup. So the limit shrinks by the runtime's anonymous resident memory (RssAnon), and
   * Max Memory Used adds it back. On Linux 6.18 a bare Python 3.11 started inside a fresh
   * cgroup was charged 4.4 MB with 4.0 MB RssAnon.
   */
  async #join(pid: number): Promise<void> {
    const { parentDir, name, version, memorySizeMb } = this.#options;
    const cgroup = createMemoryCgroup(parentDir, name, version);
    this.#cgroup = cgroup;

    this.#baselineBytes = cgroup.moveChargesOnJoin() ? 0 : anonymousResidentBytes(pid);
    const limitBytes = memorySizeMb * MIB;
    // Half the memory size at least, so a misread baseline cannot starve the function.
    cgroup.setLimit(Math.max(limitBytes - this.#baselineBytes, limitBytes / 2));
    // An OOM kill ends the environment, so the count read here is the one every invocation
    // of this environment compares with.
    this.#oomKillsBefore = cgroup.oomKillCount();
    await cgroup.addProcess(pid);
  }

  async #remove(): Promise<void> {
    this.#polling.endInvocation();
    const cgroup = this.#cgroup;
    if (cgroup === undefined) return;

    try {
      // Processes that left the runtime's process group (setsid) are still in the cgroup.
      cgroup.killAll();
      await removeCgroup(cgroup.dir);
    } catch (error) {
      this.#options.logger.warn(
        { err: error, cgroup: cgroup.dir },
        'failed to remove the memory cgroup',
      );
    }
  }
}

/** RssAnon of a process in bytes: its private memory, which a memory cgroup is charged for. */
function anonymousResidentBytes(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 0;
  }
  const match = /^RssAnon:\s+(\d+) kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}
