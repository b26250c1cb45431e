// Floors B and C of the benchmark: a Node.js HTTP server that relays each request to
// persistent Python children over HTTP long-polling, as emulators built on the Lambda
// Runtime API do. Nothing else happens per request: no random request ids, no log capture,
// no timeouts and no invocation records.
//
// Floor B (`relay.js PORT`) hands the POST body to one child (relay_child.py), a minimal
// Runtime API loop over one `http.client` connection, and returns its result as it is.
//
// Floor C (`relay.js PORT --gateway CHILDREN`) is the least work an HTTP gateway built on the
// Runtime API can do. Each request becomes an API Gateway HTTP API (2.0) event. CHILDREN
// Python children (gateway_relay_child.py) fetch the events with pipelined requests on raw
// sockets and pass them to the gateway benchmark's hello handler. The `statusCode` and
// `body` of each result become the HTTP response.
import { spawn, type ChildProcess } from 'node:child_process';
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
  respond(result: Buffer): void;
}

const waiting: Invocation[] = [];
const inFlight = new Map<number, Invocation>();
const parkedNext: http.ServerResponse[] = [];
let nextId = 1;

function deliver(next: http.ServerResponse, invocation: Invocation): void {
  inFlight.set(invocation.id, invocation);
  next.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': invocation.event.length,
    'Lambda-Runtime-Aws-Request-Id': String(invocation.id),
    'Lambda-Runtime-Deadline-Ms': String(Date.now() + 3000),
  });
  next.end(invocation.event);
}

function enqueue(event: Buffer, respond: (result: Buffer) => void): void {
  const invocation = { id: nextId, event, respond };
  nextId += 1;
  const next = parkedNext.shift();
  if (next === undefined) waiting.push(invocation);
  else deliver(next, invocation);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Floor B: the request body is the event, and the result is the response body. */
async function relayInvoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  enqueue(await readBody(req), (result) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': result.length });
    res.end(result);
  });
}

/** Floor C: the request becomes an HTTP API event, and the result an HTTP response. */
function relayGateway(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const rawPath = query < 0 ? url : url.slice(0, query);
  const now = Date.now();
  const event = {
    version: '2.0',
    routeKey: `${req.method} ${rawPath}`,
    rawPath,
    rawQueryString: query < 0 ? '' : url.slice(query + 1),
    headers: req.headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'floorc',
      domainName: req.headers.host ?? '127.0.0.1',
      domainPrefix: 'floorc',
      http: {
        method: req.method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress,
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: String(nextId),
      routeKey: `${req.method} ${rawPath}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
  enqueue(Buffer.from(JSON.stringify(event)), (result) => {
    const { statusCode, body } = JSON.parse(result.toString()) as {
      statusCode: number;
      body: string;
    };
    const bytes = Buffer.from(body);
    res.writeHead(statusCode, {
      'Content-Type': 'application/json',
      'Content-Length': bytes.length,
    });
    res.end(bytes);
  });
}

async function handleRuntime(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === NEXT_PATH) {
    req.resume();
    const invocation = waiting.shift();
    if (invocation === undefined) parkedNext.push(res);
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
  invocation.respond(result);
  res.writeHead(202, { 'Content-Length': 0 }).end();
}

function failRequest(res: http.ServerResponse, error: unknown): void {
  process.stderr.write(`relay floor: request failed: ${String(error)}\n`);
  if (!res.headersSent) res.writeHead(500);
  res.end();
}

/** Reads `--gateway CHILDREN` after the port; without it, floor B with one child. */
function gatewayChildren(): number | undefined {
  const [flag, count] = process.argv.slice(3);
  if (flag === undefined) return undefined;
  const children = Number(count);
  if (flag !== '--gateway' || !Number.isInteger(children) || children < 1) {
    process.stderr.write(
      `relay floor: expected '--gateway CHILDREN' after the port, not '${process.argv.slice(3).join(' ')}'\n`,
    );
    process.exit(2);
  }
  return children;
}

const port = portArgument();
const gateway = gatewayChildren();

const runtimeApi = http.createServer({ noDelay: true, keepAliveTimeout: 0 }, (req, res) => {
  handleRuntime(req, res).catch((error: unknown) => failRequest(res, error));
});
// A child's GET /next is held open for as long as no request arrives.
runtimeApi.requestTimeout = 0;
await new Promise<void>((resolve) => runtimeApi.listen(0, '127.0.0.1', resolve));
const runtimePort = (runtimeApi.address() as AddressInfo).port;

const childScript = gateway === undefined ? 'relay_child.py' : 'gateway_relay_child.py';
const children: ChildProcess[] = [];
for (let index = 0; index < (gateway ?? 1); index += 1) {
  const child = spawn(SYSTEM_PYTHON, [path.join(BENCH_SOURCE_DIR, 'floors', childScript)], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      RELAY_RUNTIME_API: `127.0.0.1:${runtimePort}`,
      RELAY_HANDLER_DIR: path.join(BENCH_SOURCE_DIR, 'gateway-project', 'handlers'),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Without its children the relay cannot serve everything, so it exits, and its stderr
  // names why.
  child.once('exit', (code, signal) => {
    process.stderr.write(`relay floor: a Python child exited with ${signal ?? code}\n`);
    process.exit(1);
  });
  children.push(child);
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
  if (gateway !== undefined) relayGateway(req, res);
  else relayInvoke(req, res).catch((error: unknown) => failRequest(res, error));
});
await listenUntilSignal(server, port, async () => {
  await Promise.all(
    children.map(async (child) => {
      child.removeAllListeners('exit');
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }),
  );
  runtimeApi.closeAllConnections();
  runtimeApi.close();
});
