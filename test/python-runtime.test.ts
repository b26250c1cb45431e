import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { json, parseReport, startPlatform, testFunction, type RunningPlatform } from './helpers.js';

/** Outside /tmp, because every environment has its own private folder mounted there. */
const OUTPUT_DIR = path.join(PACKAGE_ROOT, '.test-output', `python-${process.pid}`);

const basic = (name: string, handler: string, overrides = {}) =>
  testFunction('python-basic', 'python3.11', `app.${handler}`, {
    functionName: name,
    ...overrides,
  });

describe('Python runtime', () => {
  let running: RunningPlatform;

  before(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    running = await startPlatform([
      basic('py-echo', 'echo'),
      basic('py-fail', 'fail'),
      basic('py-sleep', 'sleep', { timeoutSeconds: 10 }),
      basic('py-timeout', 'write_after', { timeoutSeconds: 1 }),
      basic('py-context', 'describe_context', { memorySizeMb: 256 }),
      basic('py-env', 'environment', { environment: { GREETING: 'hi', TZ: 'Europe/Paris' } }),
      basic('py-tmp', 'write_tmp'),
      basic('py-big', 'big_response'),
      basic('py-loud', 'loud', { timeoutSeconds: 30 }),
      basic('py-unserialisable', 'unserialisable'),
      basic('py-exit', 'exit_now'),
      basic('py-no-newline', 'no_newline'),
      basic('py-missing-function', 'no_such_function'),
      testFunction('python-basic', 'python3.11', 'missing_module.handler', {
        functionName: 'py-missing-module',
      }),
      testFunction('python-basic', 'python3.11', 'nodot', { functionName: 'py-malformed' }),
      testFunction('python-nested', 'python3.11', 'src/handlers/api.main', {
        functionName: 'py-nested',
      }),
      testFunction('python-syntax-error', 'python3.11', 'app.handler', {
        functionName: 'py-syntax',
      }),
      testFunction('python-init-error', 'python3.11', 'app.handler', {
        functionName: 'py-init-error',
      }),
    ]);
  });
  after(async () => {
    await running.close();
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
  });

  function invoke(name: string, payload: unknown = {}, tail = false): Promise<InvokeCommandOutput> {
    return running.lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(payload)),
        LogType: tail ? 'Tail' : 'None',
      }),
    );
  }

  function logOf(result: InvokeCommandOutput): string {
    return Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
  }

  it('keeps module globals between warm invocations', async () => {
    const first = json((await invoke('py-echo', { n: 1 })).Payload) as {
      invocations: number;
      pid: number;
    };
    const second = json((await invoke('py-echo', { n: 2 })).Payload) as {
      invocations: number;
      pid: number;
    };

    assert.equal(second.invocations, first.invocations + 1);
    assert.equal(second.pid, first.pid);
  });

  it('writes print and logging output in Lambda format', async () => {
    const log = logOf(await invoke('py-echo', {}, true));

    assert.match(log, /^echo called \d+$/m);
    assert.match(
      log,
      /^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tlogged with the logging module$/m,
    );
  });

  it('logs a last line without a newline', async () => {
    const first = logOf(await invoke('py-no-newline', {}, true));
    const second = logOf(await invoke('py-no-newline', {}, true));

    assert.match(first, /^a line with no newline\nEND RequestId: /m);
    assert.match(second, /^START RequestId: [^\n]*\na line with no newline\nEND RequestId: /m);
  });

  it('returns a handler error with the Python payload shape', async () => {
    const result = await invoke('py-fail');
    const payload = json(result.Payload) as Record<string, unknown>;

    assert.equal(result.FunctionError, 'Unhandled');
    assert.deepEqual(Object.keys(payload).sort(), [
      'errorMessage',
      'errorType',
      'requestId',
      'stackTrace',
    ]);
    assert.equal(payload.errorType, 'ValueError');
    assert.equal(payload.errorMessage, 'the handler failed on purpose');
    assert.match(String(payload.requestId), /^[0-9a-f-]{36}$/);
    assert.ok(Array.isArray(payload.stackTrace));
    assert.ok(payload.stackTrace.length > 0);
  });

  it('keeps the environment after a handled error', async () => {
    const before = json((await invoke('py-echo')).Payload) as { pid: number };
    await invoke('py-fail');
    const afterError = json((await invoke('py-echo')).Payload) as { pid: number };
    assert.equal(afterError.pid, before.pid);
  });

  it('runs five overlapping invocations in five environments', async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => invoke('py-sleep', { seconds: 2 })),
    );
    const elapsedMs = Date.now() - started;

    const pids = new Set(results.map((result) => (json(result.Payload) as { pid: number }).pid));
    const streams = new Set(
      results.map((result) => (json(result.Payload) as { stream: string }).stream),
    );
    assert.equal(pids.size, 5);
    assert.equal(streams.size, 5);
    assert.ok(elapsedMs >= 2000, `took ${elapsedMs} ms`);
    assert.ok(elapsedMs < 4000, `five 2 s invocations took ${elapsedMs} ms; they should overlap`);
  });

  it('stops a timed-out handler before it writes', async () => {
    const control = path.join(OUTPUT_DIR, 'control');
    await invoke('py-timeout', { seconds: 0, path: control });
    assert.ok(existsSync(control), 'the handler can write the marker when it has time');

    const marker = path.join(OUTPUT_DIR, 'after-timeout');
    const result = await invoke('py-timeout', { seconds: 1.5, path: marker }, true);
    const payload = json(result.Payload) as { errorType: string; errorMessage: string };
    assert.equal(result.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Sandbox.Timedout');
    assert.match(
      payload.errorMessage,
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    assert.match(logOf(result), /Z [0-9a-f-]{36} Task timed out after 1\.00 seconds\n/);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(!existsSync(marker), 'the handler wrote after its deadline');

    const next = await invoke(
      'py-timeout',
      { seconds: 0, path: path.join(OUTPUT_DIR, 'next') },
      true,
    );
    assert.match(parseReport(logOf(next))['Init Duration'] ?? '', /^\d+\.\d\d ms$/);
  });

  it('gives the context every attribute of AWS', async () => {
    const context = json((await invoke('py-context')).Payload) as Record<string, unknown>;

    assert.equal(context.function_name, 'py-context');
    assert.equal(context.function_version, '$LATEST');
    assert.equal(
      context.invoked_function_arn,
      'arn:aws:lambda:us-east-1:000000000000:function:py-context',
    );
    assert.equal(context.memory_limit_in_mb, '256');
    assert.match(String(context.aws_request_id), /^[0-9a-f-]{36}$/);
    assert.equal(context.log_group_name, '/aws/lambda/py-context');
    assert.match(String(context.log_stream_name), /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(Number(context.remaining_ms) > 2000);
    assert.ok(Number(context.remaining_ms) <= 3000);
    assert.equal(context.identity_pool, null);
  });

  it('passes the client context', async () => {
    const clientContext = Buffer.from(
      JSON.stringify({ custom: { tenant: 'a' }, env: {}, client: {} }),
    );
    const result = await running.lambda.send(
      new InvokeCommand({
        FunctionName: 'py-context',
        ClientContext: clientContext.toString('base64'),
      }),
    );
    assert.deepEqual((json(result.Payload) as { client_custom: unknown }).client_custom, {
      tenant: 'a',
    });
  });

  it('sets the environment as Lambda does', async () => {
    const env = json((await invoke('py-env')).Payload) as Record<string, string | undefined>;

    assert.equal(env.GREETING, 'hi');
    assert.equal(env.TZ, 'Europe/Paris');
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'py-env');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '128');
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_python3.11');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/py-env');
    assert.equal(
      env.LAMBDA_TASK_ROOT,
      path.join(PACKAGE_ROOT, 'test', 'functions', 'python-basic'),
    );
    assert.equal(env._HANDLER, 'app.environment');
    assert.equal(env.AWS_EC2_METADATA_DISABLED, 'true');
    assert.match(env.AWS_LAMBDA_RUNTIME_API ?? '', /^127\.0\.0\.1:\d+$/);
    assert.ok(
      env.AWS_ACCESS_KEY_ID !== undefined &&
        env.AWS_ACCESS_KEY_ID !== process.env.AWS_ACCESS_KEY_ID,
    );
    assert.equal(env.AWS_PROFILE, undefined);
    assert.ok(env.TMPDIR !== undefined);
    assert.ok(existsSync(env.TMPDIR));
  });

  it('gives each invocation its own X-Ray trace header', async () => {
    const traceIds = new Set<string>();
    const nowSeconds = Math.floor(Date.now() / 1000);
    // More invocations than one draw of the trace entropy serves.
    for (let count = 0; count < 300; count += 1) {
      const env = json((await invoke('py-env', { names: ['_X_AMZN_TRACE_ID'] })).Payload) as {
        _X_AMZN_TRACE_ID: string;
      };
      const match = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/.exec(
        env._X_AMZN_TRACE_ID,
      );
      assert.ok(match, `unexpected trace header ${env._X_AMZN_TRACE_ID}`);
      assert.ok(Math.abs(parseInt(match[1] ?? '', 16) - nowSeconds) < 120);
      traceIds.add(env._X_AMZN_TRACE_ID);
    }
    assert.equal(traceIds.size, 300);
  });

  // A private /tmp needs root, and a bind mount on /tmp would hide code that lives there.
  const privateTmpPossible = process.getuid?.() === 0 && !PACKAGE_ROOT.startsWith('/tmp/');

  it(
    'gives each environment a private /tmp',
    { skip: !privateTmpPossible && 'needs root and a checkout outside /tmp' },
    async () => {
      const first = json((await invoke('py-tmp', { name: 'first' })).Payload) as string[];
      assert.deepEqual(first, ['first']);
      const second = json((await invoke('py-tmp', { name: 'second' })).Payload) as string[];
      assert.deepEqual(second, ['first', 'second']);
    },
  );

  it('runs a handler in a nested folder', async () => {
    const result = await invoke('py-nested', { a: 1 });
    assert.deepEqual(json(result.Payload), { handler: 'src/handlers/api.main', event: { a: 1 } });
  });

  for (const [name, errorType, message] of [
    [
      'py-missing-module',
      'Runtime.ImportModuleError',
      "Unable to import module 'missing_module': No module named 'missing_module'",
    ],
    [
      'py-missing-function',
      'Runtime.HandlerNotFound',
      "Handler 'no_such_function' missing on module 'app'",
    ],
    [
      'py-malformed',
      'Runtime.MalformedHandlerName',
      "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
    ],
    ['py-init-error', 'RuntimeError', 'startup fails'],
  ] as const) {
    it(`reports ${errorType} from ${name}`, async () => {
      const result = await invoke(name);
      const payload = json(result.Payload) as Record<string, unknown>;

      assert.equal(result.FunctionError, 'Unhandled');
      assert.equal(payload.errorType, errorType);
      assert.equal(payload.errorMessage, message);
      assert.equal(payload.requestId, '');
    });
  }

  it('reports a syntax error with its line', async () => {
    const result = await invoke('py-syntax');
    const payload = json(result.Payload) as {
      errorType: string;
      errorMessage: string;
      stackTrace: string[];
    };

    assert.equal(payload.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(payload.errorMessage, /^Syntax error in module 'app': /);
    assert.match(payload.stackTrace[0] ?? '', /File ".*app\.py" Line 1/);
  });

  it('reports a result JSON cannot encode', async () => {
    const result = await invoke('py-unserialisable');
    const payload = json(result.Payload) as { errorType: string; errorMessage: string };

    assert.equal(result.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Runtime.MarshalError');
    assert.match(payload.errorMessage, /^Unable to marshal response: /);
  });

  it('reports a process exit as Runtime.ExitError', async () => {
    const result = await invoke('py-exit', { status: 0 });
    const payload = json(result.Payload) as { errorType: string; errorMessage: string };

    assert.equal(payload.errorType, 'Runtime.ExitError');
    assert.match(payload.errorMessage, /Error: Runtime exited without providing a reason$/);
    assert.equal((await invoke('py-echo')).FunctionError, undefined);
  });

  it('returns a response just under the limit and rejects one over', async () => {
    const under = await invoke('py-big', { length: 6 * 1024 * 1024 - 2 });
    assert.equal(under.FunctionError, undefined);
    assert.equal(under.Payload?.length, 6 * 1024 * 1024);

    const over = await invoke('py-big', { length: 6291556 });
    assert.equal(over.FunctionError, 'Unhandled');
    assert.deepEqual(json(over.Payload), {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('survives a handler printing 10 MB', async () => {
    const result = await invoke('py-loud', { kilobytes: 10 * 1024 }, true);

    assert.equal(result.FunctionError, undefined);
    assert.deepEqual(json(result.Payload), 'done');
    const log = logOf(result);
    assert.match(log, /REPORT RequestId/);
    const stored = running.platform.store.recentInvocations('py-loud', 1)[0];
    assert.ok(stored !== undefined);
    assert.match(stored.log, /lines \(\d+\.\d MB\) of function output dropped here/);
    assert.ok(stored.log.length < 2 * 1024 * 1024);
    assert.equal((await invoke('py-echo')).FunctionError, undefined);
  });
});
