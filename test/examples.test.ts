import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { Platform } from '../src/platform.js';
import { loadTemplate } from '../src/template/load.js';
import { CLIENT_OPTIONS, isolateAwsEnvironment } from './helpers.js';

const EXAMPLES = path.join(PACKAGE_ROOT, 'examples', 'intro');
const TEMPLATE = path.join(EXAMPLES, 'template.yaml');
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');

function event(name: string): Buffer {
  return readFileSync(path.join(EXAMPLES, 'events', `${name}.json`));
}

describe('introductory examples', () => {
  let platform: Platform;
  let lambda: LambdaClient;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-examples-'));
    const account = { accountId: '000000000000', region: 'us-east-1' };
    // CsvDir=data reads the sample CSV from the code folder, as the README's invoke does.
    const template = loadTemplate(TEMPLATE, { account, parameterOverrides: { CsvDir: 'data' } });
    platform = await Platform.start({
      dataDir,
      account,
      functions: [...template.functions.values()],
    });
    const endpoint = await platform.listen(0, '127.0.0.1');
    lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  });
  after(async () => {
    lambda.destroy();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function invoke(functionName: string, eventName: string): Promise<Record<string, unknown>> {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: event(eventName) }),
    );
    assert.equal(result.FunctionError, undefined, Buffer.from(result.Payload ?? []).toString());
    return JSON.parse(Buffer.from(result.Payload ?? []).toString()) as Record<string, unknown>;
  }

  it('greets from the basics example', async () => {
    const result = await invoke('BasicsFunction', 'basics');
    assert.equal(result.greeting, 'Hello, Ada!');
    assert.equal((result.context as { function_name: string }).function_name, 'BasicsFunction');
  });

  it('summarises the uploaded CSV file', async () => {
    const result = await invoke('CsvSummaryFunction', 's3-put-sample-csv');
    const [summary] = result.summaries as { key: string; row_count: number; columns: string[] }[];
    assert.equal(summary?.key, 'reports/daily sales.csv');
    assert.equal(summary.row_count, 6);
    assert.ok(summary.columns.includes('revenue'));
  });

  it('serves the JSON web backend', async () => {
    const list = await invoke('WebBackendFunction', 'http-get-items');
    assert.equal(list.statusCode, 200);
    const item = await invoke('WebBackendFunction', 'http-get-item-2');
    assert.deepEqual(JSON.parse(String(item.body)), { id: '2', name: 'Pencil', price: 0.8 });
    const created = await invoke('WebBackendFunction', 'http-post-items');
    assert.equal(created.statusCode, 201);
  });

  it('runs the scheduled clean-up job', async () => {
    const result = await invoke('CleanupFunction', 'cloudwatch-scheduled-event');
    assert.deepEqual(result.failed, []);
    assert.ok(Array.isArray(result.removed));
  });

  it('invokes through the CLI', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        CLI,
        'invoke',
        'BasicsFunction',
        '-t',
        TEMPLATE,
        '-e',
        path.join(EXAMPLES, 'events', 'basics.json'),
        '--data-dir',
        dataDir,
      ],
      { env: isolateAwsEnvironment({ ...process.env }) },
    );
    assert.equal((JSON.parse(stdout) as { greeting: string }).greeting, 'Hello, Ada!');
    assert.match(stderr, /^REPORT RequestId: /m);
  });
});
