import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

import type { Logger } from '../log.js';
import { cpusSaturated } from './cpu-load.js';
import type { Environment, InitFailure, InvocationRequest } from './environment.js';
import type { InvocationOutcome } from './outcome.js';

type Lease = { ok: true; environment: Environment } | { ok: false; failure: InitFailure };

interface Waiter {
  since: number;
  resolve: (lease: Lease) => void;
}

/** Weight of the newest sample in the running averages of service and start-up times. */
const AVERAGE_WEIGHT = 0.2;
/** The start-up time assumed until the pool has started an environment. */
const INITIAL_START_ESTIMATE_MS = 50;
/**
 * When a new environment would mostly compete with the others for the same CPUs, a request
 * must be expected to wait this many start-up times before one starts.
 */
const CROWDED_START_FACTOR = 10;
const CPU_COUNT = availableParallelism();

/**
 * The execution environments of one function version. A request takes the most recently
 * used idle environment. When none is idle it waits, and the pool starts a new environment
 * when waiting would take longer than starting one. That is always so when no environment
 * is busy, since nothing will be released. Otherwise it is so when the queue ahead of the
 * request, served at the function's average duration by the busy environments, outlasts
 * the average start-up time, or when the oldest request has already waited that long.
 * While a new environment would mostly compete for CPU (see `#crowded`), the bar is ten
 * start-up times instead of one. Whichever environment is ready first, a new one or one
 * that finished its invocation, takes the oldest request.
 *
 * So a burst of slow invocations gets one environment each, as on Lambda, while a stream
 * of millisecond invocations is served by as many environments as keep up with it instead
 * of one per concurrent request, which would only add processes competing for the CPU.
 */
export class EnvironmentPool {
  readonly #createEnvironment: () => Environment;
  readonly #logger: Logger;
  readonly #idle: Environment[] = [];
  readonly #all = new Set<Environment>();
  readonly #waiters: Waiter[] = [];
  #starting = 0;
  #busy = 0;
  #closed = false;
  #retiring = false;
  #averageDurationMs: number | undefined;
  #averageStartMs = INITIAL_START_ESTIMATE_MS;
  #checkTimer: NodeJS.Timeout | undefined;

  constructor(createEnvironment: () => Environment, logger: Logger) {
    this.#createEnvironment = createEnvironment;
    this.#logger = logger;
  }

  async run(request: InvocationRequest): Promise<InvocationOutcome> {
    const idle = this.#idle.pop();
    if (idle !== undefined) this.#busy += 1;
    const lease: Lease = idle ? { ok: true, environment: idle } : await this.#waitForEnvironment();
    if (!lease.ok) return initFailureOutcome(lease.failure, request.requestId);

    // `#busy` counts environments handed to a request, from the hand-over (here or in
    // `#release`) to the end of the invocation, so it never dips between two requests.
    const environment = lease.environment;
    const outcome = await environment.invoke(request);
    this.#busy -= 1;
    this.#averageDurationMs = average(this.#averageDurationMs, outcome.durationMs);
    this.#release(environment);
    return outcome;
  }

  /** Called by an environment whose runtime died while it sat idle. */
  remove(environment: Environment): void {
    const index = this.#idle.indexOf(environment);
    if (index !== -1) this.#idle.splice(index, 1);
    this.#all.delete(environment);
    void environment.destroy();
  }

  /**
   * Stops the pool after a code or configuration change: idle environments stop now, busy
   * ones when their invocation ends (after serving requests already waiting here).
   */
  retire(): void {
    this.#retiring = true;
    for (const environment of this.#idle.splice(0)) this.#discard(environment);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#checkTimer);
    const environments = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(environments.map((environment) => environment.destroy()));
  }

  #waitForEnvironment(): Promise<Lease> {
    const lease = new Promise<Lease>((resolve) => {
      this.#waiters.push({ since: performance.now(), resolve });
    });
    this.#scale();
    this.#checkTimer ??= setInterval(
      () => this.#scale(),
      Math.max(2, this.#averageStartMs / 2),
    ).unref();
    return lease;
  }

  /** Starts environments for waiting requests by the rule in the class comment. */
  #scale(): void {
    if (this.#waiters.length === 0) {
      clearInterval(this.#checkTimer);
      this.#checkTimer = undefined;
      return;
    }
    while (!this.#closed && this.#starting < this.#waiters.length && this.#startPaysOff()) {
      this.#startEnvironment();
    }
  }

  #startPaysOff(): boolean {
    if (this.#busy === 0 || this.#averageDurationMs === undefined) return true;

    const uncovered = this.#waiters.length - this.#starting;
    const expectedWaitMs = (uncovered / this.#busy) * this.#averageDurationMs;
    const oldest = this.#waiters[this.#starting];
    const waitedMs = oldest === undefined ? 0 : performance.now() - oldest.since;
    const threshold = this.#averageStartMs * (this.#crowded() ? CROWDED_START_FACTOR : 1);
    return Math.max(expectedWaitMs, waitedMs) > threshold;
  }

  /**
   * True when another environment would mostly compete for CPU: every CPU is busy, or the
   * function already has two environments per CPU. A function that waits on I/O still
   * scales past that, since its expected wait (many times its long duration) clears the
   * higher bar; a fast one under load does not, whatever its measured duration, which
   * itself grows with contention.
   */
  #crowded(): boolean {
    return cpusSaturated() || this.#busy + this.#starting >= 2 * CPU_COUNT;
  }

  #startEnvironment(): void {
    this.#starting += 1;
    const startedAt = performance.now();
    const environment = this.#createEnvironment();
    this.#all.add(environment);
    environment.start().then(
      (result) => {
        this.#starting -= 1;
        if (result.ok) {
          this.#averageStartMs = average(this.#averageStartMs, performance.now() - startedAt);
          this.#release(environment);
        } else {
          this.#discard(environment);
          this.#handOut({ ok: false, failure: result.failure });
        }
      },
      (error: unknown) => {
        this.#starting -= 1;
        this.#discard(environment);
        this.#logger.error({ err: error }, 'environment failed to start');
        this.#handOut({
          ok: false,
          failure: {
            errorType: 'Runtime.Unknown',
            body: undefined,
            message: error instanceof Error ? error.message : String(error),
            initDurationMs: 0,
            logLines: [],
          },
        });
      },
    );
  }

  #release(environment: Environment): void {
    if (this.#closed || environment.state !== 'ready') {
      this.#discard(environment);
      // A waiter may have counted on this environment.
      this.#scale();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#busy += 1;
      waiter.resolve({ ok: true, environment });
    } else if (this.#retiring) {
      this.#discard(environment);
    } else {
      this.#idle.push(environment);
    }
  }

  #handOut(lease: Lease): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve(lease);
    } else if (!lease.ok) {
      this.#logger.warn(
        { errorType: lease.failure.errorType },
        'init failed with no invocation waiting',
      );
    }
  }

  #discard(environment: Environment): void {
    this.#all.delete(environment);
    void environment.destroy();
  }
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + AVERAGE_WEIGHT * (sample - previous);
}

/** Builds the caller's outcome of a failed Init: the runtime's own error body, or Lambda's message. */
export function initFailureOutcome(failure: InitFailure, requestId: string): InvocationOutcome {
  const payload =
    failure.body ??
    Buffer.from(
      JSON.stringify({
        errorType: failure.errorType,
        errorMessage: `RequestId: ${requestId} Error: ${failure.message}`,
      }),
    );
  return {
    kind: 'init-error',
    payload,
    contentType: 'application/json',
    errorType: failure.errorType,
    durationMs: 0,
    initDurationMs: failure.initDurationMs,
    maxMemoryUsedMb: 0,
    preambleLines: failure.logLines,
    logLines: [],
    platformLines: [],
    trailingLines: [],
  };
}
