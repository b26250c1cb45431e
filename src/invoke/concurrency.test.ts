import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LambdaCraftError } from '../errors.js';
import { ConcurrencyLimits, defaultAccountLimit, unreservedMinimum } from './concurrency.js';

const MB = 1024 * 1024;
const ON_DEMAND = { provisioned: undefined };

describe('ConcurrencyLimits', () => {
  it('caps a function at its reserved concurrency', () => {
    const limits = new ConcurrencyLimits(1000);
    limits.reserve('slow', 2);

    assert.deepEqual(limits.tryAcquire('slow'), ON_DEMAND);
    assert.deepEqual(limits.tryAcquire('slow'), ON_DEMAND);
    assert.equal(limits.tryAcquire('slow'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    limits.release('slow');
    assert.deepEqual(limits.tryAcquire('slow'), ON_DEMAND);
  });

  it('throttles every invocation of a function reserved at zero', () => {
    const limits = new ConcurrencyLimits(1000);
    limits.reserve('off', 0);

    assert.equal(limits.tryAcquire('off'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('shares what reservations leave among the other functions', () => {
    const limits = new ConcurrencyLimits(20);
    limits.reserve('kept', 10);
    assert.equal(limits.unreservedLimit, 10);

    for (let index = 0; index < 10; index += 1) {
      assert.deepEqual(limits.tryAcquire(index % 2 === 0 ? 'a' : 'b'), ON_DEMAND);
    }
    assert.equal(limits.tryAcquire('a'), 'ConcurrentInvocationLimitExceeded');
    // The reservation still keeps its whole share.
    assert.deepEqual(limits.tryAcquire('kept'), ON_DEMAND);
  });

  it('refuses a reservation that leaves less than the unreserved minimum', () => {
    const limits = new ConcurrencyLimits(1000);
    limits.reserve('a', 500);

    assert.throws(
      () => limits.reserve('b', 401),
      (error: unknown) =>
        error instanceof LambdaCraftError &&
        error.code === 'InvalidParameterValueException' &&
        error.message ===
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    limits.reserve('b', 400);
    // Replacing a function's own reservation does not count it twice.
    limits.reserve('a', 500);
    assert.equal(limits.unreservedLimit, 100);
  });

  it('moves running invocations between shares', () => {
    const limits = new ConcurrencyLimits(10);
    assert.deepEqual(limits.tryAcquire('f'), ON_DEMAND);
    limits.reserve('f', 5);
    limits.release('f');
    limits.unreserve('f');

    for (let index = 0; index < 10; index += 1) assert.deepEqual(limits.tryAcquire('g'), ON_DEMAND);
    assert.equal(limits.tryAcquire('g'), 'ConcurrentInvocationLimitExceeded');
  });

  it('keeps provisioned concurrency for its alias and spills over', () => {
    const limits = new ConcurrencyLimits(1000);
    limits.reserve('f', 3);
    limits.setProvisioned('f', new Map([['live', 1]]));

    // $LATEST gets the reservation minus the provisioned concurrency.
    assert.deepEqual(limits.tryAcquire('f'), ON_DEMAND);
    assert.deepEqual(limits.tryAcquire('f'), ON_DEMAND);
    assert.equal(limits.tryAcquire('f'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.deepEqual(limits.tryAcquire('f', 'live'), { provisioned: 'live' });
    // With the provisioned one busy, the alias spills over to a full on-demand share.
    assert.equal(
      limits.tryAcquire('f', 'live'),
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
    limits.release('f', { provisioned: 'live' });
    assert.deepEqual(limits.tryAcquire('f', 'live'), { provisioned: 'live' });
  });

  it('throttles $LATEST when provisioned concurrency equals the reservation', () => {
    const limits = new ConcurrencyLimits(1000);
    limits.reserve('f', 1);
    limits.setProvisioned('f', new Map([['live', 1]]));

    assert.equal(limits.tryAcquire('f'), 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.deepEqual(limits.tryAcquire('f', 'live'), { provisioned: 'live' });
  });

  it('derives the default limit from memory and scales the unreserved minimum with it', () => {
    assert.equal(defaultAccountLimit(64 * 1024 * MB), 1000);
    assert.equal(defaultAccountLimit(2400 * MB), 100);
    assert.equal(defaultAccountLimit(1 * MB), 1);
    assert.equal(unreservedMinimum(1000), 100);
    assert.equal(unreservedMinimum(3000), 100);
    assert.equal(unreservedMinimum(100), 10);
  });
});
