import { readdirSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from '../log.js';
import { CgroupMemory } from './cgroups/cgroup-memory.js';
import { killListed, removeCgroup } from './cgroups/memory-cgroup.js';
import { createPlatformCgroup } from './cgroups/platform-cgroup.js';
import { PollingMemory } from './memory-polling.js';

/** The mechanism that enforces each function's MemorySize. */
export type MemoryMechanism = 'cgroup-v2' | 'cgroup-v1' | 'polling';

/** The memory limit of one environment's runtime, and the measure of its Max Memory Used. */
export interface EnvironmentMemory {
  /** Puts the runtime process under the limit; the processes it starts later follow it. */
  attach(pid: number): Promise<void>;
  /** Marks an invocation's start; `onExceeded` is called when polling finds the limit passed. */
  beginInvocation(onExceeded: () => void): void;
  endInvocation(): void;
  /** Reads the memory use now, while the runtime still runs, before the platform kills it. */
  sample(): void;
  /** Max Memory Used in MB for the REPORT line: the memory size after an out-of-memory kill. */
  maxMemoryUsedMb(): number;
  /** True when the runtime was killed for passing its limit. */
  killedForMemory(): boolean;
  /** Kills what is left in the environment's cgroup and removes the cgroup. */
  release(): Promise<void>;
}

export interface MemoryLimitsOptions {
  /** Folder read for this process's `mountinfo` and `cgroup` files; tests use a fake one. */
  procSelfDir?: string;
}

/** Platforms started by this process so far, to name each one's parent cgroup. */
let platformCount = 0;

/**
 * The platform's memory limits: a parent memory cgroup named `lambdacraft-<pid>-<n>` with
 * one child cgroup per environment, or, where no memory controller can be used, polling
 * each runtime's resident memory while it runs an invocation.
 */
export class MemoryLimits {
  readonly mechanism: MemoryMechanism;
  /** The reason no cgroup is used; empty when one is. */
  readonly reason: string;
  /** The platform's parent cgroup; undefined when polling. */
  readonly parentDir: string | undefined;
  #closed = false;

  /** Detects the memory controller and creates the platform's parent cgroup in it. */
  static detect(options: MemoryLimitsOptions = {}): MemoryLimits {
    platformCount += 1;
    const cgroup = createPlatformCgroup({
      name: `lambdacraft-${process.pid}-${platformCount}`,
      procSelfDir: options.procSelfDir,
    });
    if (!cgroup.ok) return MemoryLimits.polling(cgroup.reason);
    return new MemoryLimits(cgroup.version === 2 ? 'cgroup-v2' : 'cgroup-v1', '', cgroup.dir);
  }

  /** Limits enforced by polling resident memory, for the given reason. */
  static polling(reason: string): MemoryLimits {
    return new MemoryLimits('polling', reason, undefined);
  }

  private constructor(mechanism: MemoryMechanism, reason: string, parentDir: string | undefined) {
    this.mechanism = mechanism;
    this.reason = reason;
    this.parentDir = parentDir;
  }

  /** Logs how memory limits are enforced, as a warning when polling; the platform calls it at start. */
  logMechanism(logger: Logger): void {
    if (this.mechanism === 'polling') {
      logger.warn(
        { reason: this.reason },
        'memory limits are enforced by polling resident memory during invocations: a memory cgroup per environment needs root and a writable memory controller',
      );
      return;
    }
    logger.info(
      { mechanism: this.mechanism, cgroup: this.parentDir },
      'memory limits are enforced by a memory cgroup per environment',
    );
  }

  /** Makes the limit of one environment; its cgroup is created when a process attaches. */
  forEnvironment(environmentId: string, memorySizeMb: number, logger: Logger): EnvironmentMemory {
    if (this.parentDir === undefined || this.#closed) return new PollingMemory(memorySizeMb);
    return new CgroupMemory({
      parentDir: this.parentDir,
      version: this.mechanism === 'cgroup-v2' ? 2 : 1,
      name: environmentId,
      memorySizeMb,
      logger,
    });
  }

  /**
   * Removes the parent cgroup, after the environments are destroyed. An environment cgroup
   * still left (its environment's destroy has not finished) has its processes killed and is
   * removed first.
   */
  async close(logger: Logger): Promise<void> {
    this.#closed = true;
    const parentDir = this.parentDir;
    if (parentDir === undefined) return;

    try {
      const children = readdirSync(parentDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(parentDir, entry.name));
      await Promise.all(children.map((dir) => removeWithProcesses(dir)));
      await removeCgroup(parentDir);
    } catch (error) {
      logger.warn({ err: error, cgroup: parentDir }, 'failed to remove the memory cgroup');
    }
  }
}

async function removeWithProcesses(dir: string): Promise<void> {
  killListed(dir);
  await removeCgroup(dir);
}
