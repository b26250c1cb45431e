import { performance } from 'node:perf_hooks';

import type { EnvironmentMemory } from './memory-limit.js';
import { maxMemoryUsedMb } from './process-memory.js';

/** How often a running invocation's memory is read where no cgroup enforces the limit. */
export const POLL_INTERVAL_MS = 100;
/**
 * How often Max Memory Used is read again outside the polling: reading /proc for it costs
 * more than a warm invocation.
 */
const READ_INTERVAL_MS = 1_000;

/**
 * Holds a runtime to its memory size without a cgroup: while an invocation runs, the
 * resident memory of its process tree is read every POLL_INTERVAL_MS, and a reading above
 * the memory size calls the invocation's `onExceeded`, which kills the runtime.
 * NOTE: memory that rises above the limit and falls back between two reads goes unnoticed,
 * and Init is not watched, so this only approximates a cgroup's limit.
 */
export class PollingMemory implements EnvironmentMemory {
  readonly #memorySizeMb: number;
  #pid: number | undefined;
  #peakMb = 0;
  #readAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #exceeded = false;

  constructor(memorySizeMb: number) {
    this.#memorySizeMb = memorySizeMb;
  }

  attach(pid: number): Promise<void> {
    this.#pid = pid;
    return Promise.resolve();
  }

  beginInvocation(onExceeded: () => void): void {
    this.endInvocation();
    const timer = setInterval(() => {
      // A callback already queued when its interval was cleared must not act.
      if (this.#timer !== timer || this.#read() <= this.#memorySizeMb) return;
      this.#exceeded = true;
      this.endInvocation();
      onExceeded();
    }, POLL_INTERVAL_MS);
    timer.unref();
    this.#timer = timer;
  }

  endInvocation(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  sample(): void {
    this.#read();
  }

  /**
   * Returns the environment's peak since it started, which only grows. It is read at most
   * every READ_INTERVAL_MS, and always on the first call.
   */
  maxMemoryUsedMb(): number {
    if (this.#exceeded) return this.#memorySizeMb;
    if (performance.now() - this.#readAt >= READ_INTERVAL_MS) this.#read();
    return this.#peakMb;
  }

  killedForMemory(): boolean {
    return this.#exceeded;
  }

  release(): Promise<void> {
    this.endInvocation();
    return Promise.resolve();
  }

  /** Reads the process tree's peak now and returns it in MB. */
  #read(): number {
    if (this.#pid === undefined) return this.#peakMb;
    this.#readAt = performance.now();
    this.#peakMb = Math.max(this.#peakMb, maxMemoryUsedMb(this.#pid));
    return this.#peakMb;
  }
}
