import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { silentLogger } from '../log.js';
import { findOwnCgroups } from './cgroups/hierarchy.js';
import { MemoryLimits } from './memory-limit.js';
import { POLL_INTERVAL_MS, PollingMemory } from './memory-polling.js';

const MIB = 1024 * 1024;

/** A fake `/proc/self` and cgroup tree under one temporary folder. */
class FakeSystem {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-cgroup-fake-'));
  readonly procSelf = path.join(this.root, 'proc-self');

  constructor(mounts: string[], memberships: string[]) {
    mkdirSync(this.procSelf);
    const mountLines = mounts.map((mount, index) => `${30 + index} 20 0:${40 + index} ${mount}`);
    writeFileSync(path.join(this.procSelf, 'mountinfo'), `${mountLines.join('\n')}\n`);
    writeFileSync(path.join(this.procSelf, 'cgroup'), `${memberships.join('\n')}\n`);
  }

  /** Makes a folder of the fake tree with the given files in it. */
  folder(relative: string, files: Record<string, string> = {}): string {
    const dir = path.join(this.root, relative);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Starts a Python process that writes `ready` once it has allocated `megabytes` MB. */
async function startHolder(megabytes: number): Promise<ChildProcess> {
  const script = [
    'import sys, time',
    `blocks = [b"\\x01" * ${MIB} for _ in range(${megabytes})]`,
    'print("ready", flush=True)',
    'time.sleep(60)',
  ].join('\n');
  const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'ready');
  return child;
}

describe('findOwnCgroups', () => {
  let fake: FakeSystem;

  afterEach(() => fake.remove());

  it('maps v1 and v2 memberships to folders', () => {
    fake = new FakeSystem(
      [
        '/ /fake/memory rw - cgroup cgroup rw,memory',
        '/ /fake/cpu\\040acct rw - cgroup cgroup rw,cpu,cpuacct',
        '/ /fake/unified rw - cgroup2 cgroup2 rw',
        '/ /proc rw - proc proc rw',
      ],
      ['5:memory:/jobs/7', '3:cpu,cpuacct:/', '0::/user.slice/app'],
    );

    const own = findOwnCgroups(fake.procSelf);

    assert.equal(own.controllers.get('memory'), '/fake/memory/jobs/7');
    assert.equal(own.controllers.get('cpu'), '/fake/cpu acct');
    assert.equal(own.controllers.get('cpuacct'), '/fake/cpu acct');
    assert.equal(own.unified, '/fake/unified/user.slice/app');
  });

  it('strips the root of a mounted sub-tree', () => {
    fake = new FakeSystem(
      ['/container /fake/memory rw - cgroup cgroup rw,memory'],
      ['4:memory:/container/job'],
    );

    assert.equal(findOwnCgroups(fake.procSelf).controllers.get('memory'), '/fake/memory/job');
  });

  it('skips a cgroup outside the mounted sub-tree', () => {
    fake = new FakeSystem(
      ['/container /fake/memory rw - cgroup cgroup rw,memory'],
      ['4:memory:/elsewhere'],
    );

    assert.equal(findOwnCgroups(fake.procSelf).controllers.get('memory'), undefined);
  });
});

describe('MemoryLimits.detect', () => {
  let fake: FakeSystem;

  afterEach(() => fake.remove());

  it('polls when no memory controller is mounted', () => {
    fake = new FakeSystem(['/ /fake/cpu rw - cgroup cgroup rw,cpu'], ['3:cpu:/']);

    const limits = MemoryLimits.detect({ procSelfDir: fake.procSelf });

    assert.equal(limits.mechanism, 'polling');
    assert.equal(limits.parentDir, undefined);
    assert.match(limits.reason, /cgroup v2: not mounted/);
    assert.match(limits.reason, /cgroup v1: no memory controller mounted/);
  });

  it('polls when no controller is usable', () => {
    fake = new FakeSystem([], []);
    const unified = fake.folder('unified/app', { 'cgroup.controllers': 'cpu io\n' });
    const memory = fake.folder('memory/app');
    writeFileSync(
      path.join(fake.procSelf, 'mountinfo'),
      [
        `30 20 0:40 / ${path.dirname(unified)} rw - cgroup2 cgroup2 rw`,
        `31 20 0:41 / ${path.dirname(memory)} rw - cgroup cgroup rw,memory`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(fake.procSelf, 'cgroup'), '4:memory:/app\n0::/app\n');

    const limits = MemoryLimits.detect({ procSelfDir: fake.procSelf });

    assert.equal(limits.mechanism, 'polling');
    assert.match(limits.reason, /memory controller is not available/);
    assert.match(limits.reason, /not a memory cgroup/);
    assert.deepEqual(readdirSync(memory), [], 'the parent made for the check is removed again');
  });

  it('kills processes left in a stale parent', async () => {
    fake = new FakeSystem([], []);
    const own = fake.folder('unified/app', {
      'cgroup.controllers': 'cpu memory pids\n',
      'cgroup.subtree_control': 'memory\n',
    });
    const leftover = spawn('/usr/bin/sleep', ['60']);
    fake.folder('unified/app/lambdacraft-99999999-1/0123', {
      'cgroup.procs': `${leftover.pid}\n`,
    });
    writeFileSync(
      path.join(fake.procSelf, 'mountinfo'),
      `30 20 0:40 / ${path.dirname(own)} rw - cgroup2 cgroup2 rw\n`,
    );
    writeFileSync(path.join(fake.procSelf, 'cgroup'), '0::/app\n');
    const exited = once(leftover, 'exit');

    MemoryLimits.detect({ procSelfDir: fake.procSelf });

    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL');
  });

  it('makes a v2 parent and writes the limit and the process', async () => {
    fake = new FakeSystem([], []);
    const own = fake.folder('unified/app', {
      'cgroup.controllers': 'cpu memory pids\n',
      'cgroup.subtree_control': 'memory\n',
    });
    const stale = fake.folder('unified/app/lambdacraft-99999999-1/0123');
    writeFileSync(
      path.join(fake.procSelf, 'mountinfo'),
      `30 20 0:40 / ${path.dirname(own)} rw - cgroup2 cgroup2 rw\n`,
    );
    writeFileSync(path.join(fake.procSelf, 'cgroup'), '0::/app\n');

    const limits = MemoryLimits.detect({ procSelfDir: fake.procSelf });

    assert.equal(limits.mechanism, 'cgroup-v2');
    const parentDir = limits.parentDir ?? '';
    assert.equal(path.dirname(parentDir), own);
    assert.match(path.basename(parentDir), new RegExp(`^lambdacraft-${process.pid}-\\d+$`));
    assert.equal(readFileSync(path.join(parentDir, 'cgroup.subtree_control'), 'utf8'), '+memory');
    assert.equal(existsSync(stale), false, 'a parent left by an ended process is removed');

    const child = spawn('/usr/bin/sleep', ['60']);
    try {
      const memory = limits.forEnvironment('env1', 128, silentLogger());
      await memory.attach(child.pid ?? 0);
      const dir = path.join(parentDir, 'env1');
      assert.equal(readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'), String(child.pid));
      const limitBytes = Number(readFileSync(path.join(dir, 'memory.max'), 'utf8'));
      assert.ok(limitBytes <= 128 * MIB, `memory.max ${limitBytes} is above 128 MB`);
      assert.ok(limitBytes >= 64 * MIB, `memory.max ${limitBytes} is below half of 128 MB`);
      assert.equal(memory.killedForMemory(), false);
      // The fake has no memory.peak, so the reading comes from /proc.
      assert.ok(memory.maxMemoryUsedMb() > 0);
      await memory.release();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('PollingMemory', () => {
  let child: ChildProcess | undefined;

  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => {
    mock.timers.reset();
    child?.kill('SIGKILL');
  });

  it('calls onExceeded when the process tree passes the limit', async () => {
    child = await startHolder(80);
    const memory = new PollingMemory(64);
    await memory.attach(child.pid ?? 0);
    let exceeded = 0;

    memory.beginInvocation(() => (exceeded += 1));
    mock.timers.tick(POLL_INTERVAL_MS);

    assert.equal(exceeded, 1);
    assert.equal(memory.killedForMemory(), true);
    assert.equal(memory.maxMemoryUsedMb(), 64);
    mock.timers.tick(POLL_INTERVAL_MS * 5);
    assert.equal(exceeded, 1, 'polling stops after the first excess');
  });

  it('leaves a process under the limit alone', async () => {
    child = await startHolder(20);
    const memory = new PollingMemory(128);
    await memory.attach(child.pid ?? 0);
    let exceeded = 0;

    memory.beginInvocation(() => (exceeded += 1));
    mock.timers.tick(POLL_INTERVAL_MS * 5);
    memory.endInvocation();

    assert.equal(exceeded, 0);
    assert.equal(memory.killedForMemory(), false);
    const usedMb = memory.maxMemoryUsedMb();
    assert.ok(usedMb >= 20, `Max Memory Used ${usedMb} MB is below the 20 MB held`);
  });

  it('does not poll outside an invocation', async () => {
    child = await startHolder(80);
    const memory = new PollingMemory(64);
    await memory.attach(child.pid ?? 0);
    let exceeded = 0;

    memory.beginInvocation(() => (exceeded += 1));
    memory.endInvocation();
    mock.timers.tick(POLL_INTERVAL_MS * 5);

    assert.equal(exceeded, 0);
  });
});
