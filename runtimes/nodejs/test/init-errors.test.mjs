// Init failures: each is posted to /runtime/init/error with the
// Lambda-Runtime-Function-Error-Type header and a {errorType, errorMessage,
// trace} body, logged as AWS's runtime logs it, and ends the process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRuntime, parseLogLines, BOOTSTRAP_PATH } from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 10_000;

/** Starts the runtime and returns the posted Init error, the exit and the output. */
function captureInitFailure(options) {
  return withRuntime(options, async ({ api, runtime }) => {
    const initError = await Promise.race([
      api.initError,
      runtime.exited.then((exit) =>
        assert.fail(`exited with ${JSON.stringify(exit)} and no Init error`),
      ),
    ]);
    const exit = await runtime.exited;
    const polls = api.requests.filter((request) => request.url.endsWith('/invocation/next'));
    return { initError, exit, output: runtime.output(), pollCount: polls.length };
  });
}

/** Checks the parts every Init failure shares. */
function assertInitFailure(failure, { errorType, errorMessage, logLabel = 'Uncaught Exception' }) {
  const { initError, exit, output, pollCount } = failure;
  assert.equal(initError.headers['lambda-runtime-function-error-type'], errorType);
  assert.equal(initError.headers['content-type'], 'application/json');
  assert.equal(initError.json.errorType, errorType);
  if (errorMessage instanceof RegExp) {
    assert.match(initError.json.errorMessage, errorMessage);
  } else {
    assert.equal(initError.json.errorMessage, errorMessage);
  }
  assert.ok(Array.isArray(initError.json.trace), 'trace is an array');
  assert.equal(exit.code, 129);
  assert.equal(pollCount, 0, 'no GET /next after a failed Init');

  const errorLine = parseLogLines(output.stdout).find((fields) => fields[2] === 'ERROR');
  assert.ok(errorLine, `an ERROR log line in ${JSON.stringify(output.stdout)}`);
  assert.equal(errorLine[1], 'undefined');
  assert.equal(errorLine[3], `${logLabel} `);
  const loggedError = JSON.parse(errorLine[4]);
  assert.equal(loggedError.errorType, errorType);
  assert.ok(Array.isArray(loggedError.stack), 'logged stack is an array');
}

test('handler without a dot is malformed', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-handler-styles',
    handler: 'index',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.MalformedHandlerName',
    errorMessage: 'Bad handler',
  });
});

test('handler with ".." is malformed', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-handler-styles',
    handler: '../node-esm-mjs/index.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.MalformedHandlerName',
    errorMessage:
      "'../node-esm-mjs/index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
  });
});

test('missing module is an ImportModuleError', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-handler-styles',
    handler: 'missing.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.ImportModuleError',
    errorMessage: /^Error: Cannot find module 'missing'\nRequire stack:\n- /,
  });
  assert.equal(
    failure.initError.json.trace[0],
    "Runtime.ImportModuleError: Error: Cannot find module 'missing'",
  );
  assert.ok(
    failure.initError.json.errorMessage.includes(BOOTSTRAP_PATH.replace('bootstrap.js', '')),
  );
});

test('CommonJS syntax error is a UserCodeSyntaxError', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-syntax-error-cjs',
    handler: 'index.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.UserCodeSyntaxError',
    errorMessage: /^SyntaxError: /,
  });
});

test('ES module syntax error is a UserCodeSyntaxError', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-syntax-error-esm',
    handler: 'node_modules/app/index.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.UserCodeSyntaxError',
    errorMessage: /^SyntaxError: /,
  });
});

test('missing export is HandlerNotFound', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-nested-export',
    handler: 'lib/mod.nested.missing',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.HandlerNotFound',
    errorMessage: 'lib/mod.nested.missing is undefined or not exported',
  });
});

test('export that is not a function is HandlerNotFound', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-nested-export',
    handler: 'lib/mod.nested.notAFunction',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.HandlerNotFound',
    errorMessage: 'lib/mod.nested.notAFunction is not a function',
  });
});

test('module that throws reports its own error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-init-throws',
    handler: 'index.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Error',
    errorMessage: 'database URL is not configured',
  });
  const loggedError = JSON.parse(parseLogLines(failure.output.stdout)[0][4]);
  assert.equal(loggedError.code, 'E_CONFIG');
});

test('rejected top-level await fails Init', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-init-rejects-esm',
    handler: 'index.handler',
  });

  assertInitFailure(failure, { errorType: 'Error', errorMessage: 'secret could not be fetched' });
});

test('nodejs24.x rejects callback handlers', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-handler-styles',
    handler: 'index.callbackWaitsForTimer',
    env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' },
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.CallbackHandlerDeprecated',
    errorMessage:
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    logLabel: 'Init Error',
  });
});

test('streaming handler is rejected by name', { timeout: TEST_TIMEOUT_MS }, async () => {
  const failure = await captureInitFailure({
    functionName: 'node-streaming',
    handler: 'index.handler',
  });

  assertInitFailure(failure, {
    errorType: 'Runtime.ResponseStreamingNotSupported',
    errorMessage: /awslambda\.streamifyResponse/,
  });
});

test('never-settling Init exits with 13', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: 'node-init-never-settles', handler: 'index.handler' };
  await withRuntime(options, async ({ api, runtime }) => {
    const exit = await runtime.exited;

    assert.equal(exit.code, 13);
    assert.deepEqual(api.requests, []);
  });
});
