import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutProvisionedConcurrencyConfigCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';

import { json, parseReport, PROJECTS_DIR, startProject } from './helpers.js';

const TEMPLATE = path.join(PROJECTS_DIR, 'concurrency', 'template.yaml');

describe('concurrency settings from a SAM template', () => {
  let running: Awaited<ReturnType<typeof startProject>>;

  before(async () => {
    running = await startProject(TEMPLATE);
  });
  after(async () => {
    await running.close();
  });

  async function waitUntilReady(qualifier: string) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const config = await running.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({
          FunctionName: 'provisioned',
          Qualifier: qualifier,
        }),
      );
      if (config.Status === 'READY') return config;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`provisioned concurrency on ${qualifier} never became READY`);
  }

  it('applies ReservedConcurrentExecutions', async () => {
    const invoke = (seconds: number) =>
      running.lambda.send(
        new InvokeCommand({
          FunctionName: 'reserved',
          Payload: Buffer.from(JSON.stringify({ seconds })),
        }),
      );
    const slow = invoke(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(invoke(0), TooManyRequestsException);
    assert.equal((await slow).StatusCode, 200);
  });

  it('answers a throttled HTTP request as each front door does', async () => {
    const { url } = await running.platform.listenGateway(running.template.http, 0, '127.0.0.1');
    const slow = running.lambda.send(
      new InvokeCommand({ FunctionName: 'reserved', Payload: Buffer.from('{"seconds":1}') }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    const rest = await fetch(`${url}/reserved`, { method: 'POST', body: '{}' });
    assert.equal(rest.status, 500);
    assert.equal(await rest.text(), '{"message": "Internal server error"}');
    const httpApi = await fetch(`${url}/reserved-http`, { method: 'POST', body: '{}' });
    assert.equal(httpApi.status, 500);
    assert.equal(await httpApi.text(), '{"message":"Internal Server Error"}');
    const functionUrl = await fetch(`${url}/lambda-url/reserved/`, { method: 'POST', body: '{}' });
    assert.equal(functionUrl.status, 429);
    assert.equal(
      await functionUrl.text(),
      '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}',
    );
    assert.equal((await slow).StatusCode, 200);
  });

  it('leaves a function whose reservation Lambda would refuse not created, saying why', async () => {
    await assert.rejects(
      running.lambda.send(new InvokeCommand({ FunctionName: 'greedy' })),
      (error: unknown) => {
        assert.ok(error instanceof ResourceNotFoundException);
        assert.match(error.message, /ReservedConcurrentExecutions 5000: Specified/);
        return true;
      },
    );
  });

  it('starts provisioned environments on the alias before the first request', async () => {
    const ready = await waitUntilReady('live');
    assert.equal(ready.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 2);

    const result = await running.lambda.send(
      new InvokeCommand({
        FunctionName: 'provisioned:live',
        LogType: 'Tail',
        Payload: Buffer.from(
          JSON.stringify({
            names: ['AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_FUNCTION_VERSION'],
          }),
        ),
      }),
    );
    assert.equal(result.ExecutedVersion, '1');
    assert.deepEqual(json(result.Payload), {
      AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency',
      AWS_LAMBDA_FUNCTION_VERSION: '1',
    });
    const report = parseReport(Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'));
    assert.equal(report['Init Duration'], undefined);
  });

  it('runs $LATEST on demand beside the provisioned version', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({
        FunctionName: 'provisioned',
        LogType: 'Tail',
        Payload: Buffer.from(JSON.stringify({ names: ['AWS_LAMBDA_INITIALIZATION_TYPE'] })),
      }),
    );
    assert.equal(result.ExecutedVersion, '$LATEST');
    assert.deepEqual(json(result.Payload), { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
    const report = parseReport(Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'));
    assert.notEqual(report['Init Duration'], undefined);
  });

  it('lists and changes provisioned concurrency through the Lambda API', async () => {
    const list = await running.lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'provisioned' }),
    );
    assert.deepEqual(
      list.ProvisionedConcurrencyConfigs?.map((item) => item.FunctionArn),
      ['arn:aws:lambda:us-east-1:000000000000:function:provisioned:live'],
    );

    const put = await running.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: 'provisioned',
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal((await waitUntilReady('1')).AvailableProvisionedConcurrentExecutions, 1);
  });

  it('refuses provisioned concurrency Lambda refuses', async () => {
    const cases: [string, string, number, string, string][] = [
      [
        '$LATEST',
        '1',
        400,
        'InvalidParameterValueException',
        'The function resource provided must be an alias or a published version.',
      ],
      [
        'live',
        '9',
        400,
        'InvalidParameterValueException',
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
      ],
      [
        'nope',
        '1',
        404,
        'ResourceNotFoundException',
        'Function not found: arn:aws:lambda:us-east-1:000000000000:function:provisioned:nope',
      ],
    ];
    for (const [qualifier, executions, status, code, message] of cases) {
      const response = await fetch(
        `${running.endpoint}/2019-09-30/functions/provisioned/provisioned-concurrency?Qualifier=${encodeURIComponent(qualifier)}`,
        { method: 'PUT', body: `{"ProvisionedConcurrentExecutions":${executions}}` },
      );
      assert.equal(response.status, status, qualifier);
      assert.equal(response.headers.get('x-amzn-errortype'), code);
      const body = (await response.json()) as { message?: string; Message?: string };
      assert.equal(body.message ?? body.Message, message);
    }
  });
});
