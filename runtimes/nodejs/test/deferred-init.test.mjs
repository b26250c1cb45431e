// Deferred-init mode: a spare process started with LAMBDACRAFT_DEFERRED_INIT=1
// waits for {"env", "cwd"} on stdin and then starts like a direct start.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  withRuntime,
  outcomeOrExit,
  startRuntimeApi,
  lambdaEnvironment,
  FUNCTIONS_DIR,
  BOOTSTRAP_PATH,
} from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 10_000;

test('spare process waits for the start request', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = {
    functionName: 'node-handler-styles',
    handler: 'index.asyncSuccess',
    deferred: true,
  };
  await withRuntime(options, async ({ api, runtime }) => {
    await new Promise((resolve) => setTimeout(resolve, 300));

    assert.equal(api.requests.length, 0, 'no Runtime API request before the start request');
    assert.equal(runtime.child.exitCode, null, 'still running');

    runtime.sendStartRequest();
    const outcome = await outcomeOrExit(runtime, api.invoke({ ready: true }));
    assert.equal(outcome.body, '{"received":{"ready":true}}');
  });
});

test('start request replaces environment and cwd', { timeout: TEST_TIMEOUT_MS }, async () => {
  const layerPath = path.join(FUNCTIONS_DIR, 'node-path-layer', 'layer', 'nodejs', 'node_modules');
  const options = {
    functionName: 'node-handler-styles',
    handler: 'index.environment',
    deferred: true,
    env: { TZ: 'Etc/GMT+5', NODE_PATH: layerPath, CUSTOM_SETTING: 'from-start-request' },
  };
  await withRuntime(options, async ({ api, runtime }) => {
    runtime.sendStartRequest();
    const names = ['LAMBDACRAFT_DEFERRED_INIT', 'CUSTOM_SETTING', 'AWS_LAMBDA_FUNCTION_NAME', 'TZ'];
    const outcome = await outcomeOrExit(runtime, api.invoke({ names }));

    assert.equal(outcome.kind, 'response', JSON.stringify(outcome));
    assert.deepEqual(outcome.json, {
      LAMBDACRAFT_DEFERRED_INIT: null,
      CUSTOM_SETTING: 'from-start-request',
      AWS_LAMBDA_FUNCTION_NAME: 'test-function',
      TZ: 'Etc/GMT+5',
      cwd: path.join(FUNCTIONS_DIR, 'node-handler-styles'),
      timezoneOffsetMinutes: 300,
    });
  });
});

test('start request NODE_PATH reaches require', { timeout: TEST_TIMEOUT_MS }, async () => {
  const layerPath = path.join(FUNCTIONS_DIR, 'node-path-layer', 'layer', 'nodejs', 'node_modules');
  const options = {
    functionName: 'node-path-layer/code',
    handler: 'layer-handler.handler',
    deferred: true,
    env: { NODE_PATH: layerPath },
  };
  await withRuntime(options, async ({ api, runtime }) => {
    runtime.sendStartRequest();
    const outcome = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.kind, 'response', JSON.stringify(outcome));
    assert.equal(outcome.json.style, 'NODE_PATH');
  });
});

test('stdin does not keep the loop alive', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = {
    functionName: 'node-handler-styles',
    handler: 'index.syncNoCallback',
    deferred: true,
  };
  await withRuntime(options, async ({ api, runtime }) => {
    runtime.sendStartRequest({ keepStdinOpen: true });

    // stdin stays open here, yet the sync handler must still finish when its
    // own timer has run.
    const outcome = await outcomeOrExit(runtime, api.invoke({}));
    assert.equal(outcome.body, 'null');
  });
});

test('malformed start request exits with an error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = {
    functionName: 'node-handler-styles',
    handler: 'index.asyncSuccess',
    deferred: true,
  };
  await withRuntime(options, async ({ runtime }) => {
    runtime.child.stdin.end('{"env": 1}\n');
    const exit = await runtime.exited;

    assert.equal(exit.code, 1);
    assert.match(
      runtime.output().stderr,
      /deferred init failed: invalid start request line: expected /,
    );
  });
});

// libuv makes a child's stdin blocking when it spawns the child. Creating
// process.stdin afterwards makes the shared pipe non-blocking again, so the
// bootstrap's blocking read fails with EAGAIN.
const NON_BLOCKING_STDIN_LAUNCHER = `
const child = require('node:child_process').spawn(process.execPath, [process.argv[1]], { stdio: 'inherit' });
process.stdin;
child.on('exit', (code) => process.exit(code ?? 1));
`;

test('non-blocking stdin falls back to a stream', { timeout: TEST_TIMEOUT_MS }, async () => {
  const api = await startRuntimeApi();
  const functionDir = path.join(FUNCTIONS_DIR, 'node-handler-styles');
  const env = lambdaEnvironment({
    functionDir,
    handler: 'index.syncNoCallback',
    address: api.address,
  });
  const launcher = spawn(process.execPath, ['-e', NON_BLOCKING_STDIN_LAUNCHER, BOOTSTRAP_PATH], {
    env: { PATH: process.env.PATH, LAMBDACRAFT_DEFERRED_INIT: '1' },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    launcher.stdin.write(JSON.stringify({ env, cwd: functionDir }) + '\n');

    // stdin stays open: the sync handler can only finish if the stream was released.
    const exited = new Promise((resolve) =>
      launcher.on('exit', (code) => resolve({ exited: code })),
    );
    const outcome = await Promise.race([api.invoke({}), exited]);
    assert.equal(outcome.body, 'null', JSON.stringify(outcome));
  } finally {
    launcher.kill('SIGKILL');
    await api.close();
  }
});
