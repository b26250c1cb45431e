// The runtime's HTTP client: pipelining of the response POST with the next
// GET, non-2xx responses, reconnection after an idle close, and response
// framing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import {
  withRuntime,
  outcomeOrExit,
  spawnRuntime,
  stopRuntime,
  finalOutput,
} from './helpers/runtime-api.mjs';

const require = createRequire(import.meta.url);
const { ResponseParser } = require('../lib/runtime-api-client.js');

const TEST_TIMEOUT_MS = 10_000;
const STYLES = 'node-handler-styles';

test('next GET is pipelined with the response POST', { timeout: TEST_TIMEOUT_MS }, async () => {
  const server = new RawRuntimeApi();
  await server.listen();
  const runtime = spawnRuntime({
    api: { address: server.address },
    functionName: STYLES,
    handler: 'index.asyncSuccess',
  });
  try {
    await server.waitForBytes(/^GET \/2018-06-01\/runtime\/invocation\/next HTTP\/1\.1\r\n/);
    const requestId = randomUUID();
    server.sendEvent(requestId, '{"n":1}');

    // Both requests must arrive before the server responds to the POST.
    const postLine = `POST /2018-06-01/runtime/invocation/${requestId}/response HTTP/1.1\r\n`;
    const pipelined = new RegExp(
      `^${escapeRegExp(postLine)}[\\s\\S]*\r\n\r\n\\{"received":\\{"n":1\\}\\}GET /2018-06-01/runtime/invocation/next HTTP/1\\.1\r\n`,
    );
    await server.waitForBytes(pipelined);
    assert.equal(server.connectionCount, 1);
  } finally {
    await stopRuntime(runtime);
    await server.close();
  }
});

test('non-2xx POST responses keep the loop', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: STYLES, handler: 'index.asyncSuccess' };
  await withRuntime(options, async ({ api, runtime }) => {
    const forcedResponses = [
      {
        statusCode: 403,
        body: { errorMessage: 'State transition failed', errorType: 'InvalidStateTransition' },
      },
      {
        statusCode: 400,
        body: { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' },
      },
      {
        statusCode: 413,
        body: {
          errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).',
          errorType: 'RequestEntityTooLarge',
        },
      },
    ];
    api.overrideResponse = () => forcedResponses.shift();

    for (let index = 0; index < 3; index += 1) {
      const nextPoll = api.waitForNextPoll();
      api.invoke({ index });
      await nextPoll;
    }
    const outcome = await outcomeOrExit(runtime, api.invoke({ index: 3 }));
    assert.equal(outcome.body, '{"received":{"index":3}}');

    const stderrLines = (await finalOutput(runtime)).stderr.trimEnd().split('\n');
    assert.equal(stderrLines.length, 3);
    assert.match(
      stderrLines[0],
      /POST \/2018-06-01\/runtime\/invocation\/[^/]+\/response returned HTTP 403: .*InvalidStateTransition/,
    );
    assert.match(stderrLines[1], /returned HTTP 400: .*InvalidRequestID/);
    assert.match(stderrLines[2], /returned HTTP 413: .*RequestEntityTooLarge/);
  });
});

test('server-closed idle connection is reopened', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: STYLES, handler: 'index.sleep' };
  await withRuntime(options, async ({ api, runtime }) => {
    // Node.js 20 closes an idle connection about 1 s after keepAliveTimeout.
    api.server.keepAliveTimeout = 100;
    const outcome = await outcomeOrExit(runtime, api.invoke({ sleepMs: 1_500 }));

    assert.equal(outcome.body, '{"sleptMs":1500}');
    assert.equal(api.connectionCount, 2);
    const second = await outcomeOrExit(runtime, api.invoke({ sleepMs: 1 }));
    assert.equal(second.body, '{"sleptMs":1}');
  });
});

test('large event and result keep their bytes', { timeout: TEST_TIMEOUT_MS }, async () => {
  const options = { functionName: STYLES, handler: 'index.asyncSuccess' };
  await withRuntime(options, async ({ api, runtime }) => {
    const text = 'é😀x'.repeat(300_000);
    const outcome = await outcomeOrExit(runtime, api.invoke({ text }));

    assert.equal(outcome.json.received.text, text);
  });
});

test('parser reads responses split at every byte', () => {
  const responses = [];
  const parser = new ResponseParser((response) => responses.push(response));
  const wire = Buffer.from(
    'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status":"OK"}' +
      'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc\r\nContent-Length: 8\r\n\r\n{"a":"é"}'.replace(
        '8',
        '10',
      ),
  );

  for (let offset = 0; offset < wire.length; offset += 1) {
    parser.push(wire.subarray(offset, offset + 1));
  }

  assert.equal(responses.length, 2);
  assert.equal(responses[0].statusCode, 202);
  assert.equal(responses[0].body.toString(), '{"status":"OK"}');
  assert.equal(responses[1].statusCode, 200);
  assert.equal(responses[1].headers['lambda-runtime-aws-request-id'], 'abc');
  assert.equal(responses[1].body.toString(), '{"a":"é"}');
});

test('parser rejects chunked bodies by name', () => {
  const parser = new ResponseParser(() => {});
  const wire = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');

  assert.throws(
    () => parser.push(wire),
    /Transfer-Encoding: chunked, but only Content-Length bodies are supported/,
  );
});

/** A Runtime API on raw TCP that shows exactly which bytes arrive when. */
class RawRuntimeApi {
  constructor() {
    this.received = '';
    this.connectionCount = 0;
    this.socket = null;
    this.waiters = [];
    this.server = net.createServer((socket) => {
      this.connectionCount += 1;
      this.socket = socket;
      socket.setEncoding('latin1');
      socket.on('data', (text) => {
        this.received += text;
        this.checkWaiters();
      });
      socket.on('error', () => {});
    });
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get address() {
    return `127.0.0.1:${this.server.address().port}`;
  }

  /** Resolves once the bytes received so far match `pattern`, then clears them. */
  waitForBytes(pattern) {
    return new Promise((resolve) => {
      this.waiters.push({ pattern, resolve });
      this.checkWaiters();
    });
  }

  checkWaiters() {
    const waiter = this.waiters[0];
    if (waiter && waiter.pattern.test(this.received)) {
      this.waiters.shift();
      this.received = '';
      waiter.resolve();
    }
  }

  sendEvent(requestId, body) {
    this.socket.write(
      'HTTP/1.1 200 OK\r\n' +
        `Lambda-Runtime-Aws-Request-Id: ${requestId}\r\n` +
        `Lambda-Runtime-Deadline-Ms: ${Date.now() + 30_000}\r\n` +
        'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:test-function\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  close() {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
