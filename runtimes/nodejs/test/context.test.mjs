// The context object: every field AWS's Node.js runtime sets, its key order,
// getRemainingTimeInMillis and the headers copied into it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRuntime, outcomeOrExit } from './helpers/runtime-api.mjs';

const TEST_TIMEOUT_MS = 10_000;
const FUNCTION_OPTIONS = { functionName: 'node-handler-styles', handler: 'index.echoContext' };

const FULL_HEADERS = {
  'Lambda-Runtime-Trace-Id':
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  'Lambda-Runtime-Client-Context': JSON.stringify({
    client: { installation_id: 'install-1', app_title: 'Orders' },
    custom: { plan: 'gold' },
    env: { locale: 'en_US' },
  }),
  'Lambda-Runtime-Cognito-Identity': JSON.stringify({
    cognitoIdentityId: 'us-east-1:identity-1',
    cognitoIdentityPoolId: 'us-east-1:pool-1',
  }),
  'Lambda-Runtime-Aws-Tenant-Id': 'tenant-42',
};

test('context has every field in AWS order', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(FUNCTION_OPTIONS, async ({ api, runtime }) => {
    const deadlineMs = Date.now() + 60_000;
    const invocation = api.invoke({}, { deadlineMs, headers: FULL_HEADERS });
    const { json } = await outcomeOrExit(runtime, invocation);

    assert.deepEqual(json.keys, [
      'callbackWaitsForEmptyEventLoop',
      'succeed',
      'fail',
      'done',
      'functionVersion',
      'functionName',
      'memoryLimitInMB',
      'logGroupName',
      'logStreamName',
      'clientContext',
      'identity',
      'invokedFunctionArn',
      'awsRequestId',
      'tenantId',
      'getRemainingTimeInMillis',
    ]);
    assert.deepEqual(json.serialized, {
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: '$LATEST',
      functionName: 'test-function',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/test-function',
      logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
      clientContext: JSON.parse(FULL_HEADERS['Lambda-Runtime-Client-Context']),
      identity: JSON.parse(FULL_HEADERS['Lambda-Runtime-Cognito-Identity']),
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
      awsRequestId: invocation.requestId,
      tenantId: 'tenant-42',
    });
    assert.equal(json.callbackWaitsForEmptyEventLoop, true);
    assert.equal(json.traceId, FULL_HEADERS['Lambda-Runtime-Trace-Id']);
  });
});

test('remaining time counts down to the deadline', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(FUNCTION_OPTIONS, async ({ api, runtime }) => {
    const deadlineMs = Date.now() + 3_000;
    const { json } = await outcomeOrExit(runtime, api.invoke({}, { deadlineMs }));

    assert.ok(json.remainingTimeMs <= 3_000, `remaining ${json.remainingTimeMs} ms`);
    assert.ok(json.remainingTimeMs > 2_000, `remaining ${json.remainingTimeMs} ms`);
  });
});

test('remaining time goes negative past the deadline', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(FUNCTION_OPTIONS, async ({ api, runtime }) => {
    const deadlineMs = Date.now() - 1_000;
    const { json } = await outcomeOrExit(runtime, api.invoke({}, { deadlineMs }));

    assert.ok(json.remainingTimeMs <= -1_000, `remaining ${json.remainingTimeMs} ms`);
  });
});

test('absent headers leave fields undefined', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(FUNCTION_OPTIONS, async ({ api, runtime }) => {
    await outcomeOrExit(runtime, api.invoke({}, { headers: FULL_HEADERS }));
    const { json } = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(json.traceId, null, '_X_AMZN_TRACE_ID is removed');
    assert.equal(json.clientContext, null);
    assert.equal(json.identity, null);
    assert.equal(json.tenantId, null);
    assert.ok(!('clientContext' in json.serialized));
  });
});

test('callbackWaitsForEmptyEventLoop is writable', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: 'node-handler-styles', handler: 'index.callbackReturnsAtOnce' };
  await withRuntime(options, async ({ api, runtime }) => {
    const outcome = await outcomeOrExit(runtime, api.invoke({}));

    assert.equal(outcome.body, '{"waited":false}');
  });
});

test('malformed client context fails the invocation', { timeout: TEST_TIMEOUT_MS }, async () => {
  await withRuntime(FUNCTION_OPTIONS, async ({ api, runtime }) => {
    const headers = { 'Lambda-Runtime-Client-Context': '{not json' };
    const outcome = await outcomeOrExit(runtime, api.invoke({}, { headers }));

    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.json.errorType, 'Error');
    assert.match(outcome.json.errorMessage, /^Cannot parse ClientContext as json: SyntaxError: /);
  });
});
