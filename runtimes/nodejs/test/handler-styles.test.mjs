// How each handler style finishes an invocation and what reaches the
// Runtime API: results, error payloads, callbacks and the event loop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRuntime, outcomeOrExit, parseLogLines, finalOutput } from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 15_000;
const FUNCTION_NAME = 'node-handler-styles';

/** Starts the handler `index.<exportName>`, sends `event` and returns the outcome. */
function invokeOnce(exportName, { event = {}, env } = {}) {
  const options = { functionName: FUNCTION_NAME, handler: `index.${exportName}`, env };
  return withRuntime(options, ({ api, runtime }) => outcomeOrExit(runtime, api.invoke(event)));
}

test('async result is posted as JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('asyncSuccess', { event: { orderId: 7 } });

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.body, '{"received":{"orderId":7}}');
  assert.equal(outcome.headers['content-type'], 'application/json');
});

test('async undefined is posted as null', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('asyncUndefined');

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.body, 'null');
});

test('async error is posted and logged', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(
    { functionName: FUNCTION_NAME, handler: 'index.asyncError' },
    async ({ api, runtime }) => {
      const invocation = api.invoke({});
      const outcome = await outcomeOrExit(runtime, invocation);

      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.headers['content-type'], 'application/json');
      assert.equal(outcome.headers['lambda-runtime-function-error-type'], undefined);
      assert.deepEqual(Object.keys(outcome.json), ['errorType', 'errorMessage', 'trace']);
      assert.equal(outcome.json.errorType, 'Error');
      assert.equal(outcome.json.errorMessage, 'invalid order');
      assert.equal(outcome.json.trace[0], 'Error: invalid order');
      assert.match(outcome.json.trace[1], /^ {4}at .*node-handler-styles\/index\.js:\d+:\d+\)$/);

      const [timestamp, requestId, level, label, json] = parseLogLines(
        (await finalOutput(runtime)).stdout,
      )[0];
      assert.match(timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(requestId, invocation.requestId);
      assert.equal(level, 'ERROR');
      assert.equal(label, 'Invoke Error ');
      const logged = JSON.parse(json);
      assert.deepEqual(Object.keys(logged), ['errorType', 'errorMessage', 'code', 'stack']);
      assert.equal(logged.code, 'E_ORDER');
    },
  );
});

test('error name becomes errorType', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('asyncNamedError');

  assert.equal(outcome.json.errorType, 'UpstreamError');
  assert.equal(outcome.json.trace[0], 'UpstreamError: upstream unavailable');
});

test('thrown string reports its typeof', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('asyncThrowsString');

  assert.equal(outcome.kind, 'error');
  assert.equal(
    outcome.body,
    '{"errorType":"string","errorMessage":"plain string failure","trace":[]}',
  );
});

test('sync throw is posted as an error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('syncThrows');

  assert.equal(outcome.kind, 'error');
  assert.equal(outcome.json.errorType, 'TypeError');
  assert.equal(outcome.json.errorMessage, 'sync failure');
});

test('callback waits for a pending timer', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.callbackWaitsForTimer' };
  await withRuntime(options, async ({ api, runtime }) => {
    await api.waitForNextPoll();
    const sentAt = performance.now();
    const outcome = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.body, '{"waited":true}');
    const elapsedMs = outcome.receivedAt - sentAt;
    assert.ok(elapsedMs >= 490, `response came ${elapsedMs.toFixed(0)} ms after the event`);
    assert.match((await finalOutput(runtime)).stdout, /\tINFO\ttimer fired\n/);
  });
});

test('callback without waiting returns at once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.callbackReturnsAtOnce' };
  await withRuntime(options, async ({ api, runtime }) => {
    await api.waitForNextPoll();
    const sentAt = performance.now();
    const first = api.invoke({});
    const outcome = await outcomeOrExit(runtime, first);

    assert.equal(outcome.body, '{"waited":false}');
    const elapsedMs = outcome.receivedAt - sentAt;
    assert.ok(elapsedMs < 400, `response came ${elapsedMs.toFixed(0)} ms after the event`);

    // The timer keeps running after the response, and the runtime stays usable.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const timerLine = parseLogLines(runtime.output().stdout).find((fields) =>
      fields[3]?.startsWith('timer from the previous invocation fired'),
    );
    assert.ok(timerLine, 'the pending timer ran after the response');
    assert.equal(timerLine[1], first.requestId);
    const second = await outcomeOrExit(runtime, api.invoke({}));
    assert.equal(second.body, '{"waited":false}');
  });
});

test('callback error is posted at once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('callbackError');

  assert.equal(outcome.kind, 'error');
  assert.equal(outcome.json.errorType, 'RangeError');
  assert.equal(outcome.json.errorMessage, 'out of range');
});

test('first of several callbacks wins', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.callbackTwice' };
  await withRuntime(options, async ({ api, runtime }) => {
    const invocation = api.invoke({});
    const outcome = await outcomeOrExit(runtime, invocation);
    const next = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.body, '"first"');
    assert.equal(next.body, '"first"');
    const posts = api.requests.filter((request) => request.url.includes(invocation.requestId));
    assert.equal(posts.length, 1);
  });
});

test('sync handler posts null after drain', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.syncNoCallback' };
  await withRuntime(options, async ({ api, runtime }) => {
    await api.waitForNextPoll();
    const sentAt = performance.now();
    const outcome = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.body, 'null');
    assert.ok(outcome.receivedAt - sentAt >= 95, 'posted after the 100 ms timer');
    assert.match((await finalOutput(runtime)).stdout, /\tINFO\tsync handler timer fired\n/);
  });
});

test('never-settling Promise fails with NodeJsExit', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.neverSettles' };
  await withRuntime(options, async ({ api, runtime }) => {
    const outcome = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.json.errorType, 'Runtime.NodeJsExit');
    assert.equal(
      outcome.json.errorMessage,
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
    const next = await outcomeOrExit(runtime, api.invoke({}));
    assert.equal(next.json.errorType, 'Runtime.NodeJsExit', 'the runtime keeps serving events');
  });
});

test('context.succeed posts the result', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('contextSucceed');

  assert.equal(outcome.body, '{"via":"succeed"}');
});

test('context.fail() posts "handled"', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('contextFailWithoutError');

  assert.equal(outcome.kind, 'error');
  assert.equal(outcome.body, '{"errorType":"string","errorMessage":"handled","trace":[]}');
});

test('context.done posts the result', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('contextDone');

  assert.equal(outcome.body, '{"via":"done"}');
});

test('circular result posts a stringify error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('circularResult');

  assert.equal(outcome.kind, 'error');
  assert.equal(outcome.json.errorType, 'Error');
  assert.equal(outcome.json.errorMessage, 'Unable to stringify response body');
});

test('circular result on nodejs24.x', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce('circularResult', {
    env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' },
  });

  assert.equal(outcome.kind, 'error');
  assert.equal(outcome.json.errorType, 'Runtime.JSONStringifyError');
  assert.equal(outcome.json.errorMessage, 'Unable to stringify response body');
});

test('invalid JSON event is posted as an error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.asyncSuccess' };
  await withRuntime(options, async ({ api, runtime }) => {
    const outcome = await outcomeOrExit(
      runtime,
      api.invoke(undefined, { rawBody: '{"truncated":' }),
    );

    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.json.errorType, 'SyntaxError');
  });
});

test('uncaught exception posts the error and exits 129', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.uncaughtInTimer' };
  await withRuntime(options, async ({ api, runtime }) => {
    const outcome = await outcomeOrExit(runtime, api.invoke({}));
    const exit = await runtime.exited;

    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.json.errorType, 'Error');
    assert.equal(outcome.json.errorMessage, 'thrown from a timer');
    assert.equal(exit.code, 129);
    assert.match(runtime.output().stdout, /\tERROR\tUncaught Exception \t\{"errorType":"Error"/);
  });
});

test(
  'unhandled rejection posts the error and exits 128',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const options = { functionName: FUNCTION_NAME, handler: 'index.unhandledRejection' };
    await withRuntime(options, async ({ api, runtime }) => {
      const outcome = await outcomeOrExit(runtime, api.invoke({}));
      const exit = await runtime.exited;

      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.json.errorType, 'Runtime.UnhandledPromiseRejection');
      assert.equal(outcome.json.errorMessage, 'Error: nobody handles this');
      assert.equal(exit.code, 128);
      const line = parseLogLines(runtime.output().stdout).find(
        (fields) => fields[3] === 'Unhandled Promise Rejection ',
      );
      assert.ok(line, 'the rejection is logged');
      const logged = JSON.parse(line[4]);
      assert.equal(logged.reason.errorMessage, 'nobody handles this');
      assert.deepEqual(logged.promise, {});
    });
  },
);

test('callback handler warns on nodejs20.x', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.callbackError' };
  await withRuntime(options, async ({ api, runtime }) => {
    await outcomeOrExit(runtime, api.invoke({}));

    const [, requestId, level, message] = parseLogLines((await finalOutput(runtime)).stdout)[0];
    assert.equal(requestId, 'undefined');
    assert.equal(level, 'WARN');
    assert.match(
      message,
      /^AWS Lambda plans to remove support for callback-based function handlers/,
    );
  });
});

test('async handler does not warn', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: FUNCTION_NAME, handler: 'index.asyncSuccess' };
  await withRuntime(options, async ({ api, runtime }) => {
    await outcomeOrExit(runtime, api.invoke({}));

    assert.equal((await finalOutput(runtime)).stdout, '');
  });
});
