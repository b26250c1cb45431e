// Floor B of the benchmark: a Node.js HTTP server that relays each request to one
// persistent Python child over HTTP long-polling, as emulators built on the Lambda Runtime
// API do. The child (relay_child.py) GETs the next event and POSTs the result. Nothing else
// happens per request: no random request ids, no log capture and no invocation records.
// Usage: node dist/bench/floors/relay.js PORT
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { BENCH_SOURCE_DIR, SYSTEM_PYTHON } from '../paths.js';
import { listenUntilSignal, portArgument } from './server-lifecycle.js';

const NEXT_PATH = '/2018-06-01/runtime/invocation/next';
const RESPONSE_PATH = /^\/2018-06-01\/runtime\/invocation\/(\d+)\/response$/;

interface Invocation {
  id: number;
  event: Buffer;
  res: http.ServerResponse;
}

const waiting: Invocation[] = [];
const inFlight = new Map<number, Invocation>();
let parkedNext: http.ServerResponse | undefined;
let nextId = 1;

function deliver(next: http.ServerResponse, invocation: Invocation): void {
  inFlight.set(invocation.id, invocation);
  next.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': invocation.event.length,
    'Lambda-Runtime-Aws-Request-Id': String(invocation.id),
  });
  next.end(invocation.event);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function handleInvoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const invocation = { id: nextId, event: await readBody(req), res };
  nextId += 1;
  const next = parkedNext;
  parkedNext = undefined;
  if (next === undefined) waiting.push(invocation);
  else deliver(next, invocation);
}

async function handleRuntime(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === NEXT_PATH) {
    req.resume();
    const invocation = waiting.shift();
    if (invocation === undefined) parkedNext = res;
    else deliver(res, invocation);
    return;
  }

  const match = RESPONSE_PATH.exec(req.url ?? '');
  const invocation = inFlight.get(Number(match?.[1]));
  const result = await readBody(req);
  if (req.method !== 'POST' || invocation === undefined) {
    res.writeHead(404).end();
    return;
  }
  inFlight.delete(invocation.id);
  invocation.res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': result.length,
  });
  invocation.res.end(result);
  res.writeHead(202, { 'Content-Length': 0 }).end();
}

function failRequest(res: http.ServerResponse, error: unknown): void {
  process.stderr.write(`relay floor: request failed: ${String(error)}\n`);
  if (!res.headersSent) res.writeHead(500);
  res.end();
}

const runtimeApi = http.createServer({ noDelay: true, keepAliveTimeout: 0 }, (req, res) => {
  handleRuntime(req, res).catch((error: unknown) => failRequest(res, error));
});
// The child's GET /next is held open for as long as no request arrives.
runtimeApi.requestTimeout = 0;
await new Promise<void>((resolve) => runtimeApi.listen(0, '127.0.0.1', resolve));
const runtimePort = (runtimeApi.address() as AddressInfo).port;

const child = spawn(SYSTEM_PYTHON, [path.join(BENCH_SOURCE_DIR, 'floors', 'relay_child.py')], {
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RELAY_RUNTIME_API: `127.0.0.1:${runtimePort}` },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// Without its child the relay cannot serve anything, so it exits, and its stderr names why.
child.once('exit', (code, signal) => {
  process.stderr.write(`relay floor: the Python child exited with ${signal ?? code}\n`);
  process.exit(1);
});

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
  handleInvoke(req, res).catch((error: unknown) => failRequest(res, error));
});
await listenUntilSignal(server, portArgument(), async () => {
  child.removeAllListeners('exit');
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  runtimeApi.closeAllConnections();
  runtimeApi.close();
});
