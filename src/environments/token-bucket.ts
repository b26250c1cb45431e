import { performance } from 'node:perf_hooks';

/** A source of monotonic time in milliseconds, which tests replace with one they advance. */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();

export interface TokenBucketOptions {
  /** Tokens the bucket holds when full, and how many can be taken at once after a quiet spell. */
  capacity: number;
  /** Milliseconds in which an empty bucket refills completely, at an even rate. */
  refillMs: number;
  clock?: Clock;
}

/**
 * A token bucket refilled continuously: `capacity` tokens per `refillMs`, never more than
 * `capacity` in store. It starts full.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #msPerToken: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.capacity > 0) || !(options.refillMs > 0)) {
      throw new RangeError(
        `token bucket needs a positive capacity and refill time, got ${options.capacity} per ${options.refillMs} ms`,
      );
    }
    this.#capacity = options.capacity;
    this.#msPerToken = options.refillMs / options.capacity;
    this.#clock = options.clock ?? monotonicClock;
    this.#tokens = options.capacity;
    this.#updatedAt = this.#clock();
  }

  /** Whole tokens available now. */
  get available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Takes one token; returns false, taking nothing, when the bucket has no whole token. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;

    this.#tokens -= 1;
    return true;
  }

  /** Returns a token taken for something that did not happen. */
  giveBack(): void {
    this.#refill();
    this.#tokens = Math.min(this.#capacity, this.#tokens + 1);
  }

  /** Milliseconds until a whole token is available, or 0 when one is available now. */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) * this.#msPerToken;
  }

  #refill(): void {
    const now = this.#clock();
    const elapsedMs = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedMs / this.#msPerToken);
  }
}
