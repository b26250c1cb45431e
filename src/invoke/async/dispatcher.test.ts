import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { LambdaCraftError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { StateStore } from '../../state/store.js';
import type { InvokeOptions, InvokeResult } from '../invoker.js';
import { AsyncDispatcher, type AsyncInvoker } from './dispatcher.js';

/** An Invoker stand-in whose invocations of `holdFunction` end when the test releases them. */
class HeldInvoker implements AsyncInvoker {
  readonly running = new Map<string, number>();
  readonly maxRunning = new Map<string, number>();
  readonly calls: { functionName: string; requestId: string | undefined }[] = [];
  readonly #waiting: (() => void)[] = [];
  #listener: (() => void) | undefined;
  holdFunction = 'slow';

  invoke(functionName: string, _payload: Buffer, options: InvokeOptions): Promise<InvokeResult> {
    this.calls.push({ functionName, requestId: options.requestId });
    const running = (this.running.get(functionName) ?? 0) + 1;
    this.running.set(functionName, running);
    this.maxRunning.set(functionName, Math.max(running, this.maxRunning.get(functionName) ?? 0));
    const done = () => {
      this.running.set(functionName, (this.running.get(functionName) ?? 1) - 1);
      return successResult(options.requestId ?? '');
    };
    if (functionName !== this.holdFunction) return Promise.resolve(done());
    return new Promise((resolve) => this.#waiting.push(() => resolve(done())));
  }

  resolve(functionName: string): unknown {
    if (functionName === 'missing') {
      throw new LambdaCraftError('ResourceNotFoundException', 'Function not found', {
        status: 404,
      });
    }
    return {};
  }

  onEnqueue(listener: () => void): void {
    this.#listener = listener;
  }

  notify(): void {
    this.#listener?.();
  }

  releaseAll(): void {
    for (const release of this.#waiting.splice(0)) release();
  }
}

function successResult(requestId: string): InvokeResult {
  return {
    requestId,
    payload: Buffer.from('{}'),
    contentType: 'application/json',
    functionError: undefined,
    executedVersion: '$LATEST',
    logResult: undefined,
    log: '',
  } as unknown as InvokeResult;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('async dispatcher bounds', () => {
  let store: StateStore;
  let invoker: HeldInvoker;
  let dispatcher: AsyncDispatcher;

  before(() => {
    store = StateStore.open(':memory:', silentLogger());
    invoker = new HeldInvoker();
    dispatcher = new AsyncDispatcher({
      invoker,
      events: store.asyncEvents,
      account: { accountId: '000000000000', region: 'us-east-1' },
      logger: silentLogger(),
      timeScale: 0.001,
      maxRunningEvents: 4,
      maxRunningEventsPerFunction: 2,
    });
    dispatcher.start();
  });
  after(async () => {
    invoker.releaseAll();
    await dispatcher.close();
    store.close();
  });

  function enqueue(functionName: string): string {
    const requestId = randomUUID();
    const nowMs = Date.now();
    store.asyncEvents.enqueue({
      requestId,
      functionName,
      qualifier: undefined,
      source: 'test',
      payload: Buffer.from('{}'),
      enqueuedAtMs: nowMs,
      dueAtMs: nowMs,
    });
    invoker.notify();
    return requestId;
  }

  it('lets another function run past a slow one', async () => {
    for (let index = 0; index < 10; index++) enqueue('slow');
    const fastId = enqueue('fast');

    await until(
      () => invoker.calls.some((call) => call.requestId === fastId),
      'the fast event to run',
    );
    assert.equal(invoker.running.get('slow'), 2);
    assert.equal(store.asyncEvents.count(), 10, 'ten slow events wait or run');
  });

  it('never runs more of one function than its bound', async () => {
    const deadline = Date.now() + 5000;
    while (store.asyncEvents.count() > 0 && Date.now() < deadline) {
      invoker.releaseAll();
      await sleep(5);
    }

    assert.equal(store.asyncEvents.count(), 0);

    assert.equal(invoker.maxRunning.get('slow'), 2);
  });

  it('passes the accepted request id to the invocation', async () => {
    const requestId = enqueue('fast');

    await until(() => invoker.calls.some((call) => call.requestId === requestId), 'the event');
  });

  it('drops an event whose function was deleted', async () => {
    const original = invoker.invoke.bind(invoker);
    invoker.invoke = (functionName, payload, options) =>
      functionName === 'missing'
        ? Promise.reject(
            new LambdaCraftError('ResourceNotFoundException', 'Function not found', {
              status: 404,
            }),
          )
        : original(functionName, payload, options);
    enqueue('missing');

    await until(() => store.asyncEvents.count() === 0, 'the event to be dropped');
  });
});
