import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  GetFunctionEventInvokeConfigCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
  DeleteFunctionEventInvokeConfigCommand,
  type LambdaServiceException,
} from '@aws-sdk/client-lambda';

import { validateFunctionConfig } from '../src/functions/function-config.js';
import type { EventInvokeSettings } from '../src/invoke/async/event-invoke-config.js';
import { Platform } from '../src/platform.js';
import {
  CLIENT_OPTIONS,
  FUNCTIONS_DIR,
  startUpProcess,
  testFunction,
  type UpProcess,
} from './helpers.js';

/** One scaled minute is 60 ms. */
const TIME_SCALE = 0.001;
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function';
const MAX_EVENT_PAYLOAD_BYTES = 1_048_576;

interface RecordedCall {
  requestId: string;
  time: number;
  event: Record<string, unknown>;
}

/** Each test function appends to its own file: `<name>.jsonl` in the records folder. */
const FUNCTIONS = [
  ['async-ok', 'app.record'],
  ['async-fail', 'app.fail'],
  ['async-fail-once', 'app.fail'],
  ['async-expiring', 'app.fail'],
  ['async-zero', 'app.record'],
  ['async-throttled', 'app.record_slowly'],
  ['async-destination', 'app.record'],
] as const;

describe('asynchronous invocation', () => {
  let platform: Platform;
  let lambda: LambdaClient;
  let endpoint: string;
  let dataDir: string;
  let recordsDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-async-'));
    // Environments get a private /tmp when the platform runs as root, so the handlers
    // write their records under /var/tmp, which they share with the test.
    recordsDir = mkdtempSync('/var/tmp/lambdacraft-async-records-');
    const specs = FUNCTIONS.map(([functionName, handler]) =>
      testFunction('python-async', 'python3.11', handler, {
        functionName,
        environment: { RECORD_FILE: path.join(recordsDir, `${functionName}.jsonl`) },
      }),
    );
    platform = await Platform.start({
      dataDir,
      functions: specs.map(validateFunctionConfig),
      asyncTimeScale: TIME_SCALE,
    });
    endpoint = await platform.listen(0, '127.0.0.1');
    lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  });
  after(async () => {
    lambda.destroy();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(recordsDir, { recursive: true, force: true });
  });

  function calls(functionName: string): RecordedCall[] {
    const file = path.join(recordsDir, `${functionName}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RecordedCall);
  }

  // Generous, because a loaded machine can take seconds per cold start.
  async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  /** The invocation record the destination function received for a request id. */
  function destinationRecord(requestId: string): Promise<Record<string, unknown>> {
    return waitFor(
      () =>
        calls('async-destination').find(
          (call) =>
            (call.event.requestContext as Record<string, unknown> | undefined)?.requestId ===
            requestId,
        )?.event,
      `the destination record of ${requestId}`,
    );
  }

  async function invokeEvent(functionName: string, payload: unknown): Promise<string> {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    assert.equal(result.StatusCode, 202);
    assert.ok(result.$metadata.requestId);
    return result.$metadata.requestId;
  }

  async function putConfig(
    functionName: string,
    settings: { retries?: number; maxAge?: number; onSuccess?: string; onFailure?: string },
  ) {
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: functionName,
        MaximumRetryAttempts: settings.retries,
        MaximumEventAgeInSeconds: settings.maxAge,
        DestinationConfig: {
          OnSuccess:
            settings.onSuccess === undefined ? undefined : { Destination: settings.onSuccess },
          OnFailure:
            settings.onFailure === undefined ? undefined : { Destination: settings.onFailure },
        },
      }),
    );
  }

  it('answers 202 and runs the event under its request id', async () => {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: 'async-ok',
        InvocationType: 'Event',
        Payload: Buffer.from('{"n":1}'),
      }),
    );

    assert.equal(result.StatusCode, 202);
    assert.equal(result.ExecutedVersion, undefined);
    assert.equal(Buffer.from(result.Payload ?? new Uint8Array()).length, 0);
    const requestId = result.$metadata.requestId ?? '';
    const call = await waitFor(
      () => calls('async-ok').find((item) => item.requestId === requestId),
      'the event to run',
    );
    assert.deepEqual(call.event, { n: 1 });
  });

  it('delivers a Success record to the OnSuccess destination', async () => {
    await putConfig('async-ok', { onSuccess: `${ARN_PREFIX}:async-destination` });
    const requestId = await invokeEvent('async-ok', { order: 7 });

    const record = await destinationRecord(requestId);
    assert.equal(record.version, '1.0');
    assert.match(String(record.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(record, {
      version: '1.0',
      timestamp: record.timestamp,
      requestContext: {
        requestId,
        functionArn: `${ARN_PREFIX}:async-ok:$LATEST`,
        condition: 'Success',
        approximateInvokeCount: 1,
      },
      requestPayload: { order: 7 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { received: { order: 7 } },
    });
  });

  it('retries a function error twice, one then two scaled minutes apart', async () => {
    await putConfig('async-fail', { onFailure: `${ARN_PREFIX}:async-destination` });
    const requestId = await invokeEvent('async-fail', { attempt: 'all' });

    const record = await destinationRecord(requestId);
    const attempts = calls('async-fail').filter((call) => call.requestId === requestId);
    assert.equal(attempts.length, 3);
    const [first, second, third] = attempts.map((call) => call.time * 1000);
    assert.ok(
      (second ?? 0) - (first ?? 0) >= 60_000 * TIME_SCALE * 0.9,
      'the 2nd attempt waits one scaled minute',
    );
    assert.ok(
      (third ?? 0) - (second ?? 0) >= 120_000 * TIME_SCALE * 0.9,
      'the 3rd attempt waits two scaled minutes',
    );
    assert.deepEqual(record.requestContext, {
      requestId,
      functionArn: `${ARN_PREFIX}:async-fail:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    assert.deepEqual(record.requestPayload, { attempt: 'all' });
    assert.deepEqual(record.responseContext, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    const response = record.responsePayload as Record<string, unknown>;
    assert.equal(response.errorType, 'RuntimeError');
    assert.equal(response.errorMessage, 'failed on purpose');
    assert.deepEqual(Object.keys(record), [
      'version',
      'timestamp',
      'requestContext',
      'requestPayload',
      'responseContext',
      'responsePayload',
    ]);
  });

  it('runs once with MaximumRetryAttempts 0', async () => {
    await putConfig('async-fail-once', {
      retries: 0,
      onFailure: `${ARN_PREFIX}:async-destination`,
    });
    const requestId = await invokeEvent('async-fail-once', {});

    const record = await destinationRecord(requestId);
    const context = record.requestContext as Record<string, unknown>;
    assert.equal(context.condition, 'RetriesExhausted');
    assert.equal(context.approximateInvokeCount, 1);
    assert.equal(calls('async-fail-once').filter((call) => call.requestId === requestId).length, 1);
  });

  it('gives up with EventAgeExceeded when a retry would start too late', async () => {
    // 60 s is the minimum age; scaled it is 60 ms, shorter than the first retry delay.
    await putConfig('async-expiring', {
      maxAge: 60,
      onFailure: `${ARN_PREFIX}:async-destination`,
    });
    const requestId = await invokeEvent('async-expiring', { late: true });

    const record = await destinationRecord(requestId);
    assert.deepEqual(record.requestContext, {
      requestId,
      functionArn: `${ARN_PREFIX}:async-expiring:$LATEST`,
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 1,
    });
    assert.deepEqual(record.requestPayload, { late: true });
    assert.deepEqual(record.responseContext, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
  });

  it('sends events of a function with reserved concurrency 0 to OnFailure', async () => {
    await lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'async-zero',
        ReservedConcurrentExecutions: 0,
      }),
    );
    await putConfig('async-zero', { onFailure: `${ARN_PREFIX}:async-destination` });
    const requestId = await invokeEvent('async-zero', { zero: 1 });

    const record = await destinationRecord(requestId);
    assert.deepEqual(record, {
      version: '1.0',
      timestamp: record.timestamp,
      requestContext: {
        requestId,
        functionArn: `${ARN_PREFIX}:async-zero:$LATEST`,
        condition: 'ZeroReservedConcurrency',
        approximateInvokeCount: 0,
      },
      requestPayload: { zero: 1 },
    });
    assert.equal(calls('async-zero').length, 0);
  });

  it('retries a throttled event until a slot is free', async () => {
    await lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'async-throttled',
        ReservedConcurrentExecutions: 1,
      }),
    );
    // A slow synchronous invocation takes the only slot while the events arrive.
    const blocking = lambda.send(
      new InvokeCommand({
        FunctionName: 'async-throttled',
        Payload: Buffer.from('{"sleep":0.5}'),
      }),
    );
    await sleep(50);
    const requestIds = await Promise.all(
      [1, 2, 3].map((n) => invokeEvent('async-throttled', { n })),
    );
    await blocking;

    await waitFor(
      () =>
        requestIds.every((id) => calls('async-throttled').some((call) => call.requestId === id))
          ? true
          : undefined,
      'every throttled event to run',
    );
    const records = platform.store
      .recentInvocations('async-throttled', 1000)
      .filter((record) => requestIds.includes(record.requestId));
    const throttled = records.filter((record) => record.outcome === 'throttled');
    assert.ok(throttled.length >= 1, 'at least one event was throttled first');
    assert.equal(records.filter((record) => record.outcome === 'success').length, 3);
  });

  it('queues events from the deprecated InvokeAsync operation', async () => {
    const result = await lambda.send(
      new InvokeAsyncCommand({ FunctionName: 'async-ok', InvokeArgs: '{"legacy":true}' }),
    );

    assert.equal(result.Status, 202);
    await waitFor(
      () => calls('async-ok').find((call) => call.event.legacy === true),
      'the InvokeAsync event to run',
    );
  });

  it('rejects an event payload over 1 MB with 413', async () => {
    const body = `"${'a'.repeat(MAX_EVENT_PAYLOAD_BYTES - 1)}"`;
    const response = await fetch(`${endpoint}/2015-03-31/functions/async-ok/invocations`, {
      method: 'POST',
      body,
      headers: { 'X-Amz-Invocation-Type': 'Event' },
    });

    assert.equal(response.status, 413);
    assert.equal(response.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    const error = (await response.json()) as Record<string, unknown>;
    assert.equal(
      error.message,
      '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
    );
  });

  it('accepts an event payload of exactly 1 MB', async () => {
    const body = `"${'a'.repeat(MAX_EVENT_PAYLOAD_BYTES - 2)}"`;
    const response = await fetch(`${endpoint}/2015-03-31/functions/async-ok/invocations`, {
      method: 'POST',
      body,
      headers: { 'X-Amz-Invocation-Type': 'Event' },
    });

    assert.equal(response.status, 202);
    assert.equal(await response.text(), '');
  });

  it('rejects an event body that is not JSON', async () => {
    const response = await fetch(`${endpoint}/2015-03-31/functions/async-ok/invocations`, {
      method: 'POST',
      body: '{not json',
      headers: { 'X-Amz-Invocation-Type': 'Event' },
    });

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
  });

  it('rejects an event for a missing function with 404', async () => {
    await expectError(
      invokeEvent('no-such-function', {}),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN_PREFIX}:no-such-function:$LATEST`,
    );
  });
});

describe('EventInvokeConfig API', () => {
  let platform: Platform;
  let lambda: LambdaClient;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-async-config-'));
    ({ platform, lambda } = await startConfigPlatform(dataDir));
  });
  after(async () => {
    lambda.destroy();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('puts and gets a config', async () => {
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'config-a',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: `${ARN_PREFIX}:config-b` } },
      }),
    );
    const got = await lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'config-a' }),
    );

    for (const config of [put, got]) {
      assert.equal(config.FunctionArn, `${ARN_PREFIX}:config-a:$LATEST`);
      assert.equal(config.MaximumRetryAttempts, 1);
      assert.equal(config.MaximumEventAgeInSeconds, 3600);
      assert.deepEqual(config.DestinationConfig, {
        OnSuccess: {},
        OnFailure: { Destination: `${ARN_PREFIX}:config-b` },
      });
      assert.ok(config.LastModified instanceof Date);
    }
  });

  it('merges an update into the config', async () => {
    const updated = await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'config-a',
        MaximumRetryAttempts: 0,
      }),
    );

    assert.equal(updated.MaximumRetryAttempts, 0);
    assert.equal(updated.MaximumEventAgeInSeconds, 3600);
    assert.equal(updated.DestinationConfig?.OnFailure?.Destination, `${ARN_PREFIX}:config-b`);
  });

  it('replaces the whole config on put', async () => {
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'config-a',
        MaximumRetryAttempts: 2,
      }),
    );

    assert.equal(put.MaximumEventAgeInSeconds, undefined);
    assert.deepEqual(put.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
  });

  it('lists the configs of a function', async () => {
    const list = await lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'config-a' }),
    );

    assert.deepEqual(
      list.FunctionEventInvokeConfigs?.map((config) => config.FunctionArn),
      [`${ARN_PREFIX}:config-a:$LATEST`],
    );
    assert.equal(list.NextMarker, undefined);
  });

  it('rejects a negative retry count', async () => {
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          MaximumRetryAttempts: -1,
        }),
      ),
      'ValidationException',
      400,
      "1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
  });

  it('rejects an invalid qualifier', async () => {
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          Qualifier: 'bad!',
          MaximumRetryAttempts: 1,
        }),
      ),
      'ValidationException',
      400,
      "1 validation error detected: Value 'bad!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
    );
  });

  it('rejects retry count and event age out of range together', async () => {
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          MaximumRetryAttempts: 3,
          MaximumEventAgeInSeconds: 59,
        }),
      ),
      'ValidationException',
      400,
      "2 validation errors detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2; Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
    );
  });

  it('rejects a put that sets nothing', async () => {
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'config-a' })),
      'InvalidParameterValueException',
      400,
      'You must specify at least one of error handling or destination setting.',
    );
  });

  it('rejects a destination function that does not exist', async () => {
    const missing = `${ARN_PREFIX}:missing`;
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          DestinationConfig: { OnSuccess: { Destination: missing } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      `The destination ARN ${missing} is invalid.`,
    );
  });

  it('rejects the function as its own destination', async () => {
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          DestinationConfig: { OnFailure: { Destination: `${ARN_PREFIX}:config-a` } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      "You can't specify the function as a destination for itself.",
    );
  });

  it('rejects a queue destination the platform lacks', async () => {
    const queue = 'arn:aws:sqs:us-east-1:000000000000:failures';
    await expectError(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'config-a',
          DestinationConfig: { OnFailure: { Destination: queue } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      `The destination ARN ${queue} names an Amazon SQS queue, and LambdaCraft does not provide that service yet; use a Lambda function ARN as the destination`,
    );
  });

  it('deletes a config, after which get is 404', async () => {
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'config-a' }));

    await expectError(
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'config-a' })),
      'ResourceNotFoundException',
      404,
      `The function ${ARN_PREFIX}:config-a:$LATEST doesn't have an EventInvokeConfig`,
    );
  });

  it('rejects an update of a missing config with 404', async () => {
    await expectError(
      lambda.send(
        new UpdateFunctionEventInvokeConfigCommand({
          FunctionName: 'config-b',
          MaximumRetryAttempts: 1,
        }),
      ),
      'ResourceNotFoundException',
      404,
      `The function ${ARN_PREFIX}:config-b:$LATEST doesn't have an EventInvokeConfig`,
    );
  });

  it('keeps configs across a restart', async () => {
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'config-b',
        MaximumRetryAttempts: 1,
      }),
    );
    lambda.destroy();
    await platform.close();
    ({ platform, lambda } = await startConfigPlatform(dataDir));

    const config = await lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'config-b' }),
    );
    assert.equal(config.MaximumRetryAttempts, 1);
  });

  it('applies a template config over a stored one', async () => {
    lambda.destroy();
    await platform.close();
    const fromTemplate: EventInvokeSettings = {
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 600,
      onSuccess: undefined,
      onFailure: `${ARN_PREFIX}:config-a`,
    };
    ({ platform, lambda } = await startConfigPlatform(
      dataDir,
      new Map([['config-b', fromTemplate]]),
    ));

    const config = await lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'config-b' }),
    );
    assert.equal(config.MaximumRetryAttempts, 0);
    assert.equal(config.MaximumEventAgeInSeconds, 600);
    assert.equal(config.DestinationConfig?.OnFailure?.Destination, `${ARN_PREFIX}:config-a`);
  });
});

describe('async queue across a kill -9', () => {
  let workDir: string;
  let recordFile: string;
  const children: ChildProcess[] = [];

  before(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-async-crash-'));
    const recordsDir = mkdtempSync('/var/tmp/lambdacraft-async-crash-records-');
    recordFile = path.join(recordsDir, 'ids.txt');
    writeFileSync(
      path.join(workDir, 'template.yaml'),
      [
        "AWSTemplateFormatVersion: '2010-09-09'",
        'Transform: AWS::Serverless-2016-10-31',
        'Resources:',
        '  Appender:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      FunctionName: appender',
        `      CodeUri: ${path.join(FUNCTIONS_DIR, 'python-async')}`,
        '      Handler: app.append_id_when_done',
        '      Runtime: python3.11',
        '      Environment:',
        '        Variables:',
        `          RECORD_FILE: ${recordFile}`,
        '',
      ].join('\n'),
    );
  });
  after(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(workDir, { recursive: true, force: true });
    rmSync(path.dirname(recordFile), { recursive: true, force: true });
  });

  /** Starts `lambdacraft up` as a child process and returns it with its AWS endpoint. */
  async function startChild(): Promise<UpProcess> {
    return startUpProcess(workDir, path.join(workDir, 'data'), { children });
  }

  function recordedIds(): string[] {
    if (!existsSync(recordFile)) return [];
    return readFileSync(recordFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  it('runs every accepted event after a restart', async (t) => {
    const first = await startChild();
    const lambda = sdkClient(first.endpoint);
    const ids = Array.from({ length: 100 }, (_, index) => `event-${index}`);

    // Ten senders at a time; the child is killed as soon as the 100th 202 arrives.
    let next = 0;
    const send = async () => {
      while (next < ids.length) {
        const id = ids[next++] ?? '';
        const result = await lambda.send(
          new InvokeCommand({
            FunctionName: 'appender',
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify({ id, sleep: 0.2 })),
          }),
        );
        assert.equal(result.StatusCode, 202);
      }
    };
    await Promise.all(Array.from({ length: 10 }, send));
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    lambda.destroy();
    const doneBeforeKill = new Set(recordedIds()).size;

    const second = await startChild();
    const deadline = Date.now() + 120_000;
    while (!ids.every((id) => recordedIds().includes(id)) && Date.now() < deadline) {
      await sleep(100);
    }
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');

    const recorded = recordedIds();
    const missing = ids.filter((id) => !recorded.includes(id));
    const duplicates = recorded.length - new Set(recorded).size;
    t.diagnostic(
      `finished before the kill: ${doneBeforeKill}; duplicates (at-least-once): ${duplicates}`,
    );
    assert.deepEqual(missing, [], 'every accepted event ran');
  });
});

/** Awaits a call that must fail with the Lambda error `name`, its status and message. */
async function expectError(
  promise: Promise<unknown>,
  name: string,
  status: number,
  message: string,
): Promise<void> {
  const error = await promise.then(
    () => assert.fail(`expected ${name}`),
    (thrown: unknown) => thrown as LambdaServiceException,
  );
  assert.equal(error.name, name);
  assert.equal(error.$metadata.httpStatusCode, status);
  assert.equal(error.message, message);
}

function sdkClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
}

async function startConfigPlatform(
  dataDir: string,
  eventInvokeConfigs?: Map<string, EventInvokeSettings>,
) {
  const specs = ['config-a', 'config-b'].map((functionName) =>
    testFunction('python-async', 'python3.11', 'app.record', { functionName }),
  );
  const platform = await Platform.start({
    dataDir,
    functions: specs.map(validateFunctionConfig),
    spares: false,
    eventInvokeConfigs,
  });
  const endpoint = await platform.listen(0, '127.0.0.1');
  return { platform, lambda: sdkClient(endpoint) };
}
