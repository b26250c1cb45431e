import type { SchedulerClock } from './scheduler.js';

/**
 * A scheduler clock for tests: its time moves only when the test advances it, and it runs
 * each timer as the time passes it.
 */
export class FakeClock implements SchedulerClock {
  #nowMs: number;
  #timers = new Map<number, { atMs: number; callback: () => void }>();
  #nextId = 1;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { atMs: this.#nowMs + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves the time forward, running each timer at its due time in order. */
  advance(ms: number): void {
    const endMs = this.#nowMs + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, timer]) => timer.atMs <= endMs)
        .sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#nowMs = Math.max(this.#nowMs, due[1].atMs);
      due[1].callback();
    }
    this.#nowMs = endMs;
  }
}
