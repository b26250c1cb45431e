import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import {
  commandLineOf,
  descendantPids,
  FUNCTIONS_DIR,
  isolateAwsEnvironment,
  startPlatform,
  testFunction,
  type RunningPlatform,
} from './helpers.js';

const execFileAsync = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');
/** AWS CLI v2, from Debian's awscli package; `aws` on PATH may be another version. */
const AWS_CLI = '/usr/bin/aws';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[], input?: string): Promise<Run> {
  const child = execFileAsync(file, args, { env: isolateAwsEnvironment({ ...process.env }) });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Waits for the Python runtime started under a CLI process; returns its process id. */
async function waitForRuntime(cliPid: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const runtime = descendantPids(cliPid).find((pid) =>
      commandLineOf(pid).includes('bootstrap.py'),
    );
    if (runtime !== undefined) return runtime;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no runtime process started under ${cliPid}`);
}

describe('lambdacraft invoke', () => {
  let dir: string;
  let template: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-cli-'));
    template = path.join(dir, 'template.yaml');
    writeFileSync(
      template,
      `Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'provided-echo')}
      Runtime: provided.al2023
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'provided-echo')}
      Runtime: provided.al2023
      Timeout: 901
  FailingPython:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'python-basic')}
      Handler: app.fail
      Runtime: python3.11
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the payload and the log', async () => {
    const result = await run(
      process.execPath,
      [CLI, 'invoke', 'EchoFunction', '-t', template, '-e', '-'],
      '{"x":1}',
    );

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { echo: unknown }).echo, { x: 1 });
    assert.match(result.stderr, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    assert.match(result.stderr, /^REPORT RequestId: .*\tInit Duration: \d+\.\d{2} ms\t$/m);
  });

  it('exits 1 on a function error', async () => {
    const result = await run(
      process.execPath,
      [CLI, 'invoke', 'EchoFunction', '-t', template, '-e', '-'],
      '{"fail":true}',
    );

    assert.equal(result.code, 1);
    assert.deepEqual(JSON.parse(result.stdout), {
      errorMessage: 'asked to fail',
      errorType: 'EchoError',
    });
  });

  it('logs prints a traceback line by line', async () => {
    const invoked = await run(process.execPath, [CLI, 'invoke', 'FailingPython', '-t', template]);
    assert.equal(invoked.code, 1, invoked.stderr);

    const result = await run(process.execPath, [CLI, 'logs', 'FailingPython', '-t', template]);

    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /\r/);
    assert.match(result.stdout, /\[ERROR\] ValueError: the handler failed on purpose\n/);
    assert.match(result.stdout, /^Traceback \(most recent call last\):$/m);
  });

  it('names an unknown function and the known ones', async () => {
    const result = await run(process.execPath, [CLI, 'invoke', 'Nope', '-t', template]);

    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /no function 'Nope' in .*template\.yaml; functions in the template: EchoFunction/,
    );
  });

  it('rejects an event that is not JSON', async () => {
    const result = await run(
      process.execPath,
      [CLI, 'invoke', 'EchoFunction', '-t', template, '-e', '-'],
      '{oops',
    );

    assert.equal(result.code, 2);
    assert.match(result.stderr, /event in '-' is not valid JSON/);
  });

  it('names a missing event file', async () => {
    const result = await run(process.execPath, [
      CLI,
      'invoke',
      'EchoFunction',
      '-t',
      template,
      '-e',
      path.join(dir, 'no-such-event.json'),
    ]);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /event file '.*no-such-event\.json' not found; pass -e with/);
  });

  it('names the problem of an invalid function', async () => {
    const result = await run(process.execPath, [CLI, 'invoke', 'BrokenFunction', '-t', template]);

    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /resource 'BrokenFunction': .*timeout 901 s is outside Lambda's range/,
    );
  });

  it('stops the function process on Ctrl-C', async () => {
    const sleeper = path.join(dir, 'sleeper.yaml');
    writeFileSync(
      sleeper,
      `Resources:
  Sleeper:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ${path.join(FUNCTIONS_DIR, 'python-basic')}
      Handler: app.sleep
      Runtime: python3.11
      Timeout: 60
`,
    );
    const child = spawn(process.execPath, [CLI, 'invoke', 'Sleeper', '-t', sleeper, '-e', '-'], {
      env: isolateAwsEnvironment({ ...process.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end('{"seconds": 30}');
    const runtimePid = await waitForRuntime(child.pid ?? 0);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];

    assert.equal(code, 130);
    assert.ok(!existsSync(`/proc/${runtimePid}`), `runtime process ${runtimePid} is still running`);
  });

  it('says what each option sets', async () => {
    const result = await run(process.execPath, [CLI, 'up', '--help']);

    assert.equal(result.code, 0);
    assert.match(result.stdout, /--port <port>\s+TCP port of the AWS endpoint/);
    assert.match(result.stdout, /--data-dir <dir>/);
  });

  it('refuses an idle timeout longer than a timer can wait', async () => {
    const result = await run(process.execPath, [CLI, 'up', '--idle-timeout', '3000000']);

    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /3000000 seconds is over the longest idle timeout, 2147483 seconds/,
    );
  });
});

describe('AWS CLI v2', () => {
  let running: RunningPlatform;
  let dir: string;

  before(async () => {
    running = await startPlatform([testFunction('provided-echo', 'provided.al2023', undefined)]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-awscli-'));
  });
  after(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function invoke(payload: string): Promise<{ result: Run; output: string }> {
    const out = path.join(dir, 'out.json');
    const result = await run(AWS_CLI, [
      'lambda',
      'invoke',
      '--endpoint-url',
      running.endpoint,
      '--function-name',
      'provided-echo',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      payload,
      out,
    ]);
    return { result, output: readFileSync(out, 'utf8') };
  }

  it('invokes a function', async () => {
    const { result, output } = await invoke('{"from":"cli"}');

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { StatusCode: 200, ExecutedVersion: '$LATEST' });
    assert.deepEqual((JSON.parse(output) as { echo: unknown }).echo, { from: 'cli' });
  });

  it('reports a function error', async () => {
    const { result, output } = await invoke('{"fail":true}');

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      StatusCode: 200,
      FunctionError: 'Unhandled',
      ExecutedVersion: '$LATEST',
    });
    assert.deepEqual(JSON.parse(output), { errorMessage: 'asked to fail', errorType: 'EchoError' });
  });
});

describe('lambdacraft up output', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-up-output-'));
    writeFileSync(
      path.join(dir, 'template.yaml'),
      `Transform: AWS::Serverless-2016-10-31
Resources:
  OldNode:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1;"
      Handler: index.handler
      Runtime: nodejs18.x
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Starts `lambdacraft up` on the project with `extraEnv`, waits until it prints the Ctrl-C
   * hint and `expected` on standard output, passes the process to `check`, then stops it.
   */
  async function whileUp(
    extraEnv: NodeJS.ProcessEnv,
    expected: RegExp,
    check: (pid: number) => void = () => undefined,
  ): Promise<void> {
    const env = isolateAwsEnvironment({ ...process.env, ...extraEnv });
    if (extraEnv.UV_THREADPOOL_SIZE === undefined) delete env.UV_THREADPOOL_SIZE;
    const up = spawn(process.execPath, [CLI, 'up', dir, '--port', '0', '--http-port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    up.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!expected.test(stdout) || !stdout.includes('Press Ctrl-C')) {
        assert.ok(Date.now() < deadline, stdout);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      check(up.pid ?? 0);
    } finally {
      up.kill('SIGINT');
      await once(up, 'exit');
    }
  }

  it('prints a runtime warning as a plain line', async () => {
    await whileUp({}, /^warning: runtime 'nodejs18\.x' runs on Node\.js \d+\.\d+\.\d+/m);
  });

  it('sizes the thread pool to the CPUs', async () => {
    const threadCount = async (extraEnv: NodeJS.ProcessEnv) => {
      let count = 0;
      await whileUp(extraEnv, /warning:/, (pid) => {
        count = readdirSync(`/proc/${pid}/task`).length;
      });
      return count;
    };
    const sized = await threadCount({});
    // 7 differs from every size the command picks, so the difference is never 0 and the
    // check holds on machines of any CPU count.
    const userSet = await threadCount({ UV_THREADPOOL_SIZE: '7' });
    const expected = Math.max(2, Math.min(4, os.availableParallelism()));
    assert.equal(userSet - sized, 7 - expected);
  });
});
