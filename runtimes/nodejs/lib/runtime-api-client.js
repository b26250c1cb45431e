'use strict';

// HTTP/1.1 client for the AWS Lambda Runtime API (version 2018-06-01). It is
// written on `net` because `http` gives no control over pipelining and loads
// slower: require('http') took 4.5 ms against 3.2 ms for require('net')
// (median of 15 fresh Node.js 20 processes on 2 AMD EPYC cores).
//
// The client keeps one persistent connection with Nagle's algorithm off.
// Requests issued in the same tick leave in one write, so a response POST and
// the next GET reach the server together (pipelining), and their responses
// are read in order. The server must send Content-Length bodies.
//
// The connection holds a reference on the event loop only while a request is
// waiting for its response. While the handler runs, nothing is pending, so
// the process can reach 'beforeExit' when the handler's own work drains.

const net = require('net');
const { toErrorResponse, JSONStringifyError } = require('./errors.js');

const API_PREFIX = '/2018-06-01/runtime';
const HEADER_END = Buffer.from('\r\n\r\n');

class RuntimeApiClient {
  /** @param {string} hostAndPort value of AWS_LAMBDA_RUNTIME_API, e.g. "127.0.0.1:9001" */
  constructor(hostAndPort, { isStringifyErrorTyped = false } = {}) {
    const separator = hostAndPort.lastIndexOf(':');
    this.host = hostAndPort.slice(0, separator);
    this.port = Number(hostAndPort.slice(separator + 1));
    this.isStringifyErrorTyped = isStringifyErrorTyped;
    this.connection = new Connection(this.host, this.port);
    this.connection.connect();
  }

  /** Long-polls for the next event. Resolves with `{headers, body}`; never times out. */
  async nextInvocation() {
    const response = await this.connection.request('GET', `${API_PREFIX}/invocation/next`, null, {
      isLongPoll: true,
    });
    if (response.statusCode !== 200) {
      throw new Error(
        `GET /invocation/next returned HTTP ${response.statusCode}: ${response.body.toString('utf8')}`,
      );
    }
    return { headers: response.headers, body: response.body.toString('utf8') };
  }

  /**
   * Posts `JSON.stringify(result)` (`undefined` becomes `null`). Throws
   * synchronously, before sending anything, when the result cannot be
   * serialised (a circular structure, a BigInt).
   */
  postInvocationResponse(requestId, result) {
    const body = this.serializeResult(result);
    const requestPath = `${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/response`;
    return this.post(requestPath, body, {});
  }

  /** Posts the `{errorType, errorMessage, trace}` body for a failed invocation. */
  postInvocationError(requestId, error) {
    const body = JSON.stringify(toErrorResponse(error));
    const requestPath = `${API_PREFIX}/invocation/${encodeURIComponent(requestId)}/error`;
    return this.post(requestPath, body, {});
  }

  /** Posts an Init failure with the Lambda-Runtime-Function-Error-Type header. */
  postInitError(error) {
    const errorResponse = toErrorResponse(error);
    const headers = { 'Lambda-Runtime-Function-Error-Type': errorResponse.errorType };
    return this.post(`${API_PREFIX}/init/error`, JSON.stringify(errorResponse), headers);
  }

  /**
   * AWS's Node.js 18-22 runtimes report an unserialisable result as a plain
   * Error; the Node.js 24 runtime uses Runtime.JSONStringifyError. Both use
   * the same message.
   */
  serializeResult(result) {
    try {
      return JSON.stringify(result === undefined ? null : result) ?? 'null';
    } catch {
      throw this.isStringifyErrorTyped
        ? new JSONStringifyError()
        : new Error('Unable to stringify response body');
    }
  }

  /**
   * Sends a POST and logs a non-2xx response (400 unknown request id, 403
   * request already completed, 413 too large) as one line on stderr. While
   * the main connection has a GET /next waiting, the server cannot respond to
   * anything queued behind it, so such a POST goes over a connection of its
   * own.
   */
  async post(requestPath, body, headers) {
    const connection = this.connection.hasLongPoll()
      ? new Connection(this.host, this.port, { isSingleUse: true })
      : this.connection;
    const response = await connection.request('POST', requestPath, body, { headers });
    if (response.statusCode < 200 || response.statusCode > 299) {
      const detail = response.body.toString('utf8').replace(/\s+/g, ' ');
      process.stderr.write(
        `[lambdacraft-runtime] POST ${requestPath} returned HTTP ${response.statusCode}: ${detail}\n`,
      );
    }
    return response;
  }
}

/** One keep-alive TCP connection with a FIFO of requests waiting for their responses. */
class Connection {
  constructor(host, port, { isSingleUse = false } = {}) {
    this.host = host;
    this.port = port;
    this.isSingleUse = isSingleUse;
    this.socket = null;
    this.waiting = [];
    this.isCorked = false;
    this.parser = new ResponseParser((response) => this.onResponse(response));
  }

  connect() {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.setNoDelay(true);
    socket.unref();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.onClose(socket, error));
    socket.on('close', () => this.onClose(socket, null));
    this.socket = socket;
  }

  hasLongPoll() {
    return this.waiting.some((entry) => entry.isLongPoll);
  }

  /** Queues one request; resolves with `{statusCode, headers, body}`. */
  request(method, requestPath, body, { headers = {}, isLongPoll = false } = {}) {
    if (!this.socket) {
      this.connect();
    }
    const bodyBuffer = body === null ? null : Buffer.from(body, 'utf8');
    const head = formatRequestHead(method, requestPath, this.host, this.port, headers, bodyBuffer);

    this.writeBatched(head, bodyBuffer);
    this.socket.ref();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject, isLongPoll, description: `${method} ${requestPath}` });
    });
  }

  /** Corks the socket until the next tick, so that requests of one tick share a write. */
  writeBatched(head, bodyBuffer) {
    if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.isCorked = false;
        this.socket?.uncork();
      });
    }
    this.socket.write(head, 'latin1');
    if (bodyBuffer) {
      this.socket.write(bodyBuffer);
    }
  }

  onData(chunk) {
    try {
      this.parser.push(chunk);
    } catch (error) {
      this.socket.destroy(error);
    }
  }

  onResponse(response) {
    const entry = this.waiting.shift();
    if (!entry) {
      throw new Error(
        `received an HTTP ${response.statusCode} response while no request was waiting`,
      );
    }
    if (this.waiting.length === 0) {
      this.socket.unref();
    }
    if (this.isSingleUse || response.headers.connection?.toLowerCase() === 'close') {
      this.detach(new Error('the server closed the connection after an earlier response'));
    }
    entry.resolve(response);
  }

  /** Ends the current socket and fails the requests still waiting on it. */
  detach(error) {
    const socket = this.socket;
    this.onClose(socket, error);
    socket.end();
  }

  /**
   * Forgets a closed socket, so that the next request opens a new one. This
   * is how an idle keep-alive connection closed by the server is replaced.
   * Requests still waiting fail, because the server may or may not have
   * handled them.
   *
   * NOTE: nothing is retried, so a request written in the instant the server
   * closes an idle connection fails too. The Runtime API server should keep
   * idle connections open for longer than a function's timeout.
   */
  onClose(socket, error) {
    if (socket !== this.socket) {
      return;
    }
    this.socket = null;
    this.isCorked = false;
    this.parser.reset();
    const failed = this.waiting.splice(0);
    for (const entry of failed) {
      const reason = error ? error.message : 'the server closed the connection';
      entry.reject(
        new Error(`Runtime API request ${entry.description} failed: ${reason}`, { cause: error }),
      );
    }
  }
}

function formatRequestHead(method, requestPath, host, port, headers, bodyBuffer) {
  let head = `${method} ${requestPath} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
  if (bodyBuffer) {
    head += `Content-Type: application/json\r\nContent-Length: ${bodyBuffer.length}\r\n`;
  }
  for (const [name, value] of Object.entries(headers)) {
    head += `${name}: ${String(value).replace(/[\r\n]/g, ' ')}\r\n`;
  }
  return head + '\r\n';
}

/**
 * Incremental parser for HTTP/1.1 responses framed by Content-Length. It calls
 * `onResponse({statusCode, headers, body})` once per complete response, with
 * lower-cased header names and the body as a Buffer.
 */
class ResponseParser {
  constructor(onResponse) {
    this.onResponse = onResponse;
    this.reset();
  }

  reset() {
    this.headBuffer = Buffer.alloc(0);
    this.current = null;
    this.bodyOffset = 0;
  }

  push(chunk) {
    let rest = chunk;
    while (rest.length > 0) {
      rest = this.current ? this.readBody(rest) : this.readHead(rest);
    }
  }

  /** Consumes bytes up to the end of the header block; returns the unconsumed bytes. */
  readHead(chunk) {
    const searchFrom = Math.max(0, this.headBuffer.length - 3);
    this.headBuffer = this.headBuffer.length ? Buffer.concat([this.headBuffer, chunk]) : chunk;
    const headEnd = this.headBuffer.indexOf(HEADER_END, searchFrom);
    if (headEnd === -1) {
      return Buffer.alloc(0);
    }

    const rest = this.headBuffer.subarray(headEnd + HEADER_END.length);
    this.current = parseResponseHead(this.headBuffer.toString('utf8', 0, headEnd));
    this.headBuffer = Buffer.alloc(0);
    this.bodyOffset = 0;
    this.finishIfComplete();
    return rest;
  }

  /** Copies body bytes into the current response and returns the bytes after its end. */
  readBody(chunk) {
    const body = this.current.body;
    const count = Math.min(chunk.length, body.length - this.bodyOffset);
    chunk.copy(body, this.bodyOffset, 0, count);
    this.bodyOffset += count;
    this.finishIfComplete();
    return chunk.subarray(count);
  }

  finishIfComplete() {
    if (this.bodyOffset < this.current.body.length) {
      return;
    }
    const response = this.current;
    this.current = null;
    this.onResponse(response);
  }
}

function parseResponseHead(text) {
  const lines = text.split('\r\n');
  const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!statusMatch) {
    throw new Error(`invalid HTTP status line from the Runtime API: ${JSON.stringify(lines[0])}`);
  }

  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  if (headers['transfer-encoding']) {
    throw new Error(
      `Runtime API response uses Transfer-Encoding: ${headers['transfer-encoding']}, but only Content-Length bodies are supported`,
    );
  }
  const length = headers['content-length'] === undefined ? 0 : Number(headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new Error(`invalid Content-Length from the Runtime API: ${headers['content-length']}`);
  }
  return { statusCode: Number(statusMatch[1]), headers, body: Buffer.allocUnsafe(length) };
}

module.exports = { RuntimeApiClient, ResponseParser };
