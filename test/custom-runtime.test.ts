import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand } from '@aws-sdk/client-lambda';

import {
  FUNCTIONS_DIR,
  json,
  startPlatform,
  testFunction,
  type RunningPlatform,
} from './helpers.js';

const RIC = path.join(FUNCTIONS_DIR, 'node-ric', 'node_modules', 'aws-lambda-ric');

describe("AWS's Node.js runtime interface client as a custom runtime", () => {
  let running: RunningPlatform;

  before(async () => {
    assert.ok(
      existsSync(RIC),
      `aws-lambda-ric is not installed in ${path.dirname(RIC)}; run scripts/install-test-deps.sh`,
    );
    running = await startPlatform([testFunction('node-ric', 'provided.al2023', 'index.handler')]);
  });
  after(async () => {
    await running?.close();
  });

  it('runs a handler and returns its result', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({
        FunctionName: 'node-ric',
        Payload: Buffer.from('{"k":"v"}'),
        LogType: 'Tail',
      }),
    );

    assert.equal(result.FunctionError, undefined);
    const payload = json(result.Payload) as {
      echo: unknown;
      functionName: string;
      remainingMs: number;
      arn: string;
    };
    assert.deepEqual(payload.echo, { k: 'v' });
    assert.equal(payload.functionName, 'node-ric');
    assert.ok(payload.remainingMs > 0);
    assert.ok(payload.remainingMs <= 3000);
    assert.equal(payload.arn, 'arn:aws:lambda:us-east-1:000000000000:function:node-ric');
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
    assert.match(log, /\tINFO\tric handling [0-9a-f-]{36}\n/);
  });

  it('reports a thrown error as Unhandled', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({ FunctionName: 'node-ric', Payload: Buffer.from('{"fail":true}') }),
    );

    assert.equal(result.FunctionError, 'Unhandled');
    const payload = json(result.Payload) as {
      errorType: string;
      errorMessage: string;
      trace: string[];
    };
    assert.equal(payload.errorType, 'TypeError');
    assert.equal(payload.errorMessage, 'asked to fail');
    assert.ok(Array.isArray(payload.trace));
  });
});

describe('a shell custom runtime that uses curl', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([testFunction('provided-curl', 'provided.al2023', '')]);
  });
  after(async () => {
    await running?.close();
  });

  it('answers small and large events', async () => {
    for (const size of [10, 200_000]) {
      const event = { pad: 'x'.repeat(size) };
      const result = await running.lambda.send(
        new InvokeCommand({
          FunctionName: 'provided-curl',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );

      assert.equal(result.FunctionError, undefined);
      assert.deepEqual(json(result.Payload), { got: event });
    }
  });
});
