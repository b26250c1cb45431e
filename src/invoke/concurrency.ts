import os from 'node:os';

import { LambdaCraftError } from '../errors.js';

/** Lambda's default account limit on concurrent executions in a region. */
export const LAMBDA_ACCOUNT_LIMIT = 1000;
/** Lambda keeps this many executions unreserved for functions without a reservation. */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
/**
 * Memory counted per execution when the default limit is derived from the machine. An idle
 * Python environment takes about 12 MB (the scaling benchmark's RSS) and a small busy one
 * about 20 MB (an estimate), so at 24 MB each the default limit fits in memory.
 */
const MEMORY_PER_EXECUTION_BYTES = 24 * 1024 * 1024;

/**
 * Returns the default account limit: Lambda's 1,000, lowered on a machine whose memory could
 * not hold that many small environments.
 */
export function defaultAccountLimit(totalMemoryBytes = os.totalmem()): number {
  return Math.max(
    1,
    Math.min(LAMBDA_ACCOUNT_LIMIT, Math.floor(totalMemoryBytes / MEMORY_PER_EXECUTION_BYTES)),
  );
}

/**
 * Returns the unreserved minimum: Lambda's 100 at its default limit of 1,000. A lower limit
 * keeps the same tenth, so that a small machine can still reserve concurrency.
 */
export function unreservedMinimum(accountLimit: number): number {
  return Math.min(LAMBDA_UNRESERVED_MINIMUM, Math.ceil(accountLimit / 10));
}

export type ThrottleReason =
  'ConcurrentInvocationLimitExceeded' | 'ReservedFunctionConcurrentInvocationLimitExceeded';

/**
 * Lambda's concurrency accounting. A function with reserved concurrency runs at most that
 * many invocations at once, and that many are kept for it. Every other function shares what
 * the reservations leave of the account limit. An invocation counts from the moment it is
 * admitted until it ends, whether it waits for an environment or runs in one.
 */
export class ConcurrencyLimits {
  readonly accountLimit: number;
  readonly unreservedMinimum: number;
  readonly #reserved = new Map<string, number>();
  readonly #running = new Map<string, number>();
  #reservedTotal = 0;
  #unreservedRunning = 0;

  constructor(accountLimit = defaultAccountLimit()) {
    if (!Number.isInteger(accountLimit) || accountLimit < 1) {
      throw new LambdaCraftError(
        'InvalidConfiguration',
        `account concurrency limit ${accountLimit} is invalid; use a whole number of at least 1`,
      );
    }
    this.accountLimit = accountLimit;
    this.unreservedMinimum = unreservedMinimum(accountLimit);
  }

  /** The limit shared by functions without a reservation. */
  get unreservedLimit(): number {
    return this.accountLimit - this.#reservedTotal;
  }

  reserved(functionName: string): number | undefined {
    return this.#reserved.get(functionName);
  }

  /** Invocations of a function admitted and not yet ended. */
  running(functionName: string): number {
    return this.#running.get(functionName) ?? 0;
  }

  /** Invocations of all functions admitted and not yet ended. */
  get totalRunning(): number {
    let total = 0;
    for (const count of this.#running.values()) total += count;
    return total;
  }

  /**
   * Sets a function's reserved concurrency, refusing as Lambda does a value that would leave
   * less than the unreserved minimum to the other functions.
   */
  reserve(functionName: string, executions: number): void {
    const others = this.#reservedTotal - (this.#reserved.get(functionName) ?? 0);
    if (this.accountLimit - others - executions < this.unreservedMinimum) {
      throw new LambdaCraftError(
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.unreservedMinimum}].`,
      );
    }
    this.#moveRunning(functionName, () => {
      this.#reservedTotal = others + executions;
      this.#reserved.set(functionName, executions);
    });
  }

  unreserve(functionName: string): void {
    const executions = this.#reserved.get(functionName);
    if (executions === undefined) return;

    this.#moveRunning(functionName, () => {
      this.#reservedTotal -= executions;
      this.#reserved.delete(functionName);
    });
  }

  /** Admits an invocation, or returns why Lambda would throttle it. */
  tryAcquire(functionName: string): ThrottleReason | undefined {
    const running = this.running(functionName);
    const reserved = this.#reserved.get(functionName);
    if (reserved !== undefined) {
      if (running >= reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else {
      if (this.#unreservedRunning >= this.unreservedLimit)
        return 'ConcurrentInvocationLimitExceeded';
      this.#unreservedRunning += 1;
    }
    this.#running.set(functionName, running + 1);
    return undefined;
  }

  release(functionName: string): void {
    const running = this.running(functionName);
    if (running <= 1) this.#running.delete(functionName);
    else this.#running.set(functionName, running - 1);
    if (!this.#reserved.has(functionName)) this.#unreservedRunning -= 1;
  }

  /** Keeps the shared count right when a function with running invocations changes pools. */
  #moveRunning(functionName: string, change: () => void): void {
    const running = this.running(functionName);
    if (!this.#reserved.has(functionName)) this.#unreservedRunning -= running;
    change();
    if (!this.#reserved.has(functionName)) this.#unreservedRunning += running;
  }
}

/** Lambda's 429 for an invocation over a concurrency limit. */
export function throttleError(reason: ThrottleReason): LambdaCraftError {
  // NOTE: the API model binds Retry-After to the error; AWS documents no value for
  // concurrency throttles, so the platform suggests one second.
  return new LambdaCraftError('TooManyRequestsException', 'Rate Exceeded.', {
    status: 429,
    details: { Reason: reason, retryAfterSeconds: '1' },
  });
}
