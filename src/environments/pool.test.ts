import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';

import { silentLogger } from '../log.js';
import type { InitResult, InvocationRequest } from './environment.js';
import type { PooledEnvironment } from './idle-environments.js';
import type { InvocationOutcome } from './outcome.js';
import { EnvironmentPool } from './pool.js';
import { StartSlots } from './start-slots.js';
import { TokenBucket } from './token-bucket.js';
import type { InitializationType } from './variables.js';

/** An environment whose invocations last until the test calls `finishAll`. */
class StandIn implements PooledEnvironment {
  state: PooledEnvironment['state'] = 'new';
  destroyed = false;
  readonly #running: (() => void)[] = [];

  constructor(
    readonly initializationType: InitializationType,
    readonly initResult: InitResult,
  ) {}

  async start(): Promise<InitResult> {
    this.state = 'initialising';
    await Promise.resolve();
    this.state = this.initResult.ok ? 'ready' : 'dead';
    return this.initResult;
  }

  invoke(_request: InvocationRequest): Promise<InvocationOutcome> {
    this.state = 'busy';
    return new Promise((resolve) => {
      this.#running.push(() => {
        if (this.state === 'busy') this.state = 'ready';
        resolve(outcome());
      });
    });
  }

  /** Marks the environment dead, as a runtime crash does; `finishAll` then ends its invocation. */
  crash(): void {
    this.state = 'dead';
  }

  finishAll(): void {
    for (const finish of this.#running.splice(0)) finish();
  }

  destroy(): Promise<void> {
    this.state = 'dead';
    this.destroyed = true;
    return Promise.resolve();
  }

  freeze(): boolean {
    return false;
  }
}

function outcome(): InvocationOutcome {
  return {
    kind: 'success',
    payload: Buffer.from('{}'),
    contentType: 'application/json',
    errorType: undefined,
    durationMs: 1_000,
    initDurationMs: undefined,
    maxMemoryUsedMb: 1,
    preambleLines: [],
    logLines: [],
    platformLines: [],
    trailingLines: [],
  };
}

const request: InvocationRequest = {
  requestId: 'request',
  payload: Buffer.from('{}'),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: 'Root=1-00000000-000000000000000000000000',
  clientContext: undefined,
};

const initFailure: InitResult = {
  ok: false,
  failure: {
    errorType: 'Runtime.ImportModuleError',
    body: undefined,
    message: 'no module',
    initDurationMs: 1,
    logLines: [],
  },
};

function testPool(
  options: { bucket?: TokenBucket; initResult?: InitResult; startSlots?: StartSlots } = {},
) {
  const created: StandIn[] = [];
  const initResult = options.initResult ?? { ok: true };
  const pool = new EnvironmentPool({
    createEnvironment: (initializationType) => {
      const environment = new StandIn(initializationType, initResult);
      created.push(environment);
      return environment;
    },
    logger: silentLogger(),
    idleTimeoutMs: 60_000,
    freezeAfterMs: undefined,
    scaleUpBucket: options.bucket ?? new TokenBucket({ capacity: 1_000, refillMs: 10_000 }),
    startSlots: options.startSlots,
  });
  return {
    pool,
    created,
    finishAll: () => created.forEach((environment) => environment.finishAll()),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await sleep(2);
  assert.ok(condition(), `timed out waiting until ${what}`);
}

describe('EnvironmentPool', () => {
  it('scale-up waits for tokens, never fails', async () => {
    let time = 0;
    const bucket = new TokenBucket({ capacity: 2, refillMs: 10_000, clock: () => time });
    const { pool, created, finishAll } = testPool({ bucket });

    let served = 0;
    const runs = Array.from({ length: 5 }, () =>
      pool.run(request).then((result) => {
        served += 1;
        return result;
      }),
    );
    await until(() => pool.concurrentExecutions === 2, 'two environments run');
    await sleep(20);
    assert.equal(created.length, 2);

    time += 5_000;
    await until(() => pool.concurrentExecutions === 3, 'a third environment runs');
    while (served < 5) {
      finishAll();
      await sleep(2);
    }
    const outcomes = await Promise.all(runs);
    assert.deepEqual(
      outcomes.map((item) => item.kind),
      ['success', 'success', 'success', 'success', 'success'],
    );
    assert.equal(created.length, 3);
    await pool.close();
  });

  it('drops a start whose requests were served while it waited for a start slot', async () => {
    const slots = new StartSlots(1);
    const bucket = new TokenBucket({ capacity: 10, refillMs: 1_000_000 });
    const { pool, created, finishAll } = testPool({ startSlots: slots, bucket });
    const first = pool.run(request);
    await until(() => pool.concurrentExecutions === 1, 'the first environment runs');
    finishAll();
    await first;

    const releaseHeld = await slots.acquire();
    const runs = [pool.run(request), pool.run(request), pool.run(request)];
    await until(() => slots.queued === 2, 'two starts wait for the slot');
    // The one environment serves all three requests while the starts wait.
    for (let served = 0; served < 3; served += 1) {
      await until(() => pool.concurrentExecutions === 1, 'the environment runs a request');
      finishAll();
      await sleep(2);
    }
    await Promise.all(runs);
    releaseHeld();
    await until(() => slots.inUse === 0, 'the dropped starts give their slots back');

    assert.equal(created.length, 1);
    assert.equal(bucket.available, 9);
    await pool.close();
  });

  it('counts busy and existing environments', async () => {
    const { pool, finishAll } = testPool();
    const runs = [pool.run(request), pool.run(request)];
    await until(() => pool.concurrentExecutions === 2, 'two environments run');

    assert.equal(pool.environmentCount, 2);
    finishAll();
    await Promise.all(runs);
    assert.equal(pool.concurrentExecutions, 0);
    assert.equal(pool.environmentCount, 2);
    await pool.close();
    assert.equal(pool.environmentCount, 0);
  });

  it('provisions environments ahead of requests', async () => {
    const { pool, created, finishAll } = testPool();
    await pool.provision(2);

    assert.deepEqual(pool.provisionedStatus(), {
      requested: 2,
      allocated: 2,
      available: 2,
      status: 'READY',
      statusReason: undefined,
    });
    assert.deepEqual(
      created.map((environment) => environment.initializationType),
      ['provisioned-concurrency', 'provisioned-concurrency'],
    );

    const runs = [pool.run(request), pool.run(request), pool.run(request)];
    await until(() => pool.concurrentExecutions === 3, 'three environments run');
    assert.equal(created.length, 3);
    assert.equal(created[2]?.initializationType, 'on-demand');
    finishAll();
    await Promise.all(runs);
    await pool.close();
  });

  it('provisioned count can drop to zero', async () => {
    const { pool, created, finishAll } = testPool();
    await pool.provision(3);
    const run = pool.run(request);
    await pool.provision(0);

    assert.equal(created.filter((environment) => environment.destroyed).length, 2);
    assert.equal(pool.provisionedStatus().allocated, 1);
    finishAll();
    await run;
    assert.equal(pool.provisionedStatus().allocated, 0);
    assert.equal(created.filter((environment) => environment.destroyed).length, 3);
    assert.equal(pool.environmentCount, 0);
    await pool.close();
  });

  it('replaces a crashed provisioned environment', async () => {
    const { pool, created } = testPool();
    await pool.provision(1);
    const run = pool.run(request);
    await until(() => pool.concurrentExecutions === 1, 'the invocation runs');
    const first = created[0] as StandIn;
    first.crash();
    first.finishAll();
    await run;

    await until(() => pool.provisionedStatus().available === 1, 'a replacement is ready');
    assert.equal(created.length, 2);
    assert.equal(created[1]?.initializationType, 'provisioned-concurrency');
    await pool.close();
  });

  it('reports a failed provisioned start', async () => {
    const { pool } = testPool({ initResult: initFailure });

    await assert.rejects(pool.provision(1), /Runtime.ImportModuleError: no module/);
    const status = pool.provisionedStatus();
    assert.equal(status.status, 'FAILED');
    assert.equal(status.allocated, 0);
    assert.match(status.statusReason ?? '', /Runtime.ImportModuleError/);
    await pool.close();
  });

  it('hands an on-demand init failure to the request', async () => {
    const { pool } = testPool({ initResult: initFailure });
    const result = await pool.run(request);

    assert.equal(result.kind, 'init-error');
    assert.equal(result.errorType, 'Runtime.ImportModuleError');
    await pool.close();
  });
});
