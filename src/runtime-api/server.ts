import http from 'node:http';

import { listenOn } from '../net/http-server.js';

/**
 * Bytes an event or a response may have inside the Runtime API: 6 MiB plus 100 bytes of
 * slack, the ceiling AWS's runtime interface emulator applies to both directions.
 */
export const MAX_RUNTIME_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;

const PREFIX = '/2018-06-01/runtime/';

/** One event sent to the runtime as the response to `GET /invocation/next`. */
export interface RuntimeEvent {
  requestId: string;
  payload: Buffer;
  /** Absolute Unix epoch milliseconds, sent as `Lambda-Runtime-Deadline-Ms`. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext: string | undefined;
  cognitoIdentity: string | undefined;
  tenantId: string | undefined;
}

export type RuntimeAnswer =
  | { kind: 'response'; requestId: string; body: Buffer; contentType: string }
  | { kind: 'error'; requestId: string; body: Buffer; errorType: string | undefined }
  | { kind: 'response-too-large'; requestId: string };

/** Callbacks through which the environment receives its runtime's requests. */
export interface RuntimeApiListener {
  /** The runtime called `/next` and is waiting; the first call ends its Init phase. */
  onNext(): void;
  onAnswer(answer: RuntimeAnswer): void;
  onInitError(body: Buffer, errorType: string | undefined): void;
}

type Route = 'next' | 'response' | 'error' | 'init-error';

/**
 * The Runtime API (2018-06-01) of one execution environment. Each environment listens on a
 * port of its own, so every request is known to come from that environment's runtime. A
 * `/next` long-poll is held as an open response and completed when `deliver` is called.
 */
export class RuntimeApiServer {
  readonly #server: http.Server;
  readonly #listener: RuntimeApiListener;
  #waitingNext: http.ServerResponse | undefined;
  #pendingEvent: RuntimeEvent | undefined;
  #currentRequestId: string | undefined;
  #answeredRequestId: string | undefined;
  #initialised = false;

  constructor(listener: RuntimeApiListener) {
    this.#listener = listener;
    this.#server = http.createServer(
      // A runtime's own HTTP client may leave out Host, which HTTP/1.1 requires.
      { keepAliveTimeout: 0, noDelay: true, requireHostHeader: false },
      (req, res) => {
        this.#route(req, res);
      },
    );
    // A /next long-poll may wait for hours between invocations.
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 0;
    this.#server.timeout = 0;
  }

  /** Listens on a free loopback port and returns `host:port` for AWS_LAMBDA_RUNTIME_API. */
  async listen(host = '127.0.0.1'): Promise<string> {
    const address = await listenOn(this.#server, 0, host);
    return `${host}:${address.port}`;
  }

  /** True while the runtime waits in `/next` with no event to take. */
  get waitingForEvent(): boolean {
    return this.#waitingNext !== undefined;
  }

  /** Sends an event to the runtime now if it is waiting in `/next`, otherwise at its next request. */
  deliver(event: RuntimeEvent): void {
    this.#currentRequestId = event.requestId;
    const res = this.#waitingNext;
    if (res === undefined) {
      this.#pendingEvent = event;
      return;
    }

    this.#waitingNext = undefined;
    writeEvent(res, event);
  }

  close(): void {
    this.#waitingNext = undefined;
    this.#server.close();
    this.#server.closeAllConnections();
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.sendDate = false;
    const url = req.url ?? '';
    const route = matchRoute(req.method ?? '', url);
    if (route === undefined) {
      req.resume();
      sendJson(res, 404, {
        errorMessage: `unknown Runtime API path ${url}`,
        errorType: 'NotFound',
      });
      return;
    }

    if (route === 'next') {
      req.resume();
      this.#handleNext(res);
      return;
    }

    if (route === 'init-error') {
      this.#handleInitError(req, res);
      return;
    }

    const requestId = decodeURIComponent(
      url.slice(PREFIX.length + 'invocation/'.length).split('/')[0] ?? '',
    );
    this.#handleAnswer(req, res, route, requestId);
  }

  #handleNext(res: http.ServerResponse): void {
    if (!this.#initialised) {
      this.#initialised = true;
    }
    const event = this.#pendingEvent;
    if (event !== undefined) {
      this.#pendingEvent = undefined;
      writeEvent(res, event);
    } else {
      this.#waitingNext = res;
      res.once('close', () => {
        if (this.#waitingNext === res) this.#waitingNext = undefined;
      });
    }
    this.#listener.onNext();
  }

  #handleInitError(req: http.IncomingMessage, res: http.ServerResponse): void {
    readBody(req, (body) => {
      if (body === undefined) {
        sendTooLarge(res);
        return;
      }
      if (this.#initialised) {
        sendJson(res, 403, {
          errorMessage:
            'State transition from Ready to InitError failed for runtime. Error: State transition is not allowed',
          errorType: 'InvalidStateTransition',
        });
        return;
      }

      sendAccepted(res);
      this.#listener.onInitError(body, headerValue(req, 'lambda-runtime-function-error-type'));
    });
  }

  #handleAnswer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: 'response' | 'error',
    requestId: string,
  ): void {
    if (requestId !== this.#currentRequestId) {
      req.resume();
      const repeated = requestId === this.#answeredRequestId;
      sendJson(res, repeated ? 403 : 400, repeated ? invalidTransition(route) : invalidRequestId());
      return;
    }
    // Claimed before the body arrives, so that a second response sent at once is rejected.
    this.#currentRequestId = undefined;
    this.#answeredRequestId = requestId;

    readBody(req, (body) => {
      if (body === undefined) {
        sendTooLarge(res);
        this.#listener.onAnswer({ kind: 'response-too-large', requestId });
        return;
      }

      sendAccepted(res);
      if (route === 'response') {
        const contentType = headerValue(req, 'content-type') ?? 'application/json';
        this.#listener.onAnswer({ kind: 'response', requestId, body, contentType });
      } else {
        const errorType = headerValue(req, 'lambda-runtime-function-error-type');
        this.#listener.onAnswer({ kind: 'error', requestId, body, errorType });
      }
    });
  }
}

function matchRoute(method: string, url: string): Route | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  const rest = url.slice(PREFIX.length);
  if (method === 'GET' && rest === 'invocation/next') return 'next';
  if (method !== 'POST') return undefined;
  if (rest === 'init/error') return 'init-error';
  if (rest.startsWith('invocation/')) {
    if (rest.endsWith('/response')) return 'response';
    if (rest.endsWith('/error')) return 'error';
  }
  return undefined;
}

function writeEvent(res: http.ServerResponse, event: RuntimeEvent): void {
  const headers: string[] = [
    'Content-Type',
    'application/json',
    'Lambda-Runtime-Aws-Request-Id',
    event.requestId,
    'Lambda-Runtime-Deadline-Ms',
    String(event.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn',
    event.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id',
    event.traceId,
    'Content-Length',
    String(event.payload.length),
  ];
  if (event.clientContext !== undefined) {
    headers.push('Lambda-Runtime-Client-Context', event.clientContext);
  }
  if (event.cognitoIdentity !== undefined) {
    headers.push('Lambda-Runtime-Cognito-Identity', event.cognitoIdentity);
  }
  if (event.tenantId !== undefined) {
    headers.push('Lambda-Runtime-Aws-Tenant-Id', event.tenantId);
  }
  res.writeHead(200, headers);
  res.end(event.payload);
}

/**
 * Reads a request body up to MAX_RUNTIME_PAYLOAD_BYTES; past that it drains the rest and
 * calls back with undefined, so the connection stays usable for the runtime's next request.
 */
function readBody(req: http.IncomingMessage, callback: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_RUNTIME_PAYLOAD_BYTES) {
      tooLarge = true;
      chunks.length = 0;
    } else {
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (tooLarge) {
      callback(undefined);
    } else {
      callback(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    }
  });
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const ACCEPTED_BODY = Buffer.from('{"status":"OK"}');

function sendAccepted(res: http.ServerResponse): void {
  res.writeHead(202, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(ACCEPTED_BODY.length),
  ]);
  res.end(ACCEPTED_BODY);
}

function sendJson(res: http.ServerResponse, status: number, body: object): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(text.length),
  ]);
  res.end(text);
}

function sendTooLarge(res: http.ServerResponse): void {
  sendJson(res, 413, {
    errorMessage: `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
    errorType: 'RequestEntityTooLarge',
  });
}

function invalidRequestId(): object {
  return { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' };
}

function invalidTransition(route: 'response' | 'error'): object {
  const target = route === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse';
  return {
    errorMessage: `State transition from RuntimeResponseSent to ${target} failed for runtime. Error: State transition is not allowed`,
    errorType: 'InvalidStateTransition',
  };
}
