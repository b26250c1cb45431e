import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { pino } from 'pino';

import { json, parseReport, startPlatform, testFunction, type RunningPlatform } from './helpers.js';

const basic = (name: string, handler: string) =>
  testFunction('node-basic', 'nodejs20.x', `index.${handler}`, { functionName: name });

describe('Node.js runtime', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([
      basic('node-echo', 'echo'),
      basic('node-fail', 'fail'),
      basic('node-callback', 'callbackWithTimer'),
      basic('node-nested', 'nested.inner.handler'),
      basic('node-missing', 'noSuchExport'),
      testFunction('node-esm', 'nodejs22.x', 'app.handler'),
    ]);
  });
  after(async () => {
    await running.close();
  });

  function invoke(name: string, payload: unknown = {}, tail = false): Promise<InvokeCommandOutput> {
    return running.lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(payload)),
        LogType: tail ? 'Tail' : 'None',
      }),
    );
  }

  it('keeps module state between warm invocations', async () => {
    const first = json((await invoke('node-echo')).Payload) as { invocations: number; pid: number };
    const second = json((await invoke('node-echo', {}, true)).Payload) as {
      invocations: number;
      pid: number;
    };

    assert.equal(second.invocations, first.invocations + 1);
    assert.equal(second.pid, first.pid);
  });

  it('writes console output in Lambda format', async () => {
    const result = await invoke('node-echo', {}, true);
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');

    assert.match(
      log,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tINFO\techo called \d+$/m,
    );
  });

  it('returns a thrown error with the Node.js payload shape', async () => {
    const result = await invoke('node-fail');
    const payload = json(result.Payload) as Record<string, unknown>;

    assert.equal(result.FunctionError, 'Unhandled');
    assert.deepEqual(Object.keys(payload).sort(), ['errorMessage', 'errorType', 'trace']);
    assert.equal(payload.errorType, 'TypeError');
    assert.equal(payload.errorMessage, 'the handler failed on purpose');
    assert.match(
      (payload.trace as string[])[0] ?? '',
      /^TypeError: the handler failed on purpose$/,
    );
  });

  it('runs an ES module handler in app.mjs', async () => {
    const payload = json((await invoke('node-esm', { a: 1 })).Payload) as {
      module: string;
      event: unknown;
    };
    assert.equal(payload.module, 'esm');
    assert.deepEqual(payload.event, { a: 1 });
  });

  it('resolves a nested export', async () => {
    assert.equal(json((await invoke('node-nested')).Payload), 'nested export');
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const result = await invoke('node-missing');
    const payload = json(result.Payload) as { errorType: string; errorMessage: string };

    assert.equal(result.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Runtime.HandlerNotFound');
    assert.equal(payload.errorMessage, 'index.noSuchExport is undefined or not exported');
  });

  it('waits for a pending timer after the callback', async () => {
    await invoke('node-callback', { wait: false });
    const result = await invoke('node-callback', { wait: true }, true);
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
    const durationMs = Number.parseFloat(parseReport(log).Duration ?? '');

    assert.equal(result.FunctionError, undefined);
    assert.ok(durationMs >= 490, `returned after ${durationMs} ms, before the 500 ms timer`);
    assert.match(log, /\tINFO\ttimer fired\n/);
  });

  it('returns at once when callbackWaitsForEmptyEventLoop is false', async () => {
    const result = await invoke('node-callback', { wait: false }, true);
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
    const durationMs = Number.parseFloat(parseReport(log).Duration ?? '');

    assert.equal(result.FunctionError, undefined);
    assert.ok(durationMs < 250, `took ${durationMs} ms; it should not wait for the 500 ms timer`);
  });
});

describe('Node.js runtime exiting while idle', () => {
  it('logs the output written after the last invocation', async () => {
    const written: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => written.push(line) });
    const running = await startPlatform(
      [testFunction('node-basic', 'nodejs20.x', 'index.throwLater')],
      // Unfrozen, the runtime runs the timer while it is idle.
      { logger, freezeIdleEnvironments: false },
    );
    try {
      const result = await running.lambda.send(new InvokeCommand({ FunctionName: 'node-basic' }));
      assert.equal(json(result.Payload), 'returned');

      const deadline = Date.now() + 10_000;
      while (!written.some((line) => line.includes('runtime exited while idle'))) {
        assert.ok(Date.now() < deadline, `no idle exit logged: ${written.join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const warning = written.find((line) => line.includes('runtime exited while idle')) ?? '';
      const { output } = JSON.parse(warning) as { output: string[] };
      assert.ok(
        output.some((line) => line.includes('thrown by a timer after the handler returned')),
        warning,
      );
    } finally {
      await running.close();
    }
  });
});
