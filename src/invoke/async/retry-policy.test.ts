import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  afterFunctionError,
  afterThrottle,
  functionErrorDelayMs,
  throttleDelayMs,
  type RetryLimits,
} from './retry-policy.js';

const DEFAULTS: RetryLimits = {
  maximumRetryAttempts: 2,
  maximumEventAgeMs: 21_600_000,
  timeScale: 1,
};

describe('function error retries', () => {
  it('waits one minute, then two', () => {
    assert.equal(functionErrorDelayMs(1), 60_000);
    assert.equal(functionErrorDelayMs(2), 120_000);
  });

  it('retries twice by default, then gives up', () => {
    assert.deepEqual(afterFunctionError(1, 0, DEFAULTS), { action: 'retry', delayMs: 60_000 });
    assert.deepEqual(afterFunctionError(2, 60_000, DEFAULTS), {
      action: 'retry',
      delayMs: 120_000,
    });
    assert.deepEqual(afterFunctionError(3, 180_000, DEFAULTS), {
      action: 'give-up',
      condition: 'RetriesExhausted',
    });
  });

  it('gives up at once with no retries allowed', () => {
    assert.deepEqual(afterFunctionError(1, 0, { ...DEFAULTS, maximumRetryAttempts: 0 }), {
      action: 'give-up',
      condition: 'RetriesExhausted',
    });
  });

  it('gives up when the retry would start past the maximum age', () => {
    const limits = { ...DEFAULTS, maximumEventAgeMs: 90_000 };
    assert.deepEqual(afterFunctionError(1, 10_000, limits), { action: 'retry', delayMs: 60_000 });
    assert.deepEqual(afterFunctionError(1, 40_000, limits), {
      action: 'give-up',
      condition: 'EventAgeExceeded',
    });
  });

  it('scales the delays', () => {
    const scaled = { ...DEFAULTS, timeScale: 0.001 };
    assert.deepEqual(afterFunctionError(1, 0, scaled), { action: 'retry', delayMs: 60 });
    assert.deepEqual(afterFunctionError(2, 0, scaled), { action: 'retry', delayMs: 120 });
  });
});

describe('throttle back-off', () => {
  it('doubles from one second', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(throttleDelayMs), [1000, 2000, 4000, 8000, 16_000]);
  });

  it('stays at five minutes', () => {
    assert.equal(throttleDelayMs(9), 256_000);
    assert.equal(throttleDelayMs(10), 300_000);
    assert.equal(throttleDelayMs(1000), 300_000);
  });

  it('does not count as an attempt and retries past the retry limit', () => {
    const limits = { ...DEFAULTS, maximumRetryAttempts: 0 };
    assert.deepEqual(afterThrottle(50, 0, limits), { action: 'retry', delayMs: 300_000 });
  });

  it('gives up once the back-off passes the maximum age', () => {
    const limits = { ...DEFAULTS, maximumEventAgeMs: 60_000 };
    assert.deepEqual(afterThrottle(6, 20_000, limits), { action: 'retry', delayMs: 32_000 });
    assert.deepEqual(afterThrottle(6, 30_000, limits), {
      action: 'give-up',
      condition: 'EventAgeExceeded',
    });
  });
});
