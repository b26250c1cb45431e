import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TokenBucket } from './token-bucket.js';

function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TokenBucket', () => {
  it('starts full and empties', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 3, refillMs: 3_000, clock: clock.now });

    assert.equal(bucket.available, 3);
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.available, 0);
  });

  it('refills continuously at capacity per refill time', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 1_000, refillMs: 10_000, clock: clock.now });
    for (let i = 0; i < 1_000; i += 1) bucket.tryTake();

    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.msUntilToken(), 10);
    clock.advance(9);
    assert.equal(bucket.tryTake(), false);
    clock.advance(1);
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), false);
    clock.advance(5_000);
    assert.equal(bucket.available, 500);
  });

  it('keeps no more than its capacity', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillMs: 100, clock: clock.now });
    clock.advance(60_000);

    assert.equal(bucket.available, 2);
    assert.equal(bucket.msUntilToken(), 0);
  });

  it('ignores a clock that goes backwards', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 1, refillMs: 100, clock: clock.now });
    bucket.tryTake();
    clock.advance(-50);

    assert.equal(bucket.available, 0);
    clock.advance(100);
    assert.equal(bucket.available, 1);
  });

  it('rejects a capacity of zero', () => {
    assert.throws(() => new TokenBucket({ capacity: 0, refillMs: 100 }), RangeError);
  });
});
