import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import {
  CLIENT_OPTIONS,
  commandLineOf,
  descendantPids,
  FUNCTIONS_DIR,
  isProcessRunning,
  startUpProcess,
  type UpProcess,
} from './helpers.js';

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Sleeper:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'python-basic')}
      Handler: app.sleep
      Runtime: python3.11
      Timeout: 60
      Events:
        Sleep:
          Type: HttpApi
          Properties:
            Path: /sleep
            Method: GET
  Detacher:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'python-basic')}
      Handler: app.detach
      Runtime: python3.11
      Timeout: 1
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: stop-uploads
`;

describe('lambdacraft up stop', () => {
  let project: string;
  const children: ChildProcess[] = [];

  before(() => {
    project = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-up-stop-'));
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE);
  });
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(project, { recursive: true, force: true });
  });

  async function start(): Promise<UpProcess & { stdout: () => string }> {
    const dataDir = mkdtempSync(path.join(project, 'data-'));
    const up = await startUpProcess(project, dataDir, { children, timeoutMs: 30_000 });
    let stdout = '';
    up.child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    return { ...up, stdout: () => stdout };
  }

  function lambdaClient(endpoint: string): LambdaClient {
    return new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  }

  it('lets a request in flight finish', async () => {
    const up = await start();
    // The handler sleeps 2 s when the event names no other time.
    const response = fetch(`${up.gateway}/sleep`);
    const runtimePids = await waitForInvocation(up);
    up.child.kill('SIGINT');

    const answered = await response;
    assert.equal(answered.status, 200);
    const body = (await answered.json()) as { pid: number };
    assert.ok(runtimePids.includes(body.pid));
    const [code] = (await once(up.child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.match(
      up.stdout(),
      /Waiting up to 5 s for 1 invocation\(s\) and 0 AWS endpoint request\(s\) in flight/,
    );
    assert.deepEqual(runtimePids.filter(isProcessRunning), []);
  });

  it('lets an upload in flight finish', async () => {
    const up = await start();
    const body = Buffer.alloc(2 * 1024 * 1024, 'u');
    const { port } = new URL(up.endpoint);
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: '/stop-uploads/slow.bin',
      headers: { 'content-length': String(body.length) },
    });
    const response = once(request, 'response') as Promise<[http.IncomingMessage]>;
    request.write(body.subarray(0, 1024 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 300));
    up.child.kill('SIGINT');
    await waitFor(() => up.stdout().includes('1 AWS endpoint request(s) in flight'));
    request.end(body.subarray(1024 * 1024));

    const [answered] = await response;
    answered.resume();
    assert.equal(answered.statusCode, 200);
    const [code] = (await once(up.child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('ends invocations at a second Ctrl-C', async () => {
    const up = await start();
    const lambda = lambdaClient(up.endpoint);
    const invocation = lambda.send(
      new InvokeCommand({ FunctionName: 'Sleeper', Payload: JSON.stringify({ seconds: 30 }) }),
    );
    const runtimePids = await waitForInvocation(up);
    up.child.kill('SIGINT');
    await waitFor(() => up.stdout().includes('Waiting up to 5 s'));
    const secondSignalAt = Date.now();
    up.child.kill('SIGINT');

    const [code] = (await once(up.child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(Date.now() - secondSignalAt < 4_000, 'the stop waited for the drain limit');
    assert.deepEqual(runtimePids.filter(isProcessRunning), []);
    await invocation.catch(() => undefined);
    lambda.destroy();
  });

  it('ends invocations after the drain limit', async () => {
    const up = await start();
    const lambda = lambdaClient(up.endpoint);
    const invocation = lambda.send(
      new InvokeCommand({ FunctionName: 'Sleeper', Payload: JSON.stringify({ seconds: 30 }) }),
    );
    const runtimePids = await waitForInvocation(up);
    const signalAt = Date.now();
    up.child.kill('SIGTERM');

    const [code] = (await once(up.child, 'exit')) as [number | null];
    const waitedMs = Date.now() - signalAt;
    assert.equal(code, 0);
    assert.ok(waitedMs >= 4_500, `stopped after ${waitedMs} ms, before the drain limit`);
    assert.ok(waitedMs < 15_000, `stopped after ${waitedMs} ms`);
    assert.deepEqual(runtimePids.filter(isProcessRunning), []);
    await invocation.catch(() => undefined);
    lambda.destroy();
  });

  it('ends processes in a session of their own', async () => {
    const up = await start();
    const lambda = lambdaClient(up.endpoint);
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'Detacher' }));
    const { detached } = JSON.parse(Buffer.from(response.Payload ?? []).toString()) as {
      detached: number;
    };
    assert.ok(isProcessRunning(detached));
    const signalAt = Date.now();
    up.child.kill('SIGINT');

    const [code] = (await once(up.child, 'exit')) as [number | null];
    const waitedMs = Date.now() - signalAt;
    assert.equal(code, 0);
    assert.ok(waitedMs < 4_000, `stopped after ${waitedMs} ms`);
    assert.equal(isProcessRunning(detached), false);
    lambda.destroy();
  });

  it('ends a detached process when its invocation times out', async () => {
    const up = await start();
    const lambda = lambdaClient(up.endpoint);
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'Detacher',
        Payload: JSON.stringify({ seconds: 5 }),
        LogType: 'Tail',
      }),
    );
    assert.equal(response.FunctionError, 'Unhandled');
    const log = Buffer.from(response.LogResult ?? '', 'base64').toString();
    assert.match(log, /Task timed out after 1\.00 seconds/);
    const detached = Number(/^detached (\d+)$/m.exec(log)?.[1]);
    assert.ok(detached > 0, log);

    await waitFor(() => !isProcessRunning(detached), 5_000);
    up.child.kill('SIGINT');
    const [code] = (await once(up.child, 'exit')) as [number | null];
    assert.equal(code, 0);
    lambda.destroy();
  });
});

/**
 * Waits until the platform's metrics show one running invocation, then returns the process ids
 * of the Python runtimes under `up`.
 */
async function waitForInvocation(up: UpProcess): Promise<number[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const metrics = await (await fetch(`${up.endpoint}/metrics`)).text();
    if (/^lambdacraft_concurrent_executions\{function="Sleeper"\} 1$/m.test(metrics)) break;
    assert.ok(Date.now() < deadline, 'the invocation did not start within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const runtimes = descendantPids(up.child.pid ?? 0).filter((pid) =>
    commandLineOf(pid).includes('bootstrap.py'),
  );
  assert.ok(runtimes.length > 0, 'no Python runtime runs under up');
  return runtimes;
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
