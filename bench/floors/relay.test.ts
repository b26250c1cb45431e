import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';

import { descendantPids, isProcessRunning } from '../../test/helpers.js';
import { BENCH_DIST_DIR } from '../paths.js';

const RELAY = path.join(BENCH_DIST_DIR, 'floors', 'relay.js');
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the relay with `options` after the port and waits until it listens. */
async function startRelay(
  options: string[],
): Promise<{ child: ChildProcessByStdio<null, Readable, null>; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [RELAY, String(port), ...options], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  while (!stdout.includes('listening on')) {
    await Promise.race([once(child.stdout, 'data'), once(child, 'exit')]);
    if (child.exitCode !== null) throw new Error(`relay exited with status ${child.exitCode}`);
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Stops the relay with SIGTERM, checks its exit status and returns the children it had. */
async function stopRelay(child: ChildProcess): Promise<number[]> {
  const children = child.pid === undefined ? [] : descendantPids(child.pid);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
  return children;
}

describe('relay floors', () => {
  it('floor C serves hello through its children', async () => {
    const { child, url } = await startRelay(['--gateway', '3']);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) => fetch(`${url}/hello?n=${index}`)),
    );
    for (const response of responses) {
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { message: 'hello world' });
    }

    const children = await stopRelay(child);
    assert.equal(children.length, 3);
    assert.deepEqual(children.filter(isProcessRunning), []);
  });

  it('floor B relays a POSTed event', async () => {
    const { child, url } = await startRelay([]);
    const response = await fetch(url, { method: 'POST', body: '{"any": "event"}' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    assert.equal((await stopRelay(child)).length, 1);
  });

  it('rejects an invalid child count', () => {
    const result = spawnSync(process.execPath, [RELAY, '1', '--gateway', 'none'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /expected '--gateway CHILDREN' after the port, not '--gateway none'/,
    );
  });
});
