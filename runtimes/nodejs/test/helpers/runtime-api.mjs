// A Runtime API (2018-06-01) server for tests, and a launcher that starts the
// real bootstrap against it as a child process.

import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const RUNTIME_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const BOOTSTRAP_PATH = path.join(RUNTIME_DIR, 'bootstrap.js');
export const FUNCTIONS_DIR = path.join(RUNTIME_DIR, 'test', 'functions');

const PREFIX = '/2018-06-01/runtime';

/**
 * Starts a Runtime API on 127.0.0.1 with a free port. Events queued with
 * `invoke()` are handed out to GET /invocation/next in order; each returns a
 * Promise of the runtime's outcome for that request id.
 */
export async function startRuntimeApi() {
  const api = new RuntimeApi();
  await new Promise((resolve) => api.server.listen(0, '127.0.0.1', resolve));
  return api;
}

class RuntimeApi {
  constructor() {
    this.requests = [];
    this.queuedEvents = [];
    this.waitingPolls = [];
    this.pending = new Map();
    this.completedRequestIds = new Set();
    this.nextPollListeners = [];
    this.connectionCount = 0;
    // Responses to force for POSTs: called with the request, returns
    // {statusCode, body} to send instead of the normal response, or undefined.
    this.overrideResponse = () => undefined;
    this.initError = new Promise((resolve) => {
      this.resolveInitError = resolve;
    });
    this.server = http.createServer((request, response) => this.onRequest(request, response));
    this.server.on('connection', (socket) => {
      this.connectionCount += 1;
      socket.connectionId = this.connectionCount;
    });
  }

  get address() {
    return `127.0.0.1:${this.server.address().port}`;
  }

  /**
   * Queues an event. Options: requestId, deadlineMs, headers (extra /next
   * headers), rawBody (sent as is instead of JSON.stringify(event)).
   * Resolves with {kind: 'response'|'error', body, json, headers, receivedAt}.
   */
  invoke(event, options = {}) {
    const requestId = options.requestId ?? randomUUID();
    const outcome = new Promise((resolve) => this.pending.set(requestId, resolve));
    const headers = {
      'Lambda-Runtime-Aws-Request-Id': requestId,
      'Lambda-Runtime-Deadline-Ms': String(options.deadlineMs ?? Date.now() + 30_000),
      'Lambda-Runtime-Invoked-Function-Arn':
        'arn:aws:lambda:us-east-1:000000000000:function:test-function',
      'Content-Type': 'application/json',
      ...options.headers,
    };
    const body = options.rawBody ?? JSON.stringify(event);
    this.queuedEvents.push({ requestId, headers, body, sentAt: undefined });
    this.dispatch();
    return Object.assign(outcome, { requestId });
  }

  /** Resolves with the time (performance.now()) of the next GET /invocation/next. */
  waitForNextPoll() {
    return new Promise((resolve) => this.nextPollListeners.push(resolve));
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }

  onRequest(request, response) {
    const receivedAt = performance.now();
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const record = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connectionId: request.socket.connectionId,
        receivedAt,
      };
      this.requests.push(record);
      this.route(record, response);
    });
  }

  route(record, response) {
    if (record.method === 'GET' && record.url === `${PREFIX}/invocation/next`) {
      this.nextPollListeners.splice(0).forEach((listener) => listener(record.receivedAt));
      this.waitingPolls.push(response);
      this.dispatch();
      return;
    }
    if (record.method === 'POST' && record.url === `${PREFIX}/init/error`) {
      this.resolveInitError({ headers: record.headers, json: JSON.parse(record.body) });
      sendJson(response, 202, { status: 'OK' });
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(record.url);
    if (record.method === 'POST' && match) {
      this.respondToInvocationPost(decodeURIComponent(match[1]), match[2], record, response);
      return;
    }
    sendJson(response, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }

  respondToInvocationPost(requestId, kind, record, response) {
    const forced = this.overrideResponse(record);
    if (forced) {
      sendJson(response, forced.statusCode, forced.body);
      return;
    }
    if (this.completedRequestIds.has(requestId)) {
      sendJson(response, 403, {
        errorMessage:
          'State transition from RuntimeResponseSent to InvocationResponse failed for runtime.',
        errorType: 'InvalidStateTransition',
      });
      return;
    }
    const resolve = this.pending.get(requestId);
    if (!resolve) {
      sendJson(response, 400, {
        errorMessage: 'Invalid request ID',
        errorType: 'InvalidRequestID',
      });
      return;
    }
    this.completedRequestIds.add(requestId);
    sendJson(response, 202, { status: 'OK' });
    resolve({
      kind,
      body: record.body,
      json: parseJsonOrUndefined(record.body),
      headers: record.headers,
      receivedAt: record.receivedAt,
    });
  }

  dispatch() {
    while (this.waitingPolls.length > 0 && this.queuedEvents.length > 0) {
      const response = this.waitingPolls.shift();
      // Skip the poll of a runtime that was killed while it waited.
      if (response.req.socket.destroyed) {
        continue;
      }
      const event = this.queuedEvents.shift();
      event.sentAt = performance.now();
      response.writeHead(200, {
        ...event.headers,
        'Content-Length': Buffer.byteLength(event.body),
      });
      response.end(event.body);
    }
  }
}

function sendJson(response, statusCode, value) {
  const body = JSON.stringify(value);
  response.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function parseJsonOrUndefined(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Environment that the platform gives a function process, for a Runtime API
 * at `address`. `overrides` are merged last; a value of undefined removes the
 * variable.
 */
export function lambdaEnvironment({ functionDir, handler, address, overrides = {} }) {
  const env = {
    PATH: process.env.PATH,
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: functionDir,
    AWS_LAMBDA_RUNTIME_API: address,
    AWS_LAMBDA_FUNCTION_NAME: 'test-function',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/test-function',
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]0123456789abcdef',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    TZ: ':UTC',
    NODE_PATH: '',
    ...overrides,
  };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) {
      delete env[name];
    }
  }
  return env;
}

/**
 * Spawns the bootstrap for the fixture `test/functions/<functionName>/`.
 * Returns {child, output(), exited, sendStartRequest} where output() gives
 * the stdout and stderr text so far and `exited` resolves with {code, signal}.
 * With `deferred`, the child starts in deferred-init mode with an almost
 * empty environment, and sendStartRequest() hands it the real one.
 */
export function spawnRuntime({
  api,
  functionName,
  handler,
  env = {},
  deferred = false,
  bootstrapPath = BOOTSTRAP_PATH,
}) {
  const functionDir = path.join(FUNCTIONS_DIR, functionName);
  const environment = lambdaEnvironment({
    functionDir,
    handler,
    address: api.address,
    overrides: env,
  });
  const child = spawn(process.execPath, [bootstrapPath], {
    cwd: deferred ? RUNTIME_DIR : functionDir,
    env: deferred ? { PATH: process.env.PATH, LAMBDACRAFT_DEFERRED_INIT: '1' } : environment,
    stdio: [deferred ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
  // 'close' comes after 'exit' and after stdout and stderr have ended.
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  // Writes the deferred-init start request; stdin stays open with keepStdinOpen.
  const sendStartRequest = ({ keepStdinOpen = false } = {}) => {
    const line = JSON.stringify({ env: environment, cwd: functionDir }) + '\n';
    if (keepStdinOpen) {
      child.stdin.write(line);
    } else {
      child.stdin.end(line);
    }
  };
  return { child, exited, sendStartRequest, output: () => ({ stdout, stderr }) };
}

/** Kills the child if it is still running and waits for it to exit. */
export async function stopRuntime(runtime) {
  if (runtime.child.exitCode === null && runtime.child.signalCode === null) {
    runtime.child.kill('SIGKILL');
  }
  await runtime.exited;
}

/**
 * Stops the runtime and returns all of its output. Output read while the
 * child runs can lag behind what the Runtime API already received.
 */
export async function finalOutput(runtime) {
  await stopRuntime(runtime);
  return runtime.output();
}

/** Splits stdout into log lines of the text format: [timestamp, requestId, level, message]. */
export function parseLogLines(stdout) {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/**
 * Starts a Runtime API and the bootstrap for one test, runs `body({api,
 * runtime})` and cleans both up, whatever happens.
 */
export async function withRuntime(options, body) {
  const api = await startRuntimeApi();
  const runtime = spawnRuntime({ api, ...options });
  try {
    return await body({ api, runtime });
  } finally {
    await stopRuntime(runtime);
    await api.close();
  }
}

/**
 * Waits for the outcome of `invocation`, or for the runtime to exit first,
 * in which case it resolves with {kind: 'exited', exit, output}.
 */
export function outcomeOrExit(runtime, invocation) {
  return Promise.race([
    invocation,
    runtime.exited.then((exit) => ({ kind: 'exited', exit, output: runtime.output() })),
  ]);
}
