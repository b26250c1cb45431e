import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import type { InitResult } from './environment.js';
import { IdleEnvironments, type PooledEnvironment } from './idle-environments.js';
import type { InvocationOutcome } from './outcome.js';
import type { InitializationType } from './variables.js';

/** An idle environment whose runtime reaches `/next` once `waiting` is set. */
class IdleStandIn implements PooledEnvironment {
  state: PooledEnvironment['state'] = 'ready';
  waiting = true;
  frozen = false;

  constructor(
    readonly name: string,
    readonly initializationType: InitializationType = 'on-demand',
  ) {}

  freeze(): boolean {
    if (!this.waiting) return false;
    this.frozen = true;
    return true;
  }

  start(): Promise<InitResult> {
    return Promise.resolve({ ok: true });
  }

  invoke(): Promise<InvocationOutcome> {
    return Promise.reject(new Error('not used here'));
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

describe('IdleEnvironments', () => {
  let time: number;
  let reaped: string[];
  const clock = () => time;

  function idleSet(freezeAfterMs: number | undefined = undefined): IdleEnvironments {
    return new IdleEnvironments({
      idleTimeoutMs: 60_000,
      freezeAfterMs,
      clock,
      onReap: (environment) => reaped.push((environment as IdleStandIn).name),
    });
  }

  function advance(ms: number): void {
    time += ms;
    mock.timers.tick(ms);
  }

  beforeEach(() => {
    time = 0;
    reaped = [];
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  });
  afterEach(() => {
    mock.timers.reset();
  });

  it('hands out provisioned, then most recent', () => {
    const idle = idleSet();
    const older = new IdleStandIn('older');
    const newer = new IdleStandIn('newer');
    const provisioned = new IdleStandIn('provisioned', 'provisioned-concurrency');
    idle.add(older);
    idle.add(provisioned);
    idle.add(newer);

    assert.equal(idle.take(), provisioned);
    assert.equal(idle.take(), newer);
    assert.equal(idle.take(), older);
    assert.equal(idle.take(), undefined);
  });

  it('reaps on-demand environments after the timeout', () => {
    const idle = idleSet();
    idle.add(new IdleStandIn('first'));
    advance(20_000);
    idle.add(new IdleStandIn('second'));
    idle.add(new IdleStandIn('provisioned', 'provisioned-concurrency'));

    advance(39_999);
    assert.deepEqual(reaped, []);
    advance(1);
    assert.deepEqual(reaped, ['first']);
    advance(20_000);
    assert.deepEqual(reaped, ['first', 'second']);
    advance(600_000);
    assert.deepEqual(reaped, ['first', 'second']);
    assert.equal(idle.size, 1);
  });

  it('restarts the idle time of a reused environment', () => {
    const idle = idleSet();
    const environment = new IdleStandIn('reused');
    idle.add(environment);
    advance(50_000);
    assert.equal(idle.take(), environment);
    idle.add(environment);

    advance(50_000);
    assert.deepEqual(reaped, []);
    advance(10_000);
    assert.deepEqual(reaped, ['reused']);
  });

  it('freezes after the delay once the runtime waits', () => {
    const idle = idleSet(10);
    const environment = new IdleStandIn('slow');
    environment.waiting = false;
    idle.add(environment);

    advance(5);
    assert.equal(environment.frozen, false);
    advance(10);
    assert.equal(environment.frozen, false);
    environment.waiting = true;
    advance(5);
    assert.equal(environment.frozen, true);
  });

  it('freezes at once with a delay of zero', () => {
    const idle = idleSet(0);
    const environment = new IdleStandIn('eager');
    idle.add(environment);

    assert.equal(environment.frozen, true);
  });

  it('leaves a taken environment running', () => {
    const idle = idleSet(10);
    const environment = new IdleStandIn('taken');
    idle.add(environment);
    advance(5);
    idle.take();
    advance(50);

    assert.equal(environment.frozen, false);
  });

  it('never freezes with freezing off', () => {
    const idle = idleSet(undefined);
    const environment = new IdleStandIn('running');
    idle.add(environment);
    advance(1_000);

    assert.equal(environment.frozen, false);
  });

  it('clear stops reaping', () => {
    const idle = idleSet();
    idle.add(new IdleStandIn('cleared'));

    assert.equal(idle.clear().length, 1);
    advance(120_000);
    assert.deepEqual(reaped, []);
  });
});
