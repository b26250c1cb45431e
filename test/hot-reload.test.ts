import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  LambdaClient,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { CLIENT_OPTIONS, isolateAwsEnvironment, isProcessRunning } from './helpers.js';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');

const TEMPLATE = (timeout: number, counterProperties = '') => `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.11
    Handler: app.handler
Resources:
  Counter:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: counter/${counterProperties}
  Edited:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: edited/
      Timeout: ${timeout}
  Twin:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: counter/
`;

const COUNTER = `import os
count = 0
def handler(event, context):
    global count
    count += 1
    return {"count": count, "pid": os.getpid()}
`;

const EDITED = (version: string) => `import os
def handler(event, context):
    return {"version": "${version}", "pid": os.getpid()}
`;

describe('lambdacraft up hot reload', () => {
  let project: string;
  let up: ChildProcess;
  let stdout = '';
  let lambda: LambdaClient;

  async function waitForOutput(pattern: RegExp, from = 0): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!pattern.test(stdout.slice(from))) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function invoke(
    functionName: string,
  ): Promise<{ count?: number; version?: string; pid: number }> {
    const result = await lambda.send(new InvokeCommand({ FunctionName: functionName }));
    assert.equal(result.FunctionError, undefined);
    return JSON.parse(Buffer.from(result.Payload ?? []).toString()) as { pid: number };
  }

  before(async () => {
    const outputRoot = path.join(PACKAGE_ROOT, '.test-output');
    mkdirSync(outputRoot, { recursive: true });
    project = mkdtempSync(path.join(outputRoot, 'reload-'));
    mkdirSync(path.join(project, 'counter'));
    mkdirSync(path.join(project, 'edited'));
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(3));
    writeFileSync(path.join(project, 'counter', 'app.py'), COUNTER);
    writeFileSync(path.join(project, 'edited', 'app.py'), EDITED('v1'));

    up = spawn(process.execPath, [CLI, 'up', project, '--port', '0', '--http-port', '0'], {
      env: isolateAwsEnvironment({ ...process.env, LAMBDACRAFT_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitForOutput(/Press Ctrl-C to stop/);
    const endpoint = /AWS endpoint \([^)]*\): (\S+)/.exec(stdout)?.[1];
    assert.ok(endpoint !== undefined, stdout);
    lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  });
  after(() => {
    lambda?.destroy();
    if (up.exitCode === null) up.kill('SIGKILL');
    rmSync(project, { recursive: true, force: true });
  });

  it('picks up a code edit and keeps unchanged functions warm', async () => {
    assert.equal((await invoke('Counter')).count, 1);
    assert.equal((await invoke('Edited')).version, 'v1');

    const mark = stdout.length;
    writeFileSync(path.join(project, 'edited', 'app.py'), EDITED('v2'));
    await waitForOutput(/reloaded Edited: code changed\n/, mark);

    assert.equal((await invoke('Edited')).version, 'v2');
    assert.equal((await invoke('Counter')).count, 2);
    assert.doesNotMatch(stdout.slice(mark), /reloaded Counter/);
  });

  it('runs an edit made within the same second at the same size', async () => {
    // Python's bytecode cache compares whole-second times and sizes only.
    for (const version of ['v3', 'v4']) {
      const mark = stdout.length;
      writeFileSync(path.join(project, 'edited', 'app.py'), EDITED(version));
      await waitForOutput(/reloaded Edited: code changed\n/, mark);
      assert.equal((await invoke('Edited')).version, version);
    }
  });

  it('applies a template edit to the changed function only', async () => {
    const mark = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5));
    await waitForOutput(/reloaded template\.yaml: Edited configuration changed\n/, mark);

    assert.equal((await invoke('Counter')).count, 3);
    assert.equal((await invoke('Edited')).version, 'v4');
  });

  it('reports routes a template edit adds and removes', async () => {
    const mark = stdout.length;
    const events = `
      Events:
        Count:
          Type: HttpApi
          Properties:
            Path: /count
            Method: GET`;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5, events));
    await waitForOutput(/reloaded template\.yaml: .*route GET \/count -> Counter added\n/, mark);

    const back = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5));
    await waitForOutput(/reloaded template\.yaml: .*route GET \/count -> Counter removed\n/, back);
  });

  it('applies reserved concurrency and EventInvokeConfig from an edited template', async () => {
    const mark = stdout.length;
    const properties = `
      ReservedConcurrentExecutions: 0
      EventInvokeConfig:
        MaximumRetryAttempts: 0`;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5, properties));
    await waitForOutput(
      /reloaded template\.yaml: Counter configuration changed; Counter EventInvokeConfig applied\n/,
      mark,
    );

    await assert.rejects(
      lambda.send(new InvokeCommand({ FunctionName: 'Counter' })),
      TooManyRequestsException,
    );
    const config = await lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'Counter' }),
    );
    assert.equal(config.MaximumRetryAttempts, 0);

    const back = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5));
    await waitForOutput(
      /reloaded template\.yaml: Counter configuration changed; Counter EventInvokeConfig removed\n/,
      back,
    );
    assert.equal(typeof (await invoke('Counter')).count, 'number');
  });

  it('keeps functions whose new definition is invalid', async () => {
    const before = (await invoke('Counter')).count ?? 0;
    const mark = stdout.length;
    const invalid = TEMPLATE(0).replace(
      'Handler: app.handler\n',
      'Handler: app.handler\n    Timeout: 0\n',
    );
    writeFileSync(path.join(project, 'template.yaml'), invalid);
    await waitForOutput(/reloaded template\.yaml: .*kept the previous configuration/, mark);

    const line = stdout.slice(mark).split('\n')[0] ?? '';
    assert.match(line, /Counter/);
    assert.match(line, /Edited/);
    assert.doesNotMatch(line, /removed/);
    assert.equal((await invoke('Counter')).count, before + 1);
    assert.equal((await invoke('Edited')).version, 'v4');

    const back = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5));
    await waitForOutput(/reloaded template\.yaml: nothing changed\n/, back);
    assert.equal((await invoke('Counter')).count, before + 2);
  });

  it('groups configuration changes and skips unchanged errors', async () => {
    const broken = `${TEMPLATE(5)}  Broken:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: counter/
      Runtime: cobol85
`;
    const mark = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), broken);
    await waitForOutput(/reloaded template\.yaml: Broken not started: .*cobol85.*\n/, mark);

    const again = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), `${broken}# unchanged\n`);
    await waitForOutput(/reloaded template\.yaml: nothing changed\n/, again);

    const globals = stdout.length;
    const bigger = TEMPLATE(5).replace(
      'Handler: app.handler\n',
      'Handler: app.handler\n    MemorySize: 256\n',
    );
    writeFileSync(path.join(project, 'template.yaml'), bigger);
    await waitForOutput(
      /reloaded template\.yaml: Broken removed; Counter, Edited, Twin configuration changed\n/,
      globals,
    );

    const back = stdout.length;
    writeFileSync(path.join(project, 'template.yaml'), TEMPLATE(5));
    await waitForOutput(
      /reloaded template\.yaml: Counter, Edited, Twin configuration changed\n/,
      back,
    );
  });

  it('reports one edit of a shared code folder once', async () => {
    const mark = stdout.length;
    writeFileSync(path.join(project, 'counter', 'app.py'), `${COUNTER}\n# edited\n`);
    await waitForOutput(/reloaded (Counter, Twin|Twin, Counter): code changed\n/, mark);

    assert.equal(stdout.slice(mark).match(/code changed/g)?.length, 1);
    assert.equal((await invoke('Twin')).count, 1);
  });

  it('names a code folder that is gone', async () => {
    const folder = path.join(project, 'edited');
    const mark = stdout.length;
    renameSync(folder, `${folder}-moved`);
    await waitForOutput(/reloaded Edited: code changed; code folder .*edited is missing/, mark);

    const back = stdout.length;
    renameSync(`${folder}-moved`, folder);
    await waitForOutput(/reloaded Edited: code changed\n/, back);
    assert.equal((await invoke('Edited')).version, 'v4');
  });

  it('rejects a second up on its data folder', async () => {
    const second = spawn(
      process.execPath,
      [CLI, 'up', project, '--port', '0', '--http-port', '0'],
      {
        env: isolateAwsEnvironment({ ...process.env }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(second, 'exit')) as [number | null];

    assert.equal(code, 2, stderr);
    assert.match(stderr, new RegExp(`is in use by another lambdacraft up \\(process ${up.pid}\\)`));
    assert.equal(readFileSync(path.join(project, '.lambdacraft', 'up.pid'), 'utf8'), `${up.pid}\n`);
  });

  it('leaves no function process after SIGINT', async () => {
    const pids = [(await invoke('Counter')).pid, (await invoke('Edited')).pid];
    up.kill('SIGINT');
    await once(up, 'exit');

    assert.equal(existsSync(path.join(project, '.lambdacraft', 'up.pid')), false);
    for (const pid of pids) {
      assert.ok(!isProcessRunning(pid), `process ${pid} is still running`);
    }
  });
});
