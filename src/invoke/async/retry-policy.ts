/**
 * Lambda's retry rules for asynchronous invocation, as its developer guide (page
 * invocation-async-error-handling) states them. A function error is retried up to
 * MaximumRetryAttempts times, about 1 minute before the second attempt and 2 minutes before
 * the third. A throttle or a service error is retried with exponential back-off from 1 second
 * up to 5 minutes, without counting an attempt, until the event is older than
 * MaximumEventAgeInSeconds.
 */

export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

const FUNCTION_ERROR_DELAYS_MS = [60_000, 120_000];
const FIRST_THROTTLE_DELAY_MS = 1000;
const MAX_THROTTLE_DELAY_MS = 300_000;

/** The limits that apply to one event, with the platform's time scale already applied. */
export interface RetryLimits {
  maximumRetryAttempts: number;
  /** MaximumEventAgeInSeconds in milliseconds, multiplied by the time scale. */
  maximumEventAgeMs: number;
  /** Factor applied to every delay; 1 runs at Lambda's pace, 0.001 turns a minute into 60 ms. */
  timeScale: number;
}

/** The next step for an event after one try. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'give-up'; condition: 'RetriesExhausted' | 'EventAgeExceeded' };

/**
 * Decides what follows a function error (error, timeout, crash or init failure).
 * `attempts` counts the attempts made so far, this one included; `ageMs` is the event's age
 * now. An event whose retry would start after its maximum age gives up now, as Lambda does.
 */
export function afterFunctionError(
  attempts: number,
  ageMs: number,
  limits: RetryLimits,
): RetryDecision {
  if (attempts > limits.maximumRetryAttempts) {
    return { action: 'give-up', condition: 'RetriesExhausted' };
  }
  const delayMs = functionErrorDelayMs(attempts) * limits.timeScale;
  if (ageMs + delayMs > limits.maximumEventAgeMs) {
    return { action: 'give-up', condition: 'EventAgeExceeded' };
  }
  return { action: 'retry', delayMs };
}

/**
 * Decides what follows a throttle or a service error. `throttles` counts the throttles of
 * this event so far, this one included.
 */
export function afterThrottle(
  throttles: number,
  ageMs: number,
  limits: RetryLimits,
): RetryDecision {
  const delayMs = throttleDelayMs(throttles) * limits.timeScale;
  if (ageMs + delayMs > limits.maximumEventAgeMs) {
    return { action: 'give-up', condition: 'EventAgeExceeded' };
  }
  return { action: 'retry', delayMs };
}

/** Returns the unscaled wait before the next attempt after `attempts` failed ones. */
export function functionErrorDelayMs(attempts: number): number {
  const index = Math.min(Math.max(attempts, 1), FUNCTION_ERROR_DELAYS_MS.length) - 1;
  return FUNCTION_ERROR_DELAYS_MS[index] ?? 0;
}

/** Returns the unscaled back-off after the n-th throttle: 1 s, 2 s, 4 s, up to 5 minutes. */
export function throttleDelayMs(throttles: number): number {
  const exponent = Math.min(Math.max(throttles, 1) - 1, 30);
  return Math.min(FIRST_THROTTLE_DELAY_MS * 2 ** exponent, MAX_THROTTLE_DELAY_MS);
}
