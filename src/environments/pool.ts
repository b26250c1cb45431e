import { availableParallelism } from 'node:os';

import type { Logger } from '../log.js';
import { cpusSaturated } from './cpu-load.js';
import type { InitFailure, InvocationRequest } from './environment.js';
import { IdleEnvironments, type PooledEnvironment } from './idle-environments.js';
import type { InvocationOutcome } from './outcome.js';
import type { ReleaseSlot, StartSlots } from './start-slots.js';
import { monotonicClock, type Clock, type TokenBucket } from './token-bucket.js';
import type { InitializationType } from './variables.js';

type Lease = { ok: true; environment: PooledEnvironment } | { ok: false; failure: InitFailure };

interface Waiter {
  since: number;
  resolve: (lease: Lease) => void;
}

/** Counts of a pool's provisioned environments, as GetProvisionedConcurrencyConfig reports them. */
export interface ProvisionedStatus {
  requested: number;
  /** Provisioned environments started, whether or not their Init has finished. */
  allocated: number;
  /** Provisioned environments whose Init has finished, idle or busy. */
  available: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  /** The error of the last provisioned environment that failed to start, when `status` is FAILED. */
  statusReason: string | undefined;
}

export interface EnvironmentPoolOptions {
  createEnvironment: (initializationType: InitializationType) => PooledEnvironment;
  logger: Logger;
  /** Milliseconds an on-demand environment may stay idle before it is stopped. */
  idleTimeoutMs: number;
  /** Milliseconds an environment stays idle before its processes are stopped, or `undefined` for never. */
  freezeAfterMs: number | undefined;
  /** Lambda's limit on new environments per function, shared by the function's pools. */
  scaleUpBucket: TokenBucket;
  /** The platform's limit on environments starting at once; none when absent. */
  startSlots?: StartSlots;
  clock?: Clock;
}

interface ProvisionRequest {
  resolve: () => void;
  reject: (error: Error) => void;
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
 * The execution environments of one function version. A request takes an idle provisioned
 * environment if there is one, else the most recently used idle on-demand one. When none
 * is idle it waits, and the pool starts a new environment when waiting would take longer
 * than starting one. That is always so when no environment is busy, since nothing will be
 * released. Otherwise it is so when the queue ahead of the request, served at the
 * function's average duration by the busy environments, outlasts the average start-up
 * time, or when the oldest request has already waited that long.
 * While a new environment would mostly compete for CPU (see `#crowded`), the bar is ten
 * start-up times instead of one. Whichever environment is ready first, a new one or one
 * that finished its invocation, takes the oldest request.
 *
 * So a burst of slow invocations gets one environment each, as on Lambda, while a stream
 * of millisecond invocations is served by as many environments as keep up with it instead
 * of one per concurrent request, which would only add processes competing for the CPU.
 *
 * Starts wait for one of the platform's start slots (see `StartSlots`), so that a burst on
 * a machine with few CPUs starts environments as fast as the CPUs allow rather than all at
 * once; a start whose requests were served while it waited is dropped.
 *
 * Each on-demand start takes a token from the function's scale-up bucket. While it is
 * empty, requests keep waiting for a busy environment or the next token; none fails for
 * it. Idle on-demand environments are stopped after the idle timeout and idle environments
 * are frozen (see `IdleEnvironments`). Provisioned environments start ahead of requests,
 * take no token, are never reaped, and are replaced when they crash or time out.
 */
export class EnvironmentPool {
  readonly #options: EnvironmentPoolOptions;
  readonly #clock: Clock;
  readonly #idle: IdleEnvironments;
  readonly #all = new Set<PooledEnvironment>();
  readonly #waiters: Waiter[] = [];
  /** Environments starting, on-demand and provisioned; each will take a waiting request. */
  #starting = 0;
  #busy = 0;
  #closed = false;
  #retiring = false;
  #averageDurationMs: number | undefined;
  #averageStartMs = INITIAL_START_ESTIMATE_MS;
  #checkTimer: NodeJS.Timeout | undefined;
  #tokenTimer: NodeJS.Timeout | undefined;
  readonly #provisioned = new Set<PooledEnvironment>();
  #provisionedRequested = 0;
  #provisionedStarting = 0;
  /** Provisioned starts counted but still waiting for a start slot. */
  #provisionedAwaitingSlot = 0;
  #provisionFailure: string | undefined;
  #provisionRequests: ProvisionRequest[] = [];

  constructor(options: EnvironmentPoolOptions) {
    this.#options = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#idle = new IdleEnvironments({
      idleTimeoutMs: options.idleTimeoutMs,
      freezeAfterMs: options.freezeAfterMs,
      clock: this.#clock,
      onReap: (environment) => this.#discard(environment),
    });
  }

  /** Environments handed to a request right now: the pool's concurrent executions. */
  get concurrentExecutions(): number {
    return this.#busy;
  }

  /** Environments that exist: starting, idle or busy. */
  get environmentCount(): number {
    return this.#all.size;
  }

  async run(request: InvocationRequest): Promise<InvocationOutcome> {
    const idle = this.#idle.take();
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

  /**
   * Sets how many provisioned environments the pool keeps, starting or stopping the
   * difference. Busy ones above the new count stop when their invocation ends. Resolves
   * when no provisioned environment is still starting, or rejects with the error of the
   * last one that failed to start. A failed start is not retried until the next call.
   */
  provision(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`provisioned environment count ${count} is not a whole number >= 0`);
    }
    this.#provisionedRequested = count;
    this.#provisionFailure = undefined;
    while (this.#provisioned.size > count) {
      const environment = this.#idle.takeProvisioned();
      if (environment === undefined) break;
      this.#discard(environment);
    }
    this.#startMissingProvisioned();

    const done = new Promise<void>((resolve, reject) => {
      this.#provisionRequests.push({ resolve, reject });
    });
    this.#settleProvisionRequests();
    return done;
  }

  provisionedStatus(): ProvisionedStatus {
    let available = 0;
    for (const environment of this.#provisioned) {
      if (environment.state === 'ready' || environment.state === 'busy') available += 1;
    }
    const requested = this.#provisionedRequested;
    let status: ProvisionedStatus['status'] = 'IN_PROGRESS';
    if (this.#provisionFailure !== undefined) status = 'FAILED';
    else if (available === requested && this.#provisioned.size === requested) status = 'READY';
    return {
      requested,
      allocated: this.#provisioned.size,
      available,
      status,
      statusReason: this.#provisionFailure,
    };
  }

  /** Called by an environment whose runtime died while it sat idle. */
  remove(environment: PooledEnvironment): void {
    const provisioned = this.#provisioned.has(environment);
    this.#idle.delete(environment);
    this.#discard(environment);
    if (provisioned) this.#startMissingProvisioned();
  }

  /**
   * Stops the pool after a code or configuration change: idle environments stop now, busy
   * ones when their invocation ends (after serving requests already waiting here).
   */
  retire(): void {
    this.#retiring = true;
    for (const environment of this.#idle.clear()) this.#discard(environment);
    this.#settleProvisionRequests();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#checkTimer);
    clearTimeout(this.#tokenTimer);
    this.#idle.clear();
    const environments = [...this.#all];
    this.#all.clear();
    this.#provisioned.clear();
    this.#settleProvisionRequests();
    await Promise.all(environments.map((environment) => environment.destroy()));
  }

  #waitForEnvironment(): Promise<Lease> {
    const lease = new Promise<Lease>((resolve) => {
      this.#waiters.push({ since: this.#clock(), resolve });
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
      if (!this.#options.scaleUpBucket.tryTake()) {
        this.#scaleWhenTokenArrives();
        return;
      }
      this.#startEnvironment('on-demand');
    }
  }

  #scaleWhenTokenArrives(): void {
    if (this.#tokenTimer !== undefined) return;

    const delayMs = Math.max(1, this.#options.scaleUpBucket.msUntilToken());
    this.#tokenTimer = setTimeout(() => {
      this.#tokenTimer = undefined;
      this.#scale();
    }, delayMs).unref();
  }

  #startPaysOff(): boolean {
    if (this.#busy === 0 || this.#averageDurationMs === undefined) return true;

    const uncovered = this.#waiters.length - this.#starting;
    const expectedWaitMs = (uncovered / this.#busy) * this.#averageDurationMs;
    const oldest = this.#waiters[this.#starting];
    const waitedMs = oldest === undefined ? 0 : this.#clock() - oldest.since;
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

  #startMissingProvisioned(): void {
    if (this.#closed || this.#retiring || this.#provisionFailure !== undefined) return;

    while (this.#provisioned.size + this.#provisionedAwaitingSlot < this.#provisionedRequested) {
      this.#startEnvironment('provisioned-concurrency');
    }
  }

  /**
   * Counts a start at once and begins it when the platform has a start slot free. An
   * on-demand start whose slot comes after the waiting requests were served by other
   * environments is dropped, and its scale-up token given back.
   */
  #startEnvironment(initializationType: InitializationType): void {
    const provisioned = initializationType === 'provisioned-concurrency';
    this.#starting += 1;
    if (provisioned) this.#provisionedStarting += 1;
    const slots = this.#options.startSlots;
    if (slots === undefined) {
      this.#beginStart(initializationType, () => undefined);
      return;
    }
    if (provisioned) this.#provisionedAwaitingSlot += 1;
    void slots.acquire().then((releaseSlot) => {
      if (provisioned) this.#provisionedAwaitingSlot -= 1;
      const unneeded = provisioned
        ? this.#provisioned.size >= this.#provisionedRequested
        : this.#starting > this.#waiters.length;
      if (this.#closed || unneeded) {
        this.#starting -= 1;
        releaseSlot();
        if (provisioned) {
          this.#provisionedStarting -= 1;
          this.#settleProvisionRequests();
        } else {
          this.#options.scaleUpBucket.giveBack();
        }
        return;
      }
      this.#beginStart(initializationType, releaseSlot);
    });
  }

  #beginStart(initializationType: InitializationType, releaseSlot: ReleaseSlot): void {
    const provisioned = initializationType === 'provisioned-concurrency';
    const startedAt = this.#clock();
    const environment = this.#options.createEnvironment(initializationType);
    this.#all.add(environment);
    if (provisioned) this.#provisioned.add(environment);

    const finish = () => {
      releaseSlot();
      this.#starting -= 1;
      if (provisioned) this.#provisionedStarting -= 1;
    };
    environment.start().then(
      (result) => {
        finish();
        if (result.ok) {
          this.#averageStartMs = average(this.#averageStartMs, this.#clock() - startedAt);
          this.#release(environment);
        } else {
          this.#failStart(environment, result.failure);
        }
        this.#settleProvisionRequests();
      },
      (error: unknown) => {
        finish();
        this.#options.logger.error({ err: error }, 'environment failed to start');
        this.#failStart(environment, {
          errorType: 'Runtime.Unknown',
          body: undefined,
          message: error instanceof Error ? error.message : String(error),
          initDurationMs: 0,
          logLines: [],
        });
        this.#settleProvisionRequests();
      },
    );
  }

  /**
   * A failed on-demand start is the oldest waiting request's outcome. A failed provisioned
   * start marks the provisioned count FAILED, and the requests it would have served get
   * on-demand environments instead.
   */
  #failStart(environment: PooledEnvironment, failure: InitFailure): void {
    const provisioned = this.#provisioned.has(environment);
    this.#discard(environment);
    if (!provisioned) {
      this.#handOut({ ok: false, failure });
      return;
    }
    this.#provisionFailure = `${failure.errorType}: ${failure.message || 'init failed'}`;
    this.#options.logger.error(
      { errorType: failure.errorType, logLines: failure.logLines },
      'provisioned environment failed to start',
    );
    this.#scale();
  }

  #release(environment: PooledEnvironment): void {
    const provisioned = this.#provisioned.has(environment);
    if (this.#closed || environment.state !== 'ready') {
      this.#discard(environment);
      // A crashed or timed-out provisioned environment is replaced, to keep the requested
      // count allocated.
      if (provisioned) this.#startMissingProvisioned();
      // A waiter may have counted on this environment.
      this.#scale();
      return;
    }
    if (provisioned && this.#provisioned.size > this.#provisionedRequested) {
      this.#discard(environment);
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
      this.#idle.add(environment);
    }
  }

  #handOut(lease: Lease): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve(lease);
    } else if (!lease.ok) {
      this.#options.logger.warn(
        { errorType: lease.failure.errorType },
        'init failed with no invocation waiting',
      );
    }
  }

  #discard(environment: PooledEnvironment): void {
    this.#all.delete(environment);
    this.#provisioned.delete(environment);
    void environment.destroy();
  }

  /** Settles `provision` calls once no provisioned environment is starting. */
  #settleProvisionRequests(): void {
    if (this.#provisionedStarting > 0 && !this.#closed && !this.#retiring) return;

    const requests = this.#provisionRequests;
    this.#provisionRequests = [];
    const failure = this.#provisionFailure;
    for (const request of requests) {
      if (failure === undefined) request.resolve();
      else request.reject(new Error(`provisioned environment failed to start: ${failure}`));
    }
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
