import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import {
  MAX_RUNTIME_PAYLOAD_BYTES,
  RuntimeApiServer,
  type RuntimeAnswer,
  type RuntimeEvent,
} from './server.js';

function event(requestId: string, overrides: Partial<RuntimeEvent> = {}): RuntimeEvent {
  return {
    requestId,
    payload: Buffer.from('{"n":1}'),
    deadlineMs: 1_900_000_000_000,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    traceId: 'Root=1-5e1b4151-5ac6c58dc39a4f9d1d3e5f8a;Parent=1234567890abcdef;Sampled=0',
    clientContext: undefined,
    cognitoIdentity: undefined,
    tenantId: undefined,
    ...overrides,
  };
}

describe('Runtime API server', () => {
  let server: RuntimeApiServer;
  let base: string;
  const answers: RuntimeAnswer[] = [];
  const initErrors: { body: string; errorType: string | undefined }[] = [];
  let nextCalls = 0;

  before(async () => {
    server = new RuntimeApiServer({
      onNext: () => {
        nextCalls += 1;
      },
      onAnswer: (answer) => answers.push(answer),
      onInitError: (body, errorType) => initErrors.push({ body: body.toString(), errorType }),
    });
    base = `http://${await server.listen()}/2018-06-01/runtime`;
  });
  after(() => server.close());

  it('holds /next until an event is delivered', async () => {
    const next = fetch(`${base}/invocation/next`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(nextCalls, 1);

    server.deliver(event('req-1', { clientContext: '{"custom":{"a":"b"}}' }));
    const response = await next;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('lambda-runtime-aws-request-id'), 'req-1');
    assert.equal(response.headers.get('lambda-runtime-deadline-ms'), '1900000000000');
    assert.equal(
      response.headers.get('lambda-runtime-invoked-function-arn'),
      'arn:aws:lambda:us-east-1:000000000000:function:f',
    );
    assert.match(response.headers.get('lambda-runtime-trace-id') ?? '', /^Root=1-/);
    assert.equal(response.headers.get('lambda-runtime-client-context'), '{"custom":{"a":"b"}}');
    assert.equal(response.headers.get('lambda-runtime-cognito-identity'), null);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), '{"n":1}');
  });

  it('accepts one answer and refuses a second', async () => {
    const first = await fetch(`${base}/invocation/req-1/response`, {
      method: 'POST',
      body: '"ok"',
    });
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { status: 'OK' });
    assert.deepEqual(answers.at(-1), {
      kind: 'response',
      requestId: 'req-1',
      body: Buffer.from('"ok"'),
      contentType: 'text/plain;charset=UTF-8',
    });

    const second = await fetch(`${base}/invocation/req-1/response`, {
      method: 'POST',
      body: '"again"',
    });
    assert.equal(second.status, 403);
    assert.equal(
      ((await second.json()) as { errorType: string }).errorType,
      'InvalidStateTransition',
    );
  });

  it('answers 400 for an unknown request id', async () => {
    const response = await fetch(`${base}/invocation/not-a-request/error`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      errorMessage: 'Invalid request ID',
      errorType: 'InvalidRequestID',
    });
  });

  it('hands an event delivered early to the next /next', async () => {
    server.deliver(event('req-2'));
    const response = await fetch(`${base}/invocation/next`);
    assert.equal(response.headers.get('lambda-runtime-aws-request-id'), 'req-2');
    await response.arrayBuffer();
  });

  it('keeps the error type header of an error answer', async () => {
    const response = await fetch(`${base}/invocation/req-2/error`, {
      method: 'POST',
      body: '{"errorMessage":"boom","errorType":"ValueError"}',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Custom' },
    });
    assert.equal(response.status, 202);
    const answer = answers.at(-1);
    assert.equal(answer?.kind, 'error');
    assert.equal(answer.kind === 'error' ? answer.errorType : '', 'Runtime.Custom');
  });

  it('answers 413 to a response over the size limit', async () => {
    server.deliver(event('req-3'));
    await (await fetch(`${base}/invocation/next`)).arrayBuffer();

    const body = 'x'.repeat(MAX_RUNTIME_PAYLOAD_BYTES + 1);
    const response = await fetch(`${base}/invocation/req-3/response`, { method: 'POST', body });
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), {
      errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'RequestEntityTooLarge',
    });
    assert.deepEqual(answers.at(-1), { kind: 'response-too-large', requestId: 'req-3' });
  });

  it('refuses an init error after init', async () => {
    const response = await fetch(`${base}/init/error`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 403);
    assert.equal(initErrors.length, 0);
  });

  it('answers 404 outside the API', async () => {
    const response = await fetch(`${base}/unknown`);
    assert.equal(response.status, 404);
  });
});

describe('Runtime API init error', () => {
  it('passes the body and error type on', async () => {
    const received: { body: string; errorType: string | undefined }[] = [];
    const server = new RuntimeApiServer({
      onNext: () => undefined,
      onAnswer: () => undefined,
      onInitError: (body, errorType) => received.push({ body: body.toString(), errorType }),
    });
    const base = `http://${await server.listen()}/2018-06-01/runtime`;
    try {
      const response = await fetch(`${base}/init/error`, {
        method: 'POST',
        body: '{"errorType":"Runtime.ImportModuleError"}',
        headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' },
      });
      assert.equal(response.status, 202);
      assert.deepEqual(received, [
        {
          body: '{"errorType":"Runtime.ImportModuleError"}',
          errorType: 'Runtime.ImportModuleError',
        },
      ]);
    } finally {
      server.close();
    }
  });
});

describe('Runtime API connection', () => {
  let server: RuntimeApiServer;
  let address: { host: string; port: number };
  const answers: RuntimeAnswer[] = [];

  before(async () => {
    server = new RuntimeApiServer({
      onNext: () => undefined,
      onAnswer: (answer) => answers.push(answer),
      onInitError: () => undefined,
    });
    const [host = '', port = ''] = (await server.listen()).split(':');
    address = { host, port: Number(port) };
  });
  after(() => server.close());

  /** Sends raw bytes, one write per part, and collects what comes back until `until` matches. */
  async function exchange(
    parts: string[],
    until: RegExp,
    beforeSend?: () => void,
  ): Promise<string> {
    const socket = net.connect(address.port, address.host);
    await once(socket, 'connect');
    let received = '';
    const done = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (until.test(received)) resolve(received);
      });
      socket.on('error', reject);
    });
    beforeSend?.();
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const text = await done;
    socket.destroy();
    return text;
  }

  it('reads a chunked body and its trailer', async () => {
    server.deliver(event('chunked'));
    const text = await exchange(
      [
        'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /2018-06-01/runtime/invocation/chunked/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
        '4\r\n{"a"\r\n',
        '3;ext=1\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n',
      ],
      /HTTP\/1\.1 202 Accepted[\s\S]*\{"status":"OK"\}/,
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.deepEqual(answers.at(-1), {
      kind: 'response',
      requestId: 'chunked',
      body: Buffer.from('{"a":1}'),
      contentType: 'application/json',
    });
  });

  it('answers Expect: 100-continue', async () => {
    server.deliver(event('expect'));
    const body = '{"b":2}';
    const text = await exchange(
      [
        'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n',
        `POST /2018-06-01/runtime/invocation/expect/response HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
      ],
      /202 Accepted[\s\S]*\{"status":"OK"\}/,
    );
    assert.match(text, /HTTP\/1\.1 100 Continue\r\n\r\n/);
    assert.deepEqual(answers.at(-1)?.requestId, 'expect');
  });

  it('parses a request split at every byte', async () => {
    server.deliver(event('split'));
    const request =
      'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /2018-06-01/runtime/invocation/split/response HTTP/1.1\r\nContent-Length: 4\r\n\r\ntrue';
    await exchange([...request], /202 Accepted[\s\S]*\{"status":"OK"\}/);
    assert.deepEqual(answers.at(-1), {
      kind: 'response',
      requestId: 'split',
      body: Buffer.from('true'),
      contentType: 'application/json',
    });
  });
});
