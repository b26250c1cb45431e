import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { isolateAwsEnvironment, startUpProcess } from './helpers.js';

const run = promisify(execFile);

const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'tables');
const AWS_CLI = '/usr/bin/aws';
const CURL = '/usr/bin/curl';
const DEBIAN_PYTHON = '/usr/bin/python3';

async function debianHasBoto3(): Promise<boolean> {
  try {
    await run(DEBIAN_PYTHON, ['-c', 'import boto3']);
    return true;
  } catch {
    return false;
  }
}

function missingTool(): string | false {
  for (const tool of [AWS_CLI, CURL, DEBIAN_PYTHON]) {
    if (!existsSync(tool)) return `${tool} is not installed`;
  }
  return false;
}

const skip = missingTool() || (!(await debianHasBoto3()) && 'Debian python3-boto3 is missing');

describe('tables example run with up', { skip }, () => {
  let workDir: string;
  // `up` joins this list as soon as it starts, so `after` stops it even if it never got ready.
  const children: ChildProcess[] = [];
  let endpoint: string;
  let gateway: string;

  async function curl(...args: string[]): Promise<string> {
    const { stdout } = await run(CURL, ['--silent', '--show-error', '--fail', ...args]);
    return stdout;
  }

  async function aws(...args: string[]): Promise<Record<string, unknown>> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: workDir,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    const { stdout } = await run(
      AWS_CLI,
      [...args, '--endpoint-url', endpoint, '--output', 'json'],
      {
        env,
      },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  /** Polls GET /counts until it returns `expected`, for at most 30 seconds. */
  async function countsReach(expected: Record<string, number>): Promise<void> {
    const deadline = Date.now() + 30_000;
    let latest = '';
    while (Date.now() < deadline) {
      latest = await curl(`${gateway}/counts`);
      const counts = JSON.parse(latest) as Record<string, number>;
      if (JSON.stringify(counts) === JSON.stringify(expected)) return;
      await sleep(200);
    }
    assert.fail(`counts stayed at ${latest}, expected ${JSON.stringify(expected)}`);
  }

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-tables-example-'));
    const env = isolateAwsEnvironment({ ...process.env });
    env.LAMBDACRAFT_PYTHON = DEBIAN_PYTHON;
    ({ endpoint, gateway } = await startUpProcess(EXAMPLE, path.join(workDir, 'data'), {
      env,
      children,
      timeoutMs: 30_000,
    }));
  });

  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('curl commands of the README', async () => {
    // curl -d sends application/x-www-form-urlencoded, whose body the function gets base64-encoded.
    const first = await curl('-X', 'PUT', `${gateway}/orders/1`, '-d', '{"category": "books"}');
    assert.deepEqual(JSON.parse(first), { id: '1', category: 'books' });
    await curl('-X', 'PUT', `${gateway}/orders/2`, '-d', '{"category": "games"}');
    await curl('-X', 'PUT', `${gateway}/orders/2`, '-d', '{"category": "books"}');
    await countsReach({ books: 2, games: 0 });

    const json = await curl(
      '-X',
      'PUT',
      `${gateway}/orders/3`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"category": "games"}',
    );
    assert.deepEqual(JSON.parse(json), { id: '3', category: 'games' });
    await curl('-X', 'DELETE', `${gateway}/orders/1`);
    await countsReach({ books: 1, games: 1 });
  });

  it('rejects a body that is not an object', async () => {
    const { stdout } = await run(CURL, [
      '--silent',
      '--write-out',
      '\n%{http_code}',
      '-X',
      'PUT',
      `${gateway}/orders/4`,
      '-d',
      '[1]',
    ]);
    const [body, status] = stdout.split('\n');
    assert.equal(status, '400');
    assert.deepEqual(JSON.parse(body ?? ''), { message: 'the body must be a JSON object' });
  });

  it('AWS CLI commands of the README', async () => {
    const mappings = (
      await aws('lambda', 'list-event-source-mappings', '--function-name', 'order-counter')
    ).EventSourceMappings as Record<string, unknown>[];
    assert.equal(mappings.length, 1);
    assert.equal(mappings[0]?.State, 'Enabled');
    assert.equal(mappings[0]?.BatchSize, 25);

    const orders = await aws('dynamodb', 'scan', '--table-name', 'orders');
    assert.equal(orders.Count, 2);

    const books = await aws(
      'dynamodb',
      'get-item',
      '--table-name',
      'order-counts',
      '--key',
      '{"category": {"S": "books"}}',
    );
    assert.deepEqual((books.Item as Record<string, unknown>).orders, { N: '1' });

    const streams = (await aws('dynamodbstreams', 'list-streams', '--table-name', 'orders'))
      .Streams as Record<string, unknown>[];
    assert.equal(streams.length, 1);
    assert.equal(streams[0]?.StreamArn, mappings[0]?.EventSourceArn);
  });
});
