import { randomFillSync, randomUUID } from 'node:crypto';

import type { EnvironmentManager } from '../environments/manager.js';
import { isFunctionError, type InvocationOutcome } from '../environments/outcome.js';
import { functionArn, type AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import { functionNotFound, type FunctionRegistry } from '../functions/registry.js';
import type { Logger } from '../log.js';
import type { InvocationMetrics } from '../metering/metrics.js';
import type { NewAsyncEvent } from '../state/async-events.js';
import type { InvocationRecord, StateStore } from '../state/store.js';
import { THROTTLED_OUTCOME } from '../metering/usage.js';
import { isThrottle, throttleError, type ConcurrencyLimits } from './concurrency.js';
import { billedDurationMs, invocationLog, tailLog } from './log-lines.js';

export interface InvokeOptions {
  /** `$LATEST` when absent; the ARN handed to the runtime is then unqualified. */
  qualifier: string | undefined;
  /** Return the last 4 KB of the log, as `LogType: Tail` requests. */
  tailLog: boolean;
  /** The decoded JSON text of the caller's client context. */
  clientContext: string | undefined;
  /** The cause of the invocation (`api`, `cli`, later the trigger), for metering. */
  source: string;
  /** The id an asynchronous event was accepted under; a new one when absent. */
  requestId?: string;
}

export interface EnqueueOptions {
  /** `$LATEST` when absent. */
  qualifier: string | undefined;
  /** The cause of the invocation (`api`, `destination`, later the trigger). */
  source: string;
  /**
   * Writes the accepted event in place of the queue's own insert, so that a caller can
   * commit it in one transaction with its own state (a schedule's last fire time).
   */
  write?: (event: NewAsyncEvent) => void;
}

export interface InvokeResult {
  requestId: string;
  payload: Buffer;
  contentType: string;
  /** `Unhandled` for every function error, timeout or crash, as current Lambda reports them. */
  functionError: 'Unhandled' | undefined;
  executedVersion: string;
  /** Base64 of the log's last 4 KB, when asked for. */
  logResult: string | undefined;
  /** The invocation's log, START to REPORT. */
  log: string;
  outcome: InvocationOutcome;
}

export interface InvokerOptions {
  registry: FunctionRegistry;
  environments: EnvironmentManager;
  store: StateStore;
  account: AccountContext;
  limits: ConcurrencyLimits;
  /** Prometheus metrics, updated with every record the invoker writes. */
  metrics: InvocationMetrics;
  logger: Logger;
}

/**
 * The one way to run a function: every front door and trigger calls `invoke`. It resolves
 * the function and its qualifier, admits the invocation under the concurrency limits (or
 * throws Lambda's 429), takes an environment from the version's pool, and records the log
 * and the metering of the invocation.
 */
export class Invoker {
  readonly #options: InvokerOptions;
  #enqueueListener: (() => void) | undefined;
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: InvokerOptions) {
    this.#options = options;
  }

  /** The metrics of every invocation this invoker ran or throttled. */
  get metrics(): InvocationMetrics {
    return this.#options.metrics;
  }

  /**
   * Resolves a function name and qualifier (version number, alias or `$LATEST`) to the
   * version it runs, throwing ResourceNotFoundException as Lambda does.
   */
  resolve(functionName: string, qualifier: string | undefined): FunctionConfig {
    const resolved = this.#options.registry.resolve(functionName, qualifier);
    if (resolved === undefined) {
      throw functionNotFound(
        functionArn(this.#options.account, functionName, qualifier ?? '$LATEST'),
        this.#options.registry.findInvalid(functionName),
      );
    }
    return resolved.config;
  }

  /** Returns every function's `$LATEST` configuration. */
  functions(): FunctionConfig[] {
    return this.#options.registry.list();
  }

  /** Returns the function's reserved concurrency, or undefined when it has none. */
  reservedConcurrency(functionName: string): number | undefined {
    return this.#options.limits.reserved(functionName);
  }

  /**
   * Accepts an event for asynchronous invocation: checks that the function exists, writes
   * the event to the queue in the state store, committed before this returns, and returns
   * the request id the event will run under.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- an implementation that hands events to another machine will await; callers already do.
  async enqueue(functionName: string, payload: Buffer, options: EnqueueOptions): Promise<string> {
    this.resolve(functionName, options.qualifier);
    const requestId = randomUUID();
    const nowMs = Date.now();
    const event: NewAsyncEvent = {
      requestId,
      functionName,
      qualifier: options.qualifier,
      source: options.source,
      payload,
      enqueuedAtMs: nowMs,
      dueAtMs: nowMs,
    };
    if (options.write === undefined) this.#options.store.asyncEvents.enqueue(event);
    else options.write(event);
    this.#enqueueListener?.();
    return requestId;
  }

  /** The number of invocations that have an environment or wait for one. */
  get running(): number {
    return this.#running;
  }

  /** Resolves once no invocation runs and every finished one is recorded. */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #wakeIdleWaiters(): void {
    if (this.#running !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Sets the function called after each accepted event; the async dispatcher wakes on it. */
  onEnqueue(listener: () => void): void {
    this.#enqueueListener = listener;
  }

  async invoke(
    functionName: string,
    payload: Buffer,
    options: InvokeOptions,
  ): Promise<InvokeResult> {
    const config = this.resolve(functionName, options.qualifier);
    const requestId = options.requestId ?? randomUUID();
    const startedAtMs = Date.now();

    const { limits } = this.#options;
    const admission = limits.tryAcquire(config.functionName, options.qualifier);
    if (isThrottle(admission)) {
      this.#recordThrottle(config, requestId, startedAtMs, options.source);
      throw throttleError(admission);
    }
    let outcome: InvocationOutcome;
    this.#running += 1;
    try {
      outcome = await this.#options.environments.poolFor(config).run({
        requestId,
        payload,
        invokedFunctionArn: functionArn(this.#options.account, functionName, options.qualifier),
        traceId: newTraceId(startedAtMs),
        clientContext: options.clientContext,
      });
    } finally {
      limits.release(config.functionName, admission);
      this.#running -= 1;
      // Runs after the record below is written, or after the error reached the caller.
      if (this.#running === 0) queueMicrotask(() => this.#wakeIdleWaiters());
    }

    const context = { requestId, version: config.version, memorySizeMb: config.memorySizeMb };
    const log = invocationLog(context, outcome);
    this.#record(config, requestId, startedAtMs, options.source, outcome, log);
    return {
      requestId,
      payload: outcome.payload,
      contentType: outcome.contentType,
      functionError: isFunctionError(outcome.kind) ? 'Unhandled' : undefined,
      executedVersion: config.version,
      logResult: options.tailLog ? tailLog(log) : undefined,
      log,
      outcome,
    };
  }

  /** A throttled invocation is metered (it counts as a throttle) but never billed. */
  #recordThrottle(
    config: FunctionConfig,
    requestId: string,
    startedAtMs: number,
    source: string,
  ): void {
    this.#save({
      requestId,
      functionName: config.functionName,
      version: config.version,
      source,
      startedAtMs,
      durationMs: 0,
      billedDurationMs: 0,
      memorySizeMb: config.memorySizeMb,
      architecture: config.architecture,
      maxMemoryUsedMb: 0,
      initDurationMs: undefined,
      outcome: THROTTLED_OUTCOME,
      errorType: 'TooManyRequestsException',
      log: '',
    });
  }

  #record(
    config: FunctionConfig,
    requestId: string,
    startedAtMs: number,
    source: string,
    outcome: InvocationOutcome,
    log: string,
  ): void {
    this.#save({
      requestId,
      functionName: config.functionName,
      version: config.version,
      source,
      startedAtMs,
      durationMs: outcome.durationMs,
      billedDurationMs: billedDurationMs(outcome.durationMs, outcome.initDurationMs),
      memorySizeMb: config.memorySizeMb,
      architecture: config.architecture,
      maxMemoryUsedMb: outcome.maxMemoryUsedMb,
      initDurationMs: outcome.initDurationMs,
      outcome: outcome.kind,
      errorType: outcome.errorType,
      log,
    });
    if (outcome.kind !== 'success') {
      this.#options.logger.info(
        {
          requestId,
          functionName: config.functionName,
          outcome: outcome.kind,
          errorType: outcome.errorType,
        },
        'invocation failed',
      );
    }
  }

  /** Writes a record to the state store and counts it in the metrics. */
  #save(record: InvocationRecord): void {
    this.#options.store.recordInvocation(record);
    this.#options.metrics.observe(record);
  }
}

const TRACE_ENTROPY_BYTES = 12 + 8;
const traceEntropy = Buffer.alloc(TRACE_ENTROPY_BYTES * 256);
let traceEntropyOffset = traceEntropy.length;

/** Makes an X-Ray trace header: `Root=1-<epoch seconds hex>-<24 hex>;Parent=<16 hex>;Sampled=0`. */
function newTraceId(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  // One call to the kernel's random source serves 256 trace ids.
  if (traceEntropyOffset === traceEntropy.length) {
    randomFillSync(traceEntropy);
    traceEntropyOffset = 0;
  }
  const start = traceEntropyOffset;
  traceEntropyOffset += TRACE_ENTROPY_BYTES;
  const root = traceEntropy.toString('hex', start, start + 12);
  const parent = traceEntropy.toString('hex', start + 12, start + TRACE_ENTROPY_BYTES);
  return `Root=1-${epoch}-${root};Parent=${parent};Sampled=0`;
}
