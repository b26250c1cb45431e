import net from 'node:net';

import { listenOn } from '../net/http-server.js';
import { HttpConnection, type HttpRequest, type Reply } from './http-connection.js';

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
 * `/next` long-poll is held as an open reply and completed when `deliver` is called.
 */
export class RuntimeApiServer {
  readonly #server: net.Server;
  readonly #connections = new Set<net.Socket>();
  readonly #listener: RuntimeApiListener;
  #waitingNext: Reply | undefined;
  #pendingEvent: RuntimeEvent | undefined;
  #currentRequestId: string | undefined;
  #answeredRequestId: string | undefined;
  #initialised = false;

  constructor(listener: RuntimeApiListener) {
    this.#listener = listener;
    this.#server = net.createServer({ noDelay: true }, (socket) => {
      this.#connections.add(socket);
      socket.once('close', () => this.#connections.delete(socket));
      new HttpConnection(
        socket,
        (request, reply) => {
          this.#route(request, reply);
        },
        MAX_RUNTIME_PAYLOAD_BYTES,
      );
    });
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
    const reply = this.#waitingNext;
    if (reply === undefined) {
      this.#pendingEvent = event;
      return;
    }

    this.#waitingNext = undefined;
    writeEvent(reply, event);
  }

  close(): void {
    this.#waitingNext = undefined;
    this.#server.close();
    for (const socket of this.#connections) socket.destroy();
  }

  #route(request: HttpRequest, reply: Reply): void {
    const route = matchRoute(request.method, request.target);
    if (route === undefined) {
      sendJson(reply, 404, {
        errorMessage: `unknown Runtime API path ${request.target}`,
        errorType: 'NotFound',
      });
      return;
    }

    if (route === 'next') {
      this.#handleNext(reply);
      return;
    }

    if (route === 'init-error') {
      this.#handleInitError(request, reply);
      return;
    }

    const requestId = decodeURIComponent(
      request.target.slice(PREFIX.length + 'invocation/'.length).split('/')[0] ?? '',
    );
    this.#handleAnswer(request, reply, route, requestId);
  }

  #handleNext(reply: Reply): void {
    this.#initialised = true;
    const event = this.#pendingEvent;
    if (event !== undefined) {
      this.#pendingEvent = undefined;
      writeEvent(reply, event);
    } else {
      this.#waitingNext = reply;
      reply.onAbandon = () => {
        if (this.#waitingNext === reply) this.#waitingNext = undefined;
      };
    }
    this.#listener.onNext();
  }

  #handleInitError(request: HttpRequest, reply: Reply): void {
    if (request.body === undefined) {
      sendTooLarge(reply);
      return;
    }
    if (this.#initialised) {
      sendJson(reply, 403, {
        errorMessage:
          'State transition from Ready to InitError failed for runtime. Error: State transition is not allowed',
        errorType: 'InvalidStateTransition',
      });
      return;
    }

    sendAccepted(reply);
    this.#listener.onInitError(
      request.body,
      request.headers.get('lambda-runtime-function-error-type'),
    );
  }

  #handleAnswer(
    request: HttpRequest,
    reply: Reply,
    route: 'response' | 'error',
    requestId: string,
  ): void {
    if (requestId !== this.#currentRequestId) {
      const repeated = requestId === this.#answeredRequestId;
      sendJson(
        reply,
        repeated ? 403 : 400,
        repeated ? invalidTransition(route) : invalidRequestId(),
      );
      return;
    }
    this.#currentRequestId = undefined;
    this.#answeredRequestId = requestId;

    const body = request.body;
    if (body === undefined) {
      sendTooLarge(reply);
      this.#listener.onAnswer({ kind: 'response-too-large', requestId });
      return;
    }

    // The listener goes first: the environment settles the invocation in a `setImmediate`
    // that then runs before the one that uncorks this connection, so a next event handed
    // out at once leaves in the same write as this 202 (see HttpConnection).
    if (route === 'response') {
      const contentType = request.headers.get('content-type') ?? 'application/json';
      this.#listener.onAnswer({ kind: 'response', requestId, body, contentType });
    } else {
      const errorType = request.headers.get('lambda-runtime-function-error-type');
      this.#listener.onAnswer({ kind: 'error', requestId, body, errorType });
    }
    sendAccepted(reply);
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

function writeEvent(reply: Reply, event: RuntimeEvent): void {
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
  reply.send(200, headers, event.payload);
}

const ACCEPTED_BODY = Buffer.from('{"status":"OK"}');

function sendAccepted(reply: Reply): void {
  reply.send(202, ['Content-Type', 'application/json'], ACCEPTED_BODY);
}

function sendJson(reply: Reply, status: number, body: object): void {
  reply.send(status, ['Content-Type', 'application/json'], Buffer.from(JSON.stringify(body)));
}

function sendTooLarge(reply: Reply): void {
  sendJson(reply, 413, {
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
