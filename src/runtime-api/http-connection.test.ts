import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { HttpConnection, type HttpRequest, type Reply } from './http-connection.js';

const MAX_BODY_BYTES = 64;

/**
 * A server whose handler replies to `/echo` at once with the request's method, target and
 * body, and keeps `/hold` requests open until the test sends their reply.
 */
describe('HttpConnection', () => {
  let server: net.Server;
  let port: number;
  const heldReplies: Reply[] = [];
  const requests: HttpRequest[] = [];

  before(async () => {
    server = net.createServer((socket) => {
      new HttpConnection(
        socket,
        (request, reply) => {
          requests.push(request);
          if (request.target === '/hold') {
            heldReplies.push(reply);
            return;
          }
          const body =
            request.body === undefined
              ? 'too large'
              : `${request.method} ${request.body.toString()}`;
          reply.send(200, ['Content-Type', 'text/plain'], Buffer.from(body));
        },
        MAX_BODY_BYTES,
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  /** Sends `text` on a new connection and collects what comes back until the server closes it or `until` matches. */
  async function exchange(text: string, until?: RegExp): Promise<string> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    const done = new Promise<string>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (until?.test(received)) resolve(received);
      });
      socket.on('close', () => resolve(received));
    });
    socket.write(text);
    const result = await done;
    socket.destroy();
    return result;
  }

  it('rejects a malformed request line', async () => {
    const text = await exchange('HELLO\r\n\r\n');

    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /Connection: close\r\n/);
    assert.match(text, /invalid request line/);
  });

  it('rejects conflicting Content-Length headers', async () => {
    const text = await exchange(
      'POST /echo HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc',
    );

    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /conflicting Content-Length/);
  });

  it('rejects a non-chunked transfer coding', async () => {
    const text = await exchange('POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n');

    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /unsupported Transfer-Encoding gzip/);
  });

  it('rejects a head over 16 KiB', async () => {
    const text = await exchange(`GET /echo HTTP/1.1\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);

    assert.match(text, /^HTTP\/1\.1 431 /);
  });

  it('closes after Connection: close', async () => {
    const text = await exchange(
      'POST /echo HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi' +
        'POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nlater',
    );

    assert.match(text, /Connection: close\r\n\r\nPOST hi$/);
    assert.doesNotMatch(text, /later/);
  });

  it('closes after an HTTP/1.0 request', async () => {
    const text = await exchange('GET /echo HTTP/1.0\r\n\r\n');

    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /Connection: close\r\n\r\nGET $/);
  });

  it('drops an oversized body, keeps connection', async () => {
    const big = 'x'.repeat(MAX_BODY_BYTES + 1);
    const text = await exchange(
      `POST /echo HTTP/1.1\r\nContent-Length: ${big.length}\r\n\r\n${big}` +
        'POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nok',
      /POST ok$/,
    );

    assert.match(text, /too large/);
    assert.match(text, /POST ok$/);
  });

  it('reads chunked bodies split at every byte', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const big = 'y'.repeat(MAX_BODY_BYTES + 1);
    const text =
      'POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n' +
      `POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n` +
      'POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\ndone';
    for (const character of text) {
      socket.write(character);
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (!received.endsWith('POST done')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.destroy();

    assert.match(received, /\r\n\r\nPOST hello world/);
    assert.match(received, /\r\n\r\ntoo large/);
  });

  it('keeps responses in request order', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const heldBefore = heldReplies.length;
    socket.write('GET /hold HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nafter');
    while (heldReplies.length === heldBefore || requests.at(-1)?.target !== '/echo') {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(received, '');

    heldReplies.at(-1)?.send(200, [], Buffer.from('first'));
    while (!received.endsWith('POST after')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.destroy();

    assert.ok(received.indexOf('first') < received.indexOf('POST after'));
  });

  it('abandons a held reply on close', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const heldBefore = heldReplies.length;
    socket.write('GET /hold HTTP/1.1\r\n\r\n');
    while (heldReplies.length === heldBefore) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const reply = heldReplies.at(-1);
    assert.ok(reply);
    const abandoned = new Promise<void>((resolve) => {
      reply.onAbandon = resolve;
    });

    socket.destroy();

    await abandoned;
  });
});
