import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';

import { json, parseReport, startPlatform, testFunction, type RunningPlatform } from './helpers.js';

const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

describe('Invoke API', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([testFunction('provided-echo', 'provided.al2023', undefined)]);
  });
  after(async () => {
    await running.close();
  });

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    return fetch(`${running.endpoint}${path}`, { method: 'POST', body, headers });
  }

  it('returns the payload and the executed version', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', Payload: Buffer.from('{"a":1}') }),
    );

    assert.equal(result.StatusCode, 200);
    assert.equal(result.ExecutedVersion, '$LATEST');
    assert.equal(result.FunctionError, undefined);
    const payload = json(result.Payload) as { echo: unknown; arn: string; deadlineMs: number };
    assert.deepEqual(payload.echo, { a: 1 });
    assert.equal(payload.arn, 'arn:aws:lambda:us-east-1:000000000000:function:provided-echo');
    assert.ok(payload.deadlineMs > Date.now());
  });

  it('accepts full and partial ARNs', async () => {
    for (const name of [
      'arn:aws:lambda:us-east-1:000000000000:function:provided-echo',
      '000000000000:function:provided-echo',
      'provided-echo:$LATEST',
    ]) {
      const result = await running.lambda.send(new InvokeCommand({ FunctionName: name }));
      assert.equal(result.StatusCode, 200, name);
      assert.equal(result.FunctionError, undefined, name);
    }
  });

  it('passes a qualified ARN to the runtime as called', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', Qualifier: '$LATEST' }),
    );
    const payload = json(result.Payload) as { arn: string };
    assert.equal(
      payload.arn,
      'arn:aws:lambda:us-east-1:000000000000:function:provided-echo:$LATEST',
    );
  });

  it('marks a function error Unhandled', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', Payload: Buffer.from('{"fail":true}') }),
    );
    assert.equal(result.StatusCode, 200);
    assert.equal(result.FunctionError, 'Unhandled');
    assert.deepEqual(json(result.Payload), {
      errorMessage: 'asked to fail',
      errorType: 'EchoError',
    });
  });

  it('returns ResourceNotFoundException for an unknown function', async () => {
    await assert.rejects(
      running.lambda.send(new InvokeCommand({ FunctionName: 'no-such-function' })),
      (error: unknown) => {
        assert.ok(error instanceof ResourceNotFoundException);
        assert.equal(
          error.message,
          'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function:$LATEST',
        );
        assert.equal(error.$metadata.httpStatusCode, 404);
        return true;
      },
    );
  });

  it('rejects a payload that is not JSON', async () => {
    const response = await post('/2015-03-31/functions/provided-echo/invocations', '{not json');

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    const body = (await response.json()) as { Type: string; message: string };
    assert.equal(body.Type, 'User');
    assert.match(
      body.message,
      /^Could not parse request body into json: Could not parse payload into json: /,
    );
  });

  it('rejects a name outside the model pattern', async () => {
    const response = await post('/2015-03-31/functions/bad%20name!/invocations', '{}');

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    const body = (await response.json()) as { message: string };
    assert.match(body.message, /^1 validation error detected: Value 'bad name!' at 'functionName'/);
  });

  it('finds no function with a name over 64 characters', async () => {
    const name = 'a'.repeat(100);
    await assert.rejects(
      running.lambda.send(new InvokeCommand({ FunctionName: name })),
      (error: unknown) => {
        assert.ok(error instanceof ResourceNotFoundException);
        assert.equal(
          error.message,
          `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`,
        );
        return true;
      },
    );
  });

  it('rejects a name over 170 characters', async () => {
    const name = 'a'.repeat(171);
    const response = await post(`/2015-03-31/functions/${name}/invocations`, '{}');

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    const body = (await response.json()) as { message: string };
    assert.equal(
      body.message,
      `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 170`,
    );
  });

  it('rejects a qualifier outside the model pattern', async () => {
    const response = await post(
      '/2015-03-31/functions/provided-echo/invocations?Qualifier=bad!q',
      '{}',
    );

    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    const body = (await response.json()) as { message: string };
    assert.equal(
      body.message,
      "1 validation error detected: Value 'bad!q' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
    );
  });

  it('rejects a qualifier that contradicts the name', async () => {
    const response = await post(
      '/2015-03-31/functions/provided-echo:$LATEST/invocations?Qualifier=prod',
      '{}',
    );
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidParameterValueException');
  });

  it('answers DryRun with 204 and no body', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', InvocationType: 'DryRun' }),
    );
    assert.equal(result.StatusCode, 204);
  });

  it('returns the tail of the log', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', LogType: 'Tail' }),
    );
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');

    assert.match(log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/m);
    assert.match(log, /^handling [0-9a-f-]{36}$/m);
    assert.match(log, /^END RequestId: [0-9a-f-]{36}$/m);
    const report = parseReport(log);
    assert.match(report.Duration ?? '', /^\d+\.\d{2} ms$/);
    assert.equal(report['Memory Size'], '128 MB');
  });

  it('keeps Billed Duration the Duration rounded up', async () => {
    await running.lambda.send(new InvokeCommand({ FunctionName: 'provided-echo' }));
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', LogType: 'Tail' }),
    );
    const report = parseReport(Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'));

    assert.equal(report['Init Duration'], undefined);
    const duration = Number.parseFloat(report.Duration ?? '');
    assert.equal(report['Billed Duration'], `${Math.max(1, Math.ceil(duration))} ms`);
    assert.match(report['Max Memory Used'] ?? '', /^[1-9]\d* MB$/);
  });

  it('accepts a request just under 6 MB and rejects one over', async () => {
    const filler = 'x'.repeat(MAX_REQUEST_BYTES - 20);
    const under = JSON.stringify({ f: filler.slice(0, MAX_REQUEST_BYTES - 10) });
    assert.ok(Buffer.byteLength(under) <= MAX_REQUEST_BYTES);
    const accepted = await post('/2015-03-31/functions/provided-echo/invocations', under);
    assert.equal(accepted.status, 200);
    await accepted.arrayBuffer();

    const over = JSON.stringify({ f: `${filler}${'y'.repeat(40)}` });
    const rejected = await post('/2015-03-31/functions/provided-echo/invocations', over);
    assert.equal(rejected.status, 413);
    assert.equal(rejected.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    const body = (await rejected.json()) as { message: string };
    assert.equal(
      body.message,
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  });

  it('reports a runtime that exits as Runtime.ExitError', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'provided-echo', Payload: Buffer.from('{"exit":3}') }),
    );
    assert.equal(result.FunctionError, 'Unhandled');
    const payload = json(result.Payload) as { errorType: string; errorMessage: string };
    assert.equal(payload.errorType, 'Runtime.ExitError');
    assert.match(
      payload.errorMessage,
      /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/,
    );

    const next = await running.lambda.send(new InvokeCommand({ FunctionName: 'provided-echo' }));
    assert.equal(next.FunctionError, undefined);
  });
});
