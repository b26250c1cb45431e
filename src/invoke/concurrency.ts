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

/** The admission of an invocation: the alias or version whose provisioned concurrency it uses, if any. */
export interface Admission {
  provisioned: string | undefined;
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
  /** Provisioned concurrency by function, then by alias or version. */
  readonly #provisioned = new Map<string, Map<string, number>>();
  /** Invocations running on provisioned concurrency, by `function:qualifier`. */
  readonly #provisionedRunning = new Map<string, number>();
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

  /** Sets the provisioned concurrency of each alias or version of a function. */
  setProvisioned(functionName: string, byQualifier: Map<string, number>): void {
    if (byQualifier.size === 0) this.#provisioned.delete(functionName);
    else this.#provisioned.set(functionName, new Map(byQualifier));
  }

  /**
   * Admits an invocation, or returns why Lambda would throttle it. An invocation of an alias
   * or version with provisioned concurrency runs on it while some is free, and otherwise
   * spills over to the function's on-demand share. For a function with reserved concurrency,
   * that share is the reservation minus all its provisioned concurrency, so `$LATEST` gets a
   * 429 when the two are equal, as on Lambda.
   */
  tryAcquire(
    functionName: string,
    qualifier: string | undefined = undefined,
  ): Admission | ThrottleReason {
    const provisioned = this.#provisioned.get(functionName);
    const capacity = qualifier === undefined ? undefined : provisioned?.get(qualifier);
    if (capacity !== undefined && qualifier !== undefined) {
      const key = `${functionName}:${qualifier}`;
      const busy = this.#provisionedRunning.get(key) ?? 0;
      if (busy < capacity) {
        this.#provisionedRunning.set(key, busy + 1);
        this.#running.set(functionName, this.running(functionName) + 1);
        if (!this.#reserved.has(functionName)) this.#unreservedRunning += 1;
        return { provisioned: qualifier };
      }
    }

    const running = this.running(functionName);
    const reserved = this.#reserved.get(functionName);
    if (reserved !== undefined) {
      const onDemand = running - this.#provisionedBusy(functionName);
      if (onDemand >= reserved - sum(provisioned)) {
        return 'ReservedFunctionConcurrentInvocationLimitExceeded';
      }
    } else {
      if (this.#unreservedRunning >= this.unreservedLimit) {
        return 'ConcurrentInvocationLimitExceeded';
      }
      this.#unreservedRunning += 1;
    }
    this.#running.set(functionName, running + 1);
    return { provisioned: undefined };
  }

  release(functionName: string, admission: Admission = { provisioned: undefined }): void {
    const running = this.running(functionName);
    if (running <= 1) this.#running.delete(functionName);
    else this.#running.set(functionName, running - 1);
    if (!this.#reserved.has(functionName)) this.#unreservedRunning -= 1;
    if (admission.provisioned !== undefined) {
      const key = `${functionName}:${admission.provisioned}`;
      const busy = this.#provisionedRunning.get(key) ?? 0;
      if (busy <= 1) this.#provisionedRunning.delete(key);
      else this.#provisionedRunning.set(key, busy - 1);
    }
  }

  #provisionedBusy(functionName: string): number {
    let busy = 0;
    for (const qualifier of this.#provisioned.get(functionName)?.keys() ?? []) {
      busy += this.#provisionedRunning.get(`${functionName}:${qualifier}`) ?? 0;
    }
    return busy;
  }

  /** Keeps the shared count right when a function with running invocations changes pools. */
  #moveRunning(functionName: string, change: () => void): void {
    const running = this.running(functionName);
    if (!this.#reserved.has(functionName)) this.#unreservedRunning -= running;
    change();
    if (!this.#reserved.has(functionName)) this.#unreservedRunning += running;
  }
}

function sum(values: Map<string, number> | undefined): number {
  let total = 0;
  for (const value of values?.values() ?? []) total += value;
  return total;
}

/** Tells a throttle from an admission. */
export function isThrottle(result: Admission | ThrottleReason): result is ThrottleReason {
  return typeof result === 'string';
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
