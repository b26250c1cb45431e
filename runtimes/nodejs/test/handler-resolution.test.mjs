// Handler lookup: which file a _HANDLER string loads, and how (require or
// import), for every case in AWS's lookup order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withRuntime, outcomeOrExit, FUNCTIONS_DIR } from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 10_000;

/** Starts the runtime, sends one event and returns the posted outcome. */
function invokeOnce(options) {
  return withRuntime(options, ({ api, runtime }) => outcomeOrExit(runtime, api.invoke({})));
}

test('.js in ESM package awaits top-level await', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-esm-type-module',
    handler: 'index.handler',
  });

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.json.style, 'esm-js');
  assert.equal(outcome.json.isModule, true);
  assert.ok(
    outcome.json.initDurationMs >= 190,
    `top-level await took ${outcome.json.initDurationMs} ms`,
  );
});

test('.mjs loads as ESM', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({ functionName: 'node-esm-mjs', handler: 'index.handler' });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { style: 'esm-mjs', isModule: true });
});

test('.cjs loads as CommonJS in ESM package', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-cjs-extension',
    handler: 'index.handler',
  });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { style: 'cjs', isModule: false });
});

test('directory prefix selects a nested file', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-nested-dir',
    handler: 'src/app.lambdaHandler',
  });

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.json.style, 'nested-dir');
  assert.equal(outcome.json.file, path.join(FUNCTIONS_DIR, 'node-nested-dir', 'src', 'app.js'));
});

test('dotted path selects a nested export', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-nested-export',
    handler: 'lib/mod.nested.fn',
  });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { style: 'nested-export' });
});

test('node_modules package is found', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-modules-package',
    handler: 'greeting-handler.handler',
  });

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.json.style, 'node_modules');
  assert.match(
    outcome.json.file,
    /node-modules-package\/node_modules\/greeting-handler\/index\.js$/,
  );
});

test('NODE_PATH package is found', { timeout: TEST_TIMEOUT_MS }, async () => {
  const layerPath = path.join(FUNCTIONS_DIR, 'node-path-layer', 'layer', 'nodejs', 'node_modules');
  const outcome = await invokeOnce({
    functionName: 'node-path-layer/code',
    handler: 'layer-handler.handler',
    env: { NODE_PATH: layerPath },
  });

  assert.equal(outcome.kind, 'response');
  assert.equal(outcome.json.style, 'NODE_PATH');
});

test('extensionless file loads with require', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({ functionName: 'node-extensionless', handler: 'app.handler' });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { style: 'extensionless' });
});

test('.js wins in CommonJS package', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-precedence-cjs',
    handler: 'index.handler',
  });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { loaded: 'index.js' });
});

test('.js wins in ESM package', { timeout: TEST_TIMEOUT_MS }, async () => {
  const outcome = await invokeOnce({
    functionName: 'node-precedence-esm',
    handler: 'index.handler',
  });

  assert.equal(outcome.kind, 'response');
  assert.deepEqual(outcome.json, { loaded: 'index.js' });
});
