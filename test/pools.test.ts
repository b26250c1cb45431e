import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { validateFunctionConfig, type FunctionSpec } from '../src/functions/function-config.js';
import { Platform, type PlatformOptions } from '../src/platform.js';
import { CLIENT_OPTIONS, json, parseReport, testFunction } from './helpers.js';

/** Outside /tmp, because every environment may have its own private folder mounted there. */
const OUTPUT_DIR = path.join(PACKAGE_ROOT, '.test-output', `pools-${process.pid}`);

interface Described {
  pid: number;
  initialization_type: string;
}

const pools = (name: string, handler: string, overrides: Partial<FunctionSpec> = {}) =>
  testFunction('python-pools', 'python3.11', `app.${handler}`, {
    functionName: name,
    ...overrides,
  });

/** A platform with its own options, an AWS endpoint and an SDK client. */
class PoolPlatform {
  private constructor(
    readonly platform: Platform,
    readonly lambda: LambdaClient,
    readonly dataDir: string,
  ) {}

  static async start(
    specs: FunctionSpec[],
    options: Partial<PlatformOptions> = {},
  ): Promise<PoolPlatform> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-pools-'));
    const platform = await Platform.start({
      dataDir,
      functions: specs.map(validateFunctionConfig),
      ...options,
    });
    const endpoint = await platform.listen(0, '127.0.0.1');
    const lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
    return new PoolPlatform(platform, lambda, dataDir);
  }

  invoke(name: string, payload: unknown = {}): Promise<InvokeCommandOutput> {
    return this.lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(payload)),
        LogType: 'Tail',
      }),
    );
  }

  async describe(name: string, payload: unknown = {}): Promise<Described & { log: string }> {
    const result = await this.invoke(name, payload);
    assert.equal(result.FunctionError, undefined, Buffer.from(result.Payload ?? []).toString());
    const log = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
    return { ...(json(result.Payload) as Described), log };
  }

  async close(): Promise<void> {
    this.lambda.destroy();
    await this.platform.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** True while the process exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    return processState(pid) !== 'Z';
  } catch {
    return false;
  }
}

/** Reads the state letter of /proc/<pid>/stat: R, S, T (stopped), Z and so on. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

async function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition() && Date.now() < deadline) await sleep(20);
  assert.ok(condition(), `timed out waiting until ${what}`);
}

function readCount(file: string): number {
  return Number(readFileSync(file, 'utf8'));
}

/** Folders under the environments' root that contain a file of this name. */
function foldersHolding(dataDir: string, name: string): string[] {
  const root = path.join(dataDir, 'environments');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((folder) => existsSync(path.join(root, folder, name)));
}

describe('environment pools', () => {
  before(() => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });
  after(() => {
    rmSync(OUTPUT_DIR, { recursive: true, force: true });
  });

  it('burst scales up, idle scales to zero', async () => {
    const started = await PoolPlatform.start([pools('py-burst', 'describe')], {
      idleTimeoutMs: 3_000,
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => started.describe('py-burst', { sleep_ms: 2_000 })),
      );
      const pids = new Set(results.map((result) => result.pid));
      const counts = started.platform.environments.countsFor('py-burst');

      // Each invocation lasts 2 s, so all twenty overlap unless the machine stalls that long.
      assert.ok(pids.size >= 15, `only ${pids.size} environments served 20 overlapping requests`);
      assert.equal(counts.environments, pids.size);
      assert.equal(counts.concurrentExecutions, 0);

      await until(
        () => started.platform.environments.countsFor('py-burst').environments === 0,
        'every idle environment is reaped',
      );
      await until(() => [...pids].every((pid) => !running(pid)), 'every runtime has exited');
    } finally {
      await started.close();
    }
  });

  it('counts concurrent executions', async () => {
    const started = await PoolPlatform.start([pools('py-count', 'describe')]);
    try {
      const calls = [1, 2, 3].map(() => started.describe('py-count', { sleep_ms: 1_000 }));
      await until(
        () => started.platform.environments.countsFor('py-count').concurrentExecutions === 3,
        'three invocations run',
      );
      assert.equal(started.platform.environments.counts().get('py-count')?.environments, 3);
      await Promise.all(calls);
      assert.equal(started.platform.environments.countsFor('py-count').concurrentExecutions, 0);
    } finally {
      await started.close();
    }
  });

  it('frozen environment stops background threads', async () => {
    const started = await PoolPlatform.start([pools('py-counter', 'start_counter')]);
    const counter = path.join(OUTPUT_DIR, 'counter');
    try {
      const { pid } = await started.describe('py-counter', { path: counter });
      await until(() => processState(pid) === 'T', 'the idle runtime is stopped');
      await until(() => existsSync(counter), 'the counter file exists');

      const frozenCount = readCount(counter);
      await sleep(500);
      assert.equal(readCount(counter), frozenCount, 'the thread ran while the environment idled');

      const second = await started.describe('py-counter', { path: counter, sleep_ms: 300 });
      assert.equal(second.pid, pid);
      assert.ok(readCount(counter) > frozenCount, 'the thread did not run during the invocation');
    } finally {
      await started.close();
    }
  });

  it('frozen environment still times out', async () => {
    const started = await PoolPlatform.start([
      pools('py-frozen-timeout', 'describe', { timeoutSeconds: 1 }),
    ]);
    try {
      const { pid } = await started.describe('py-frozen-timeout');
      await until(() => processState(pid) === 'T', 'the idle runtime is stopped');

      const result = await started.invoke('py-frozen-timeout', { sleep_ms: 5_000 });
      assert.equal(result.FunctionError, 'Unhandled');
      assert.equal((json(result.Payload) as { errorType: string }).errorType, 'Sandbox.Timedout');
      await until(() => !running(pid), 'the timed-out runtime has exited');

      const next = await started.describe('py-frozen-timeout');
      assert.notEqual(next.pid, pid);
    } finally {
      await started.close();
    }
  });

  it('frozen environment is destroyed on shutdown', async () => {
    const started = await PoolPlatform.start([pools('py-frozen-close', 'write_tmp_marker')]);
    const marker = `marker-${process.pid}`;
    const { dataDir } = started;
    let pid: number;
    try {
      pid = (json((await started.invoke('py-frozen-close', { name: marker })).Payload) as Described)
        .pid;
      await until(() => processState(pid) === 'T', 'the idle runtime is stopped');
      assert.equal(foldersHolding(dataDir, marker).length, 1);
    } finally {
      started.lambda.destroy();
      await started.platform.close();
    }

    await until(() => !running(pid), 'the frozen runtime has exited');
    assert.deepEqual(foldersHolding(dataDir, marker), []);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('frozen runtime ends with a killed platform', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-pools-'));
    const spec = pools('py-orphan', 'describe');
    // A platform in a process of its own prints the runtime's process id, then idles.
    const script = `
      const { Platform } = await import(${JSON.stringify(path.join(PACKAGE_ROOT, 'dist/src/platform.js'))});
      const { validateFunctionConfig } = await import(${JSON.stringify(path.join(PACKAGE_ROOT, 'dist/src/functions/function-config.js'))});
      const platform = await Platform.start({
        dataDir: ${JSON.stringify(dataDir)},
        functions: [validateFunctionConfig(${JSON.stringify(spec)})],
      });
      const result = await platform.invoker.invoke('py-orphan', Buffer.from('{}'), {
        qualifier: undefined, tailLog: false, clientContext: undefined, source: 'test',
      });
      process.stdout.write(JSON.parse(result.payload.toString()).pid + '\\n');
      setInterval(() => undefined, 1000);
    `;
    const platformProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [firstOutput] = (await once(platformProcess.stdout, 'data')) as [Buffer];
      const pid = Number(firstOutput.toString().trim());
      assert.ok(pid > 0, `the platform printed '${firstOutput.toString()}', not a process id`);
      await until(() => processState(pid) === 'T', 'the idle runtime is stopped');

      platformProcess.kill('SIGKILL');
      await until(() => !running(pid), 'the frozen runtime has exited');
    } finally {
      platformProcess.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('provisioned environments start before requests', async () => {
    const pidsFile = path.join(OUTPUT_DIR, 'provisioned-pids');
    const started = await PoolPlatform.start([
      pools('py-provisioned', 'describe', {
        environment: { PIDS_FILE: pidsFile },
        timeoutSeconds: 10,
      }),
    ]);
    const { environments, registry } = started.platform;
    const config = registry.find('py-provisioned');
    assert.ok(config !== undefined);
    try {
      await environments.provision(config, 2);
      const status = environments.provisionedStatus(config);
      assert.equal(status.requested, 2);
      assert.equal(status.allocated, 2);
      assert.equal(status.available, 2);
      const provisionedPids = readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
      assert.equal(provisionedPids.length, 2);
      assert.ok(provisionedPids.every(running), 'a provisioned runtime is not running');

      const first = await started.describe('py-provisioned');
      assert.ok(provisionedPids.includes(first.pid));
      assert.equal(first.initialization_type, 'provisioned-concurrency');
      assert.equal(parseReport(first.log)['Init Duration'], undefined);

      // The pool lets the third request wait for a busy environment for at most ten average
      // start-up times. Then it starts an on-demand one, well within these 4 s.
      const burst = await Promise.all(
        [1, 2, 3].map(() => started.describe('py-provisioned', { sleep_ms: 4_000 })),
      );
      const onDemand = burst.filter((item) => item.initialization_type === 'on-demand');
      assert.equal(onDemand.length, 1);
      assert.ok(parseReport(onDemand[0]?.log ?? '')['Init Duration'] !== undefined);

      await environments.provision(config, 0);
      assert.equal(environments.provisionedStatus(config).allocated, 0);
      await until(() => !provisionedPids.some(running), 'provisioned runtimes have exited');
    } finally {
      await started.close();
    }
  });
});
