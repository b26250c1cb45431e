import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConfigurationCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';

import { json, startPlatform, testFunction, type RunningPlatform } from './helpers.js';

describe('reserved concurrency', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([
      testFunction('python-basic', 'python3.11', 'app.sleep'),
      { ...testFunction('python-basic', 'python3.11', 'app.echo'), functionName: 'echo' },
    ]);
  });
  after(async () => {
    await running.close();
  });

  function sleepFor(seconds: number) {
    return running.lambda.send(
      new InvokeCommand({
        FunctionName: 'python-basic',
        Payload: Buffer.from(JSON.stringify({ seconds })),
      }),
    );
  }

  it('sets, reads and deletes a reservation through the Lambda API', async () => {
    const { lambda } = running;
    const before = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    assert.equal(before.ReservedConcurrentExecutions, undefined);

    const put = await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'echo', ReservedConcurrentExecutions: 7 }),
    );
    assert.equal(put.ReservedConcurrentExecutions, 7);
    const read = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    assert.equal(read.ReservedConcurrentExecutions, 7);
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    const limit = running.platform.limits.accountLimit;
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, limit);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, limit - 7);
    assert.equal(settings.AccountUsage?.FunctionCount, 2);
    // Both functions run the python-basic folder, so the total is twice its CodeSize.
    const echo = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    assert.ok((echo.CodeSize ?? 0) > 0);
    assert.equal(settings.AccountUsage?.TotalCodeSize, 2 * (echo.CodeSize ?? 0));

    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    const after = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    assert.equal(after.ReservedConcurrentExecutions, undefined);
  });

  it('throttles an invocation over the reservation with the 429 Lambda sends', async () => {
    await running.lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'python-basic',
        ReservedConcurrentExecutions: 1,
      }),
    );
    const slow = sleepFor(1);
    // Let the first invocation take the only slot.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const response = await fetch(
      `${running.endpoint}/2015-03-31/functions/python-basic/invocations`,
      { method: 'POST', body: '{"seconds":0}' },
    );
    assert.equal(response.status, 429, await response.clone().text());
    assert.equal(response.headers.get('x-amzn-errortype'), 'TooManyRequestsException');
    assert.equal(response.headers.get('retry-after'), '1');
    assert.equal(
      await response.text(),
      '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}',
    );

    await assert.rejects(sleepFor(0), (error: unknown) => {
      assert.ok(error instanceof TooManyRequestsException);
      assert.equal(error.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      assert.equal(error.retryAfterSeconds, '1');
      return true;
    });

    const first = await slow;
    assert.equal(first.FunctionError, undefined);
    // The slot is free again once the first invocation ended.
    const next = await sleepFor(0);
    assert.equal(next.StatusCode, 200);
    assert.ok(json(next.Payload));

    const throttles = running.platform.store
      .recentInvocations('python-basic', 10)
      .filter((record) => record.outcome === 'throttled');
    assert.equal(throttles.length, 2);
    assert.ok(throttles.every((record) => record.billedDurationMs === 0));
    await running.lambda.send(
      new DeleteFunctionConcurrencyCommand({ FunctionName: 'python-basic' }),
    );
  });

  it('throttles every invocation at a reservation of zero', async () => {
    await running.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'echo', ReservedConcurrentExecutions: 0 }),
    );
    await assert.rejects(
      running.lambda.send(new InvokeCommand({ FunctionName: 'echo' })),
      TooManyRequestsException,
    );
    await running.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    const result = await running.lambda.send(new InvokeCommand({ FunctionName: 'echo' }));
    assert.equal(result.StatusCode, 200);
  });

  it('refuses what Lambda refuses', async () => {
    const limit = running.platform.limits.accountLimit;
    const minimum = running.platform.limits.unreservedMinimum;
    const cases: [string, unknown, number, string, string][] = [
      [
        'echo',
        limit - minimum + 1,
        400,
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`,
      ],
      [
        'echo',
        -1,
        400,
        'ValidationException',
        "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0",
      ],
      [
        'echo:1',
        5,
        400,
        'InvalidParameterValueException',
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      ],
      [
        'missing',
        5,
        404,
        'ResourceNotFoundException',
        'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing:$LATEST',
      ],
    ];
    for (const [name, executions, status, code, message] of cases) {
      const response = await fetch(
        `${running.endpoint}/2017-10-31/functions/${encodeURIComponent(name)}/concurrency`,
        { method: 'PUT', body: JSON.stringify({ ReservedConcurrentExecutions: executions }) },
      );
      assert.equal(response.status, status, name);
      assert.equal(response.headers.get('x-amzn-errortype'), code);
      const body = (await response.json()) as { message?: string; Message?: string };
      assert.equal(body.message ?? body.Message, message);
    }
  });
});
