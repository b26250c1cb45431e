import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import {
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';

import { parseSince } from '../src/cli/usage.js';
import { parseProjectConfig } from '../src/config-file.js';
import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { LambdaCraftError } from '../src/errors.js';
import { DEFAULT_PRICES } from '../src/metering/prices.js';
import { summarizeUsage } from '../src/metering/usage.js';
import type { InvocationRecord } from '../src/state/store.js';
import { startPlatform, testFunction, type RunningPlatform } from './helpers.js';

const execFileAsync = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');

const ECHO = 'MeteredEcho';
const FAIL = 'MeteredFail';
const ECHO_CALLS = 5;
const FAIL_CALLS = 2;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function usage(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, 'usage', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Reads one sample's value from Prometheus text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((item) => item.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function assertClose(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1e-6, expected),
    `expected ${expected}, got ${actual}`,
  );
}

/** Checks a table cell against a value rounded to `places` decimals, either way at a tie. */
function assertRounded(cell: string | undefined, expected: number, places: number): void {
  const tolerance = 0.5 * 10 ** -places + 1e-12;
  assert.ok(
    cell !== undefined && Math.abs(Number(cell) - expected) <= tolerance,
    `expected ${expected} to ${places} places, got ${cell}`,
  );
}

/** GB-s and cost computed by hand from the billed durations of the records. */
function handComputed(
  records: InvocationRecord[],
  memoryGb: number,
  gbSecondUsd: number,
): { gbSeconds: number; costUsd: number } {
  const billedSeconds = records.reduce((sum, item) => sum + item.billedDurationMs / 1000, 0);
  const gbSeconds = memoryGb * billedSeconds;
  return { gbSeconds, costUsd: records.length * 0.0000002 + gbSeconds * gbSecondUsd };
}

describe('metering of a running platform', () => {
  let running: RunningPlatform;
  let projectDir: string;
  let echoRecords: InvocationRecord[];
  let failRecords: InvocationRecord[];

  before(async () => {
    running = await startPlatform([
      testFunction('python-basic', 'python3.11', 'app.echo', {
        functionName: ECHO,
        memorySizeMb: 256,
        architecture: 'arm64',
      }),
      testFunction('python-basic', 'python3.11', 'app.fail', {
        functionName: FAIL,
        memorySizeMb: 128,
      }),
    ]);
    projectDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-usage-'));
    for (let i = 0; i < ECHO_CALLS; i += 1) {
      await running.lambda.send(new InvokeCommand({ FunctionName: ECHO, Payload: '{}' }));
    }
    for (let i = 0; i < FAIL_CALLS; i += 1) {
      await running.lambda.send(new InvokeCommand({ FunctionName: FAIL, Payload: '{}' }));
    }
    await running.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: FAIL, ReservedConcurrentExecutions: 0 }),
    );
    await assert.rejects(
      running.lambda.send(new InvokeCommand({ FunctionName: FAIL, Payload: '{}' })),
      TooManyRequestsException,
    );
    await running.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: FAIL }));

    running.platform.store.flush();
    echoRecords = running.platform.store.recentInvocations(ECHO, 100);
    failRecords = running.platform.store
      .recentInvocations(FAIL, 100)
      .filter((item) => item.outcome !== 'throttled');
  });

  after(async () => {
    await running.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('records the architecture of each invocation', () => {
    assert.equal(echoRecords.length, ECHO_CALLS);
    assert.ok(echoRecords.every((item) => item.architecture === 'arm64'));
    assert.equal(failRecords.length, FAIL_CALLS);
    assert.ok(failRecords.every((item) => item.architecture === 'x86_64'));
  });

  it('summary matches GB-s and cost by hand', () => {
    const summary = summarizeUsage(running.platform.store, {}, DEFAULT_PRICES);
    const echo = summary.functions.find((item) => item.functionName === ECHO);
    const fail = summary.functions.find((item) => item.functionName === FAIL);
    const echoExpected = handComputed(echoRecords, 0.25, DEFAULT_PRICES.arm64GbSecondUsd);
    const failExpected = handComputed(failRecords, 0.125, DEFAULT_PRICES.x86GbSecondUsd);

    assert.equal(echo?.invocations, ECHO_CALLS);
    assert.equal(echo.errors, 0);
    assert.equal(echo.coldStarts, 1);
    assertClose(echo.gbSeconds, echoExpected.gbSeconds);
    assertClose(echo.costUsd, echoExpected.costUsd);
    assert.equal(fail?.invocations, FAIL_CALLS);
    assert.equal(fail.errors, FAIL_CALLS);
    assert.equal(fail.throttles, 1);
    assertClose(fail.gbSeconds, failExpected.gbSeconds);
    assertClose(fail.costUsd, failExpected.costUsd);
    assertClose(summary.total.costUsd, echoExpected.costUsd + failExpected.costUsd);
  });

  it('/metrics shows counters and histogram', async () => {
    const response = await fetch(`${running.endpoint}/metrics`);
    const text = await response.text();
    const echo = `function="${ECHO}"`;
    const fail = `function="${FAIL}"`;

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(text, `lambdacraft_invocations_total{${echo},outcome="success"}`), 5);
    assert.equal(
      sample(text, `lambdacraft_invocations_total{${fail},outcome="function-error"}`),
      FAIL_CALLS,
    );
    assert.equal(sample(text, `lambdacraft_errors_total{${echo}}`), 0);
    assert.equal(sample(text, `lambdacraft_errors_total{${fail}}`), FAIL_CALLS);
    assert.equal(sample(text, `lambdacraft_throttles_total{${fail}}`), 1);
    assert.equal(sample(text, `lambdacraft_cold_starts_total{${echo}}`), 1);
    assert.equal(sample(text, `lambdacraft_duration_seconds_count{${echo}}`), ECHO_CALLS);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="+Inf",${echo}}`), 5);
    assert.equal(sample(text, `lambdacraft_duration_seconds_count{${fail}}`), FAIL_CALLS);
    assertClose(
      sample(text, `lambdacraft_duration_seconds_sum{${echo}}`),
      echoRecords.reduce((sum, item) => sum + item.durationMs / 1000, 0),
    );
    assertClose(
      sample(text, `lambdacraft_billed_gb_seconds_total{${echo}}`),
      handComputed(echoRecords, 0.25, 0).gbSeconds,
    );
    assert.equal(sample(text, `lambdacraft_concurrent_executions{${echo}}`), 0);
  });

  it('lambdacraft usage prints the table', async () => {
    const result = await usage([projectDir, '--data-dir', running.dataDir]);
    const lines = result.stdout.split('\n');
    const echoRow = lines.find((line) => line.startsWith(`${ECHO} `));
    const totalRow = lines.find((line) => line.startsWith('total '));
    const expected = handComputed(echoRecords, 0.25, DEFAULT_PRICES.arm64GbSecondUsd);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage in .*: every recorded invocation$/m);
    assert.match(
      lines[1] ?? '',
      /^function\s+invocations\s+errors\s+throttles\s+cold starts\s+p50 ms\s+p99 ms\s+GB-s\s+cost USD$/,
    );
    assert.ok(echoRow, result.stdout);
    assert.deepEqual(echoRow.split(/\s+/).slice(1, 5), ['5', '0', '0', '1']);
    // The table rounds GB-s to 4 places and cost to 8.
    assertRounded(echoRow.split(/\s+/)[7], expected.gbSeconds, 4);
    assertRounded(echoRow.split(/\s+/)[8], expected.costUsd, 8);
    assert.deepEqual(totalRow?.split(/\s+/).slice(1, 5), ['7', '2', '1', '2']);
    assert.match(result.stdout, /duration on arm64 +\$0\.0000133334 per GB-s/);
    assert.match(result.stdout, /free tier .* is not deducted/);
  });

  it('lambdacraft usage --json matches the summary', async () => {
    const result = await usage([projectDir, '--data-dir', running.dataDir, '--json']);
    const parsed = JSON.parse(result.stdout) as {
      since: string | null;
      functions: { functionName: string; invocations: number; costUsd: number }[];
      total: { invocations: number; throttles: number; costUsd: number };
      freeTierDeducted: boolean;
    };
    const summary = summarizeUsage(running.platform.store, {}, DEFAULT_PRICES);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(parsed.since, null);
    assert.deepEqual(
      parsed.functions.map((item) => item.functionName),
      [ECHO, FAIL],
    );
    assert.equal(parsed.total.invocations, 7);
    assert.equal(parsed.total.throttles, 1);
    assert.equal(parsed.total.costUsd, summary.total.costUsd);
    assert.equal(parsed.freeTierDeducted, false);
  });

  it('lambdacraft usage filters by function and time', async () => {
    const byFunction = await usage([
      projectDir,
      '--data-dir',
      running.dataDir,
      '--function',
      FAIL,
      '--since',
      '1h',
      '--json',
    ]);
    const parsed = JSON.parse(byFunction.stdout) as {
      since: string;
      functions: { functionName: string }[];
      total: { invocations: number };
    };
    assert.equal(byFunction.code, 0, byFunction.stderr);
    assert.deepEqual(
      parsed.functions.map((item) => item.functionName),
      [FAIL],
    );
    assert.equal(parsed.total.invocations, FAIL_CALLS);
    assert.ok(Date.now() - Date.parse(parsed.since) >= 3_600_000);

    const empty = await usage([projectDir, '--data-dir', running.dataDir, '--function', 'Nope']);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /no invocations of 'Nope' recorded/);
  });

  it('lambdacraft usage reads prices from lambdacraft.json', async () => {
    writeFileSync(
      path.join(projectDir, 'lambdacraft.json'),
      JSON.stringify({ prices: { requestUsd: 1, arm64GbSecondUsd: 0 } }),
    );
    const result = await usage([projectDir, '--data-dir', running.dataDir]);
    rmSync(path.join(projectDir, 'lambdacraft.json'));
    const echoRow = result.stdout.split('\n').find((line) => line.startsWith(`${ECHO} `));

    assert.equal(result.code, 0, result.stderr);
    assert.equal(echoRow?.split(/\s+/)[8], (5).toFixed(8));
    assert.match(result.stdout, /with requestUsd, arm64GbSecondUsd from lambdacraft\.json/);
  });

  it('lambdacraft usage rejects a bad lambdacraft.json', async () => {
    writeFileSync(
      path.join(projectDir, 'lambdacraft.json'),
      JSON.stringify({ prices: { requestUsd: 'cheap' } }),
    );
    const result = await usage([projectDir, '--data-dir', running.dataDir]);
    rmSync(path.join(projectDir, 'lambdacraft.json'));

    assert.equal(result.code, 2);
    assert.match(result.stderr, /lambdacraft\.json: prices\.requestUsd is "cheap" \(a string\)/);
  });
});

describe('concurrent executions gauge', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([
      testFunction('python-basic', 'python3.11', 'app.sleep', {
        functionName: 'MeteredSleep',
        timeoutSeconds: 30,
      }),
    ]);
  });

  after(() => running.close());

  async function gauge(): Promise<number | undefined> {
    const text = await (await fetch(`${running.endpoint}/metrics`)).text();
    return sample(text, 'lambdacraft_concurrent_executions{function="MeteredSleep"}');
  }

  it('counts an invocation in progress', async () => {
    assert.equal(await gauge(), 0);
    const invocation = running.lambda.send(
      new InvokeCommand({ FunctionName: 'MeteredSleep', Payload: '{"seconds": 2}' }),
    );
    // The invocation is admitted when its request arrives, long before the 2 s sleep ends.
    // The loop waits only for that request to reach the platform.
    let seen = await gauge();
    const deadline = Date.now() + 20_000;
    while (seen !== 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await gauge();
    }
    await invocation;

    assert.equal(seen, 1);
    assert.equal(await gauge(), 0);
  });
});

describe('lambdacraft usage arguments', () => {
  it('rejects a malformed --since', async () => {
    const result = await usage(['--since', '5x']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /'5x' is not a time span; use a whole number/);
  });

  it('reports a folder without state', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-usage-'));
    const result = await usage([dir]);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no LambdaCraft state in '.*\.lambdacraft'/);
  });
});

describe('--since parsing', () => {
  it('accepts seconds, minutes, hours and days', () => {
    assert.equal(parseSince('30s'), 30_000);
    assert.equal(parseSince('15m'), 900_000);
    assert.equal(parseSince('1h'), 3_600_000);
    assert.equal(parseSince('7d'), 604_800_000);
  });

  it('rejects other forms', () => {
    for (const value of ['', '1', 'h', '0h', '1.5h', '-1h', '1w', '1 h', '1H', '99999999999999d']) {
      assert.throws(() => parseSince(value), /is not a time span/, value);
    }
  });
});

describe('lambdacraft.json', () => {
  const file = '/project/lambdacraft.json';

  function configError(text: string): string {
    try {
      parseProjectConfig(text, file);
    } catch (error) {
      assert.ok(error instanceof LambdaCraftError);
      assert.equal(error.code, 'InvalidConfiguration');
      return error.message;
    }
    assert.fail(`no error for ${text}`);
  }

  it('reads prices', () => {
    const config = parseProjectConfig('{"prices": {"x86GbSecondUsd": 0.00002}}', file);
    assert.deepEqual(config, { prices: { x86GbSecondUsd: 0.00002 } });
    assert.deepEqual(parseProjectConfig('{}', file), {});
  });

  it('rejects invalid JSON', () => {
    assert.match(configError('{"prices": '), /^\/project\/lambdacraft\.json is not valid JSON/);
  });

  it('rejects a value that is not an object', () => {
    assert.match(configError('[1]'), /must contain a JSON object .*, not \[1\] \(an array\)/);
  });

  it('rejects an unknown key', () => {
    assert.match(
      configError('{"price": {}}'),
      /unknown key 'price'; the keys LambdaCraft reads are 'prices'/,
    );
  });

  it('rejects an unknown price', () => {
    assert.match(
      configError('{"prices": {"requestsUsd": 1}}'),
      /unknown key 'prices\.requestsUsd'; the prices LambdaCraft reads are 'requestUsd', 'x86GbSecondUsd', 'arm64GbSecondUsd'/,
    );
  });

  it('rejects a price of the wrong type', () => {
    assert.match(
      configError('{"prices": {"requestUsd": "0.2"}}'),
      /prices\.requestUsd is "0\.2" \(a string\); set it to a price in US dollars as a number of at least 0/,
    );
    assert.match(configError('{"prices": {"requestUsd": -1}}'), /prices\.requestUsd is -1;/);
    assert.match(configError('{"prices": 5}'), /prices is 5; set it to an object/);
  });

  it('reads the concurrency limit and the idle timeout', () => {
    assert.deepEqual(
      parseProjectConfig('{"accountConcurrencyLimit": 200, "idleTimeoutSeconds": 60}', file),
      { accountConcurrencyLimit: 200, idleTimeoutSeconds: 60 },
    );
    assert.match(
      configError('{"accountConcurrencyLimit": 0}'),
      /accountConcurrencyLimit is 0; set it to a whole number of at least 1, such as 1000$/,
    );
    assert.match(
      configError('{"idleTimeoutSeconds": "5m"}'),
      /idleTimeoutSeconds is "5m" \(a string\); set it to a whole number of at least 1/,
    );
  });
});
