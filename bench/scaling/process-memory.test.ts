import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SYSTEM_PYTHON } from '../paths.js';
import {
  readMappingBreakdown,
  readProcessMemory,
  readProcessState,
  readWorkingDirectory,
} from './process-memory.js';

describe('process memory of a real interpreter', () => {
  let child: ChildProcess;
  let pid: number;

  before(async () => {
    child = spawn(SYSTEM_PYTHON, ['-c', "print('r', flush=True); import sys; sys.stdin.read()"], {
      cwd: '/',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    await once(child.stdout ?? child, 'data');
    assert.ok(child.pid !== undefined);
    pid = child.pid;
  });

  after(async () => {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  });

  it('reads RSS, PSS and USS', () => {
    const memory = readProcessMemory(pid);

    assert.ok(memory !== undefined);
    assert.ok(memory.rssKb > 0, `RSS ${memory.rssKb} kB`);
    assert.ok(memory.pssKb <= memory.rssKb, `PSS ${memory.pssKb} kB above RSS`);
    assert.ok(memory.ussKb > 0, `USS ${memory.ussKb} kB`);
    assert.ok(memory.ussKb <= memory.pssKb, `USS ${memory.ussKb} kB above PSS`);
  });

  it('groups mappings largest USS first', () => {
    const groups = readMappingBreakdown(pid);
    const uss = groups.map((group) => group.ussKb);

    assert.ok(groups.some((group) => group.name === '[heap]'));
    assert.ok(groups.some((group) => group.name === '[anonymous]'));
    assert.deepEqual(
      uss,
      [...uss].sort((a, b) => b - a),
    );
  });

  it('reads the working directory', () => {
    assert.equal(readWorkingDirectory(pid), '/');
  });

  it('reads the stopped state', async () => {
    process.kill(pid, 'SIGSTOP');
    await sleep(50);
    const stopped = readProcessState(pid);
    process.kill(pid, 'SIGCONT');

    assert.equal(stopped, 'T');
  });
});

describe('process memory of an exited process', () => {
  it('returns undefined', async () => {
    const child = spawn(SYSTEM_PYTHON, ['-c', 'pass'], { stdio: 'ignore' });
    const pid = child.pid;
    await once(child, 'exit');

    assert.ok(pid !== undefined);
    assert.equal(readProcessMemory(pid), undefined);
    assert.deepEqual(readMappingBreakdown(pid), []);
  });
});
