import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';

import { runPhase } from './operations.js';

describe('runPhase', () => {
  it('calls every index once', async () => {
    const seen: number[] = [];

    const result = await runPhase('calls', 50, 8, async (index) => {
      await sleep(1);
      seen.push(index);
    });

    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, index) => index),
    );
    assert.equal(result.operations, 50);
    assert.equal(result.errors, 0);
  });

  it('keeps at most the given concurrency running', async () => {
    let running = 0;
    let maxRunning = 0;

    await runPhase('bounded', 40, 4, async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(2);
      running -= 1;
    });

    assert.equal(maxRunning, 4);
  });

  it('counts failures without timing them', async () => {
    const result = await runPhase('failures', 10, 2, (index) =>
      index % 5 === 0 ? Promise.reject(new Error(`failed ${index}`)) : Promise.resolve(),
    );

    assert.equal(result.errors, 2);
    assert.deepEqual(result.errorExcerpt, ['Error: failed 0', 'Error: failed 5']);
    assert.ok(result.perSecond > 0);
  });

  it('reads server CPU time only with a pid', async () => {
    const operation = () => Promise.resolve();

    const withPid = await runPhase('with pid', 10, 1, operation, process.pid);
    const withoutPid = await runPhase('without pid', 10, 1, operation);

    assert.ok(withPid.serverCpuMsPerOperation >= 0);
    assert.ok(Number.isNaN(withoutPid.serverCpuMsPerOperation));
    assert.ok(withoutPid.clientCpuMsPerOperation >= 0);
  });
});
