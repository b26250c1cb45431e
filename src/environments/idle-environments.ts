import type { Environment } from './environment.js';
import type { Clock } from './token-bucket.js';

/** The part of an environment a pool uses, so that unit tests can pool stand-ins. */
export type PooledEnvironment = Pick<
  Environment,
  'state' | 'initializationType' | 'start' | 'invoke' | 'destroy' | 'freeze'
>;

/** How often idle environments not yet frozen are checked while there are any. */
const FREEZE_SWEEP_MS = 5;

export interface IdleEnvironmentsOptions {
  /** On-demand environments idle this long are removed and passed to `onReap`. */
  idleTimeoutMs: number;
  /** Environments idle this long are frozen, and `undefined` turns freezing off. */
  freezeAfterMs: number | undefined;
  clock: Clock;
  onReap: (environment: PooledEnvironment) => void;
}

interface IdleEntry {
  environment: PooledEnvironment;
  since: number;
}

/**
 * The idle environments of a pool, with the two timers that act on them. Each kind is a
 * stack: `take` returns a provisioned environment first, then the most recently used
 * on-demand one, so a steady load keeps reusing the same few environments while the rest
 * age out. The bottom of the on-demand stack is therefore always the longest idle, and one
 * timer per pool, set for that environment's deadline, reaps them all.
 *
 * A second timer runs only while some idle environment is not yet frozen. It freezes each
 * environment once it has been idle for `freezeAfterMs` and its runtime waits in `/next`.
 */
export class IdleEnvironments {
  readonly #options: IdleEnvironmentsOptions;
  /** Oldest first. */
  readonly #onDemand: IdleEntry[] = [];
  readonly #provisioned: IdleEntry[] = [];
  readonly #unfrozen = new Map<PooledEnvironment, number>();
  #reapTimer: NodeJS.Timeout | undefined;
  #freezeTimer: NodeJS.Timeout | undefined;

  constructor(options: IdleEnvironmentsOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#onDemand.length + this.#provisioned.length;
  }

  add(environment: PooledEnvironment): void {
    const since = this.#options.clock();
    this.#stackOf(environment).push({ environment, since });
    this.#scheduleReap();

    const { freezeAfterMs } = this.#options;
    if (freezeAfterMs === undefined) return;
    if (freezeAfterMs === 0 && environment.freeze()) return;

    this.#unfrozen.set(environment, since);
    this.#freezeTimer ??= setInterval(() => this.#sweepFreeze(), FREEZE_SWEEP_MS).unref();
  }

  /** Removes and returns the environment to use next, or undefined when none is idle. */
  take(): PooledEnvironment | undefined {
    const entry = this.#provisioned.pop() ?? this.#onDemand.pop();
    if (entry === undefined) return undefined;

    this.#forget(entry.environment);
    return entry.environment;
  }

  /** Removes and returns the longest idle provisioned environment, if any. */
  takeProvisioned(): PooledEnvironment | undefined {
    const entry = this.#provisioned.shift();
    if (entry === undefined) return undefined;

    this.#forget(entry.environment);
    return entry.environment;
  }

  /** Removes an environment and returns false when it was not idle. */
  delete(environment: PooledEnvironment): boolean {
    const stack = this.#stackOf(environment);
    const index = stack.findIndex((entry) => entry.environment === environment);
    if (index === -1) return false;

    stack.splice(index, 1);
    this.#forget(environment);
    return true;
  }

  /** Removes and returns every idle environment, and stops both timers. */
  clear(): PooledEnvironment[] {
    const environments = [...this.#provisioned, ...this.#onDemand].map(
      (entry) => entry.environment,
    );
    this.#provisioned.length = 0;
    this.#onDemand.length = 0;
    this.#unfrozen.clear();
    clearTimeout(this.#reapTimer);
    clearInterval(this.#freezeTimer);
    this.#reapTimer = undefined;
    this.#freezeTimer = undefined;
    return environments;
  }

  #stackOf(environment: PooledEnvironment): IdleEntry[] {
    return environment.initializationType === 'provisioned-concurrency'
      ? this.#provisioned
      : this.#onDemand;
  }

  #forget(environment: PooledEnvironment): void {
    this.#unfrozen.delete(environment);
    if (this.#onDemand.length === 0) {
      clearTimeout(this.#reapTimer);
      this.#reapTimer = undefined;
    }
  }

  /** Sets the reap timer for the longest idle on-demand environment, unless one is set. */
  #scheduleReap(): void {
    const oldest = this.#onDemand[0];
    if (this.#reapTimer !== undefined || oldest === undefined) return;

    const dueInMs = oldest.since + this.#options.idleTimeoutMs - this.#options.clock();
    this.#reapTimer = setTimeout(() => this.#reap(), Math.max(0, dueInMs)).unref();
  }

  #reap(): void {
    this.#reapTimer = undefined;
    const deadline = this.#options.clock() - this.#options.idleTimeoutMs;
    for (let oldest = this.#onDemand[0]; oldest !== undefined && oldest.since <= deadline;) {
      this.#onDemand.shift();
      this.#forget(oldest.environment);
      this.#options.onReap(oldest.environment);
      oldest = this.#onDemand[0];
    }
    this.#scheduleReap();
  }

  #sweepFreeze(): void {
    const deadline = this.#options.clock() - (this.#options.freezeAfterMs ?? 0);
    for (const [environment, since] of this.#unfrozen) {
      if (since > deadline) continue;
      // An environment that died meanwhile leaves through the pool, so stop trying to freeze it.
      if (environment.freeze() || environment.state !== 'ready') {
        this.#unfrozen.delete(environment);
      }
    }
    if (this.#unfrozen.size === 0) {
      clearInterval(this.#freezeTimer);
      this.#freezeTimer = undefined;
    }
  }
}
