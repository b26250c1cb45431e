// console.* output: the text and JSON line formats of AWS's Node.js runtime,
// request ids, multi-line messages and AWS_LAMBDA_LOG_LEVEL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRuntime, outcomeOrExit, parseLogLines, finalOutput } from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 10_000;
const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Runs `index.<exportName>` of the logging fixture once; returns the request id and stdout. */
function captureLogs(exportName, { env, headers } = {}) {
  const options = { functionName: 'node-logging', handler: `index.${exportName}`, env };
  return withRuntime(options, async ({ api, runtime }) => {
    const invocation = api.invoke({}, { headers });
    const outcome = await outcomeOrExit(runtime, invocation);
    assert.equal(outcome.kind, 'response', JSON.stringify(outcome));
    const { stdout } = await finalOutput(runtime);
    return { requestId: invocation.requestId, stdout };
  });
}

test('text lines have four fields', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { requestId, stdout } = await captureLogs('logLines');
  const lines = parseLogLines(stdout);

  assert.ok(stdout.endsWith('\n'));
  for (const fields of lines) {
    assert.equal(fields.length, 4, JSON.stringify(fields));
    assert.match(fields[0], ISO_TIMESTAMP);
  }
  assert.deepEqual(
    lines.map(([, id, level, message]) => [id, level, message]),
    [
      ['undefined', 'INFO', 'module loaded'],
      [requestId, 'INFO', 'hello world, number 42'],
      [requestId, 'INFO', 'info line'],
      [requestId, 'WARN', 'warn line'],
      [requestId, 'ERROR', 'error line'],
      [requestId, 'DEBUG', 'debug line'],
      [requestId, 'TRACE', 'trace line'],
      [requestId, 'INFO', 'first\rsecond\rthird'],
      [requestId, 'INFO', '{ nested: { value: 1 } }'],
    ],
  );
});

test('logged Error keeps its stack in one line', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { stdout } = await captureLogs('logError');
  const lines = parseLogLines(stdout).slice(1);

  assert.equal(lines.length, 2);
  assert.match(lines[0][3], /^RangeError: value out of range\r {4}at /);
  assert.match(lines[1][3], /^failed to save Error: disk full\r {4}at /);
});

test('JSON format writes one object per line', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { requestId, stdout } = await captureLogs('logLines', {
    env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' },
    headers: { 'Lambda-Runtime-Aws-Tenant-Id': 'tenant-a' },
  });
  const records = stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

  assert.match(records[0].timestamp, ISO_TIMESTAMP);
  assert.deepEqual(Object.keys(records[0]), ['timestamp', 'level', 'message']);
  assert.equal(records[0].message, 'module loaded');
  assert.deepEqual(Object.keys(records[1]), [
    'timestamp',
    'level',
    'requestId',
    'tenantId',
    'message',
  ]);
  assert.equal(records[1].requestId, requestId);
  assert.equal(records[1].tenantId, 'tenant-a');
  assert.equal(records[1].message, 'hello world, number 42');
  assert.equal(records[7].message, 'first\nsecond\nthird');
  assert.deepEqual(records[8].message, { nested: { value: 1 } });
  assert.deepEqual(
    records.map((record) => record.level),
    ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG', 'TRACE', 'INFO', 'INFO'],
  );
});

test('JSON format expands logged errors', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { stdout } = await captureLogs('logError', { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } });
  const [, alone, withText] = stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

  assert.equal(alone.message.errorType, 'RangeError');
  assert.equal(alone.message.errorMessage, 'value out of range');
  assert.ok(Array.isArray(alone.message.stackTrace));
  assert.match(withText.message, /^failed to save Error: disk full\n/);
  assert.equal(withText.errorType, 'Error');
  assert.equal(withText.errorMessage, 'disk full');
  assert.ok(Array.isArray(withText.stackTrace));
});

test('log level drops lower levels', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { stdout } = await captureLogs('logLines', {
    env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
  });
  const records = stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

  assert.deepEqual(
    records.map((record) => record.message),
    ['warn line', 'error line'],
  );
});
