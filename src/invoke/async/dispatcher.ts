import { randomUUID } from 'node:crypto';

import { errorMessage, LambdaCraftError } from '../../errors.js';
import { functionArn, type AccountContext } from '../../functions/arn.js';
import type { Logger } from '../../log.js';
import type { AsyncEvent, AsyncEventTable, NewAsyncEvent } from '../../state/async-events.js';
import type { InvokeOptions, InvokeResult } from '../invoker.js';
import {
  destinationRecord,
  type AttemptResponse,
  type DestinationCondition,
} from './destination-record.js';
import { destinationFunction } from './event-invoke-config.js';
import {
  afterFunctionError,
  afterThrottle,
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  type RetryDecision,
  type RetryLimits,
} from './retry-policy.js';

/** The part of the Invoker that the dispatcher calls. */
export interface AsyncInvoker {
  invoke(functionName: string, payload: Buffer, options: InvokeOptions): Promise<InvokeResult>;
  resolve(functionName: string, qualifier: string | undefined): unknown;
  reservedConcurrency?(functionName: string): number | undefined;
  onEnqueue(listener: () => void): void;
}

export interface AsyncDispatcherOptions {
  invoker: AsyncInvoker;
  events: AsyncEventTable;
  account: AccountContext;
  logger: Logger;
  /** Factor on every retry delay and on the maximum event age; 1 is Lambda's pace. */
  timeScale: number;
  /** Events running at once over all functions (default 100). */
  maxRunningEvents?: number;
  /** Events of one function running at once (default 50); a reserved concurrency lowers it. */
  maxRunningEventsPerFunction?: number;
}

const DEFAULT_MAX_RUNNING_EVENTS = 100;
const DEFAULT_MAX_RUNNING_EVENTS_PER_FUNCTION = 50;
/** How long `close` waits for running events, which end once the environments stop. */
const CLOSE_GRACE_MS = 5000;
/** The Reason of the 429 that a reserved concurrency of 0 causes. */
const ZERO_RESERVED_REASON = 'ReservedFunctionConcurrentInvocationLimitExceeded';

/**
 * Runs queued asynchronous events through the Invoker, with Lambda's retries, maximum event
 * age and destinations. Events run concurrently up to a global bound and a bound per
 * function. So a slow function leaves room for the others, and a burst waits in the queue
 * instead of starting an environment per event. The Invoker's concurrency limits apply on
 * top: what exceeds them is throttled, and the dispatcher retries it with back-off.
 *
 * Each event is leased in the table while it runs. A finished event is deleted in the same
 * transaction that queues its destination record. Leases left by a process that died are
 * released at start, so such events run again: delivery is at least once.
 */
export class AsyncDispatcher {
  readonly #options: AsyncDispatcherOptions;
  /** The lease owner, `<process id>/<uuid>`, so a later process can check whether it died. */
  readonly #owner = `${process.pid}/${randomUUID()}`;
  readonly #runningByFunction = new Map<string, number>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #maxRunning: number;
  readonly #maxRunningPerFunction: number;
  #wakePending = false;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  /** Set once the store may be closed: late results are then left for the next start. */
  #stopped = false;

  constructor(options: AsyncDispatcherOptions) {
    this.#options = options;
    this.#maxRunning = options.maxRunningEvents ?? DEFAULT_MAX_RUNNING_EVENTS;
    this.#maxRunningPerFunction =
      options.maxRunningEventsPerFunction ?? DEFAULT_MAX_RUNNING_EVENTS_PER_FUNCTION;
  }

  /** Resumes the events a previous process left, then runs events as they become due. */
  start(): void {
    const { events, logger, invoker } = this.#options;
    let resumed = 0;
    for (const owner of events.leaseOwners()) {
      if (!isRunning(owner)) resumed += events.releaseOwner(owner);
    }
    const queued = events.count();
    if (resumed > 0) {
      logger.warn({ events: resumed }, 'async events cut off by a stop will run again');
    }
    if (queued > 0) logger.info({ events: queued }, 'async events waiting in the queue');
    invoker.onEnqueue(() => this.#wake());
    this.#wake();
  }

  /** The number of events running now. */
  get running(): number {
    return this.#tasks.size;
  }

  /** Stops taking events from the queue; running events go on. */
  stopTaking(): void {
    this.#closing = true;
    clearTimeout(this.#timer);
  }

  /**
   * Stops taking events and waits a short while for running ones, which end at once when
   * the environments stop. An event still running after that is left leased, and the next
   * start runs it again.
   */
  async close(): Promise<void> {
    this.stopTaking();
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    await Promise.race([Promise.allSettled([...this.#tasks]), grace]);
    clearTimeout(graceTimer);
    this.#stopped = true;
  }

  #wake(): void {
    if (this.#closing || this.#wakePending) return;

    this.#wakePending = true;
    setImmediate(() => {
      this.#wakePending = false;
      this.#pump();
    });
  }

  /** Starts every due event there is room for, then sets a timer for the next due one. */
  #pump(): void {
    if (this.#closing) return;

    const { events } = this.#options;
    while (this.#tasks.size < this.#maxRunning) {
      const event = events.claim(this.#owner, Date.now(), this.#fullFunctions());
      if (event === undefined) break;
      this.#start(event);
    }

    // Due events that found no room start when a running one ends; only later ones need
    // a timer.
    const nowMs = Date.now();
    const nextDueMs = events.nextDueMs(nowMs);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (nextDueMs !== undefined) {
      this.#timer = setTimeout(() => this.#wake(), nextDueMs - nowMs);
      this.#timer.unref();
    }
  }

  /** Lists the functions that have as many events running as their bound allows. */
  #fullFunctions(): string[] {
    const full: string[] = [];
    for (const [functionName, running] of this.#runningByFunction) {
      if (running >= this.#functionLimit(functionName)) full.push(functionName);
    }
    return full;
  }

  /**
   * The bound per function, lowered to its reserved concurrency. A function with reserved
   * concurrency 0 still gets one slot, so its events reach the on-failure destination.
   */
  #functionLimit(functionName: string): number {
    const reserved = this.#options.invoker.reservedConcurrency?.(functionName);
    return Math.max(1, Math.min(this.#maxRunningPerFunction, reserved ?? Infinity));
  }

  #start(event: AsyncEvent): void {
    const { functionName } = event;
    this.#runningByFunction.set(functionName, (this.#runningByFunction.get(functionName) ?? 0) + 1);
    const task = this.#run(event)
      .catch((error: unknown) => {
        this.#options.logger.error(
          { err: error, requestId: event.requestId, functionName },
          'async event failed in the dispatcher; it runs again at the next start',
        );
      })
      .finally(() => {
        this.#tasks.delete(task);
        const running = (this.#runningByFunction.get(functionName) ?? 1) - 1;
        if (running === 0) this.#runningByFunction.delete(functionName);
        else this.#runningByFunction.set(functionName, running);
        this.#wake();
      });
    this.#tasks.add(task);
  }

  async #run(event: AsyncEvent): Promise<void> {
    const limits = this.#retryLimits(event);
    const lastResponse = parseResponse(event.lastResponse);

    // 1. An event that waited past its maximum age, or that can never run, ends here.
    if (Date.now() - event.enqueuedAtMs > limits.maximumEventAgeMs) {
      this.#finish(event, 'EventAgeExceeded', event.attempts, lastResponse);
      return;
    }
    if (this.#options.invoker.reservedConcurrency?.(event.functionName) === 0) {
      this.#finish(event, 'ZeroReservedConcurrency', 0, undefined);
      return;
    }

    // 2. Run the function under the event's request id.
    let result: InvokeResult;
    try {
      result = await this.#options.invoker.invoke(event.functionName, event.payload, {
        qualifier: event.qualifier,
        tailLog: false,
        clientContext: undefined,
        source: event.source,
        requestId: event.requestId,
      });
    } catch (error) {
      this.#afterInvokeError(event, error, limits);
      return;
    }

    // 3. Record the outcome: done, or back in the queue for a retry.
    if (this.#stopped) return;
    const response: AttemptResponse = {
      executedVersion: result.executedVersion,
      functionError: result.functionError,
      payload: result.payload.toString('utf8'),
    };
    const attempts = event.attempts + 1;
    if (result.functionError === undefined) {
      this.#finish(event, 'Success', attempts, response);
      return;
    }
    if (this.#closing) {
      // The platform stopped the environment under this attempt; it does not count.
      this.#options.events.release(event.requestId);
      return;
    }
    const decision = afterFunctionError(attempts, Date.now() - event.enqueuedAtMs, limits);
    this.#apply(event, decision, { ...event, attempts, lastResponse: JSON.stringify(response) });
  }

  /** Handles an invocation that did not run: a throttle, a service error or a lost function. */
  #afterInvokeError(event: AsyncEvent, error: unknown, limits: RetryLimits): void {
    if (this.#stopped) return;
    if (this.#closing) {
      this.#options.events.release(event.requestId);
      return;
    }

    const { logger } = this.#options;
    const context = { requestId: event.requestId, functionName: event.functionName };
    const platformError = error instanceof LambdaCraftError ? error : undefined;
    if (platformError?.code === 'TooManyRequestsException') {
      if (
        platformError.details.Reason === ZERO_RESERVED_REASON &&
        this.#options.invoker.reservedConcurrency?.(event.functionName) === 0
      ) {
        this.#finish(event, 'ZeroReservedConcurrency', 0, undefined);
        return;
      }
      logger.debug({ ...context, reason: platformError.details.Reason }, 'async event throttled');
    } else if (platformError?.userFault === true) {
      // The function or its version was deleted after the event was accepted.
      logger.warn(
        { ...context, err: platformError },
        'async event dropped: its function cannot be invoked',
      );
      this.#options.events.finish(event.requestId, undefined);
      return;
    } else {
      logger.error({ ...context, err: error }, 'async event hit a service error; retrying');
    }

    const throttles = event.throttles + 1;
    const decision = afterThrottle(throttles, Date.now() - event.enqueuedAtMs, limits);
    this.#apply(event, decision, { ...event, throttles });
  }

  /** Puts the event back with its new counts, or ends it with the decision's condition. */
  #apply(event: AsyncEvent, decision: RetryDecision, updated: AsyncEvent): void {
    if (decision.action === 'give-up') {
      const response = parseResponse(updated.lastResponse);
      this.#finish(event, decision.condition, updated.attempts, response);
      return;
    }

    this.#options.logger.info(
      {
        requestId: event.requestId,
        functionName: event.functionName,
        attempts: updated.attempts,
        delayMs: Math.round(decision.delayMs),
      },
      'async event retry scheduled',
    );
    this.#options.events.retry(event.requestId, {
      dueAtMs: Date.now() + decision.delayMs,
      attempts: updated.attempts,
      throttles: updated.throttles,
      lastResponse: updated.lastResponse,
    });
  }

  /**
   * Deletes a finished event and, in the same transaction, queues the invocation record for
   * the destination its config names for this condition.
   */
  #finish(
    event: AsyncEvent,
    condition: DestinationCondition,
    approximateInvokeCount: number,
    response: AttemptResponse | undefined,
  ): void {
    const { events, logger, account } = this.#options;
    const qualifier = event.qualifier ?? '$LATEST';
    const context = { requestId: event.requestId, functionName: event.functionName, condition };
    if (condition !== 'Success') {
      logger.warn({ ...context, approximateInvokeCount }, 'async event failed for good');
    }

    const config = events.findConfig(event.functionName, qualifier);
    const destinationArn = condition === 'Success' ? config?.onSuccess : config?.onFailure;
    if (destinationArn === undefined || destinationArn === '') {
      events.finish(event.requestId, undefined);
      return;
    }

    const record = destinationRecord({
      requestId: event.requestId,
      functionArn: functionArn(account, event.functionName, qualifier),
      condition,
      approximateInvokeCount,
      requestPayload: event.payload,
      response,
      timestampMs: Date.now(),
    });
    const delivery = this.#destinationEvent(destinationArn, record);
    if (delivery === undefined) {
      logger.warn(
        { ...context, destination: destinationArn },
        'destination function not found; the invocation record is dropped',
      );
    }
    events.finish(event.requestId, delivery);
    if (delivery !== undefined) this.#wake();
  }

  /** The event that invokes a destination function, or undefined when it does not exist. */
  #destinationEvent(
    destinationArn: string,
    record: Record<string, unknown>,
  ): NewAsyncEvent | undefined {
    const destination = destinationFunction(destinationArn, this.#options.account);
    if (destination === undefined) return undefined;
    try {
      this.#options.invoker.resolve(destination.functionName, destination.qualifier);
    } catch {
      return undefined;
    }

    const nowMs = Date.now();
    return {
      requestId: randomUUID(),
      functionName: destination.functionName,
      qualifier: destination.qualifier,
      source: 'destination',
      payload: Buffer.from(JSON.stringify(record)),
      enqueuedAtMs: nowMs,
      dueAtMs: nowMs,
    };
  }

  #retryLimits(event: AsyncEvent): RetryLimits {
    const config = this.#options.events.findConfig(
      event.functionName,
      event.qualifier ?? '$LATEST',
    );
    const { timeScale } = this.#options;
    const maximumEventAgeSeconds =
      config?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS;
    return {
      maximumRetryAttempts: config?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      maximumEventAgeMs: maximumEventAgeSeconds * 1000 * timeScale,
      timeScale,
    };
  }
}

function parseResponse(text: string | undefined): AttemptResponse | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as AttemptResponse;
  } catch (error) {
    throw new Error(`stored attempt response is not JSON: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/**
 * Tells whether the dispatcher that owns a lease may still run it: its process is alive and
 * is not this one, whose earlier dispatchers have closed. A reused process id keeps the
 * leases until that process ends.
 */
function isRunning(owner: string): boolean {
  const pid = Number(owner.split('/')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
