import net from 'node:net';

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Buffer;
}

interface PendingRequest {
  resolve: (response: HttpResponse) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A minimal HTTP/1.1 client on one keep-alive TCP connection, one request at a time. It
 * writes each request in a single `write` and parses only what the benchmark targets send:
 * a status line, headers and a Content-Length body. A chunked response is rejected.
 */
export class KeepAliveConnection {
  readonly #socket: net.Socket;
  readonly #hostHeader: string;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: PendingRequest | undefined;
  #closedReason: Error | undefined;

  private constructor(socket: net.Socket, hostHeader: string) {
    this.#socket = socket;
    this.#hostHeader = hostHeader;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  /** Connects to 127.0.0.1:port with Nagle's algorithm off. */
  static open(port: number): Promise<KeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new KeepAliveConnection(socket, `127.0.0.1:${port}`));
      });
    });
  }

  /** Sends a POST with a JSON body and resolves with the whole response. */
  post(path: string, body: Buffer, timeoutMs: number): Promise<HttpResponse> {
    const head =
      `POST ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    return this.#send(Buffer.concat([Buffer.from(head, 'latin1'), body]), timeoutMs);
  }

  /** Sends a GET without a body and resolves with the whole response. */
  get(path: string, timeoutMs: number): Promise<HttpResponse> {
    const head = `GET ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n\r\n`;
    return this.#send(Buffer.from(head, 'latin1'), timeoutMs);
  }

  /** Writes a whole request (request line, headers, any body) at once and reads the response. */
  #send(request: Buffer, timeoutMs: number): Promise<HttpResponse> {
    if (this.#closedReason !== undefined) return Promise.reject(this.#closedReason);
    if (this.#pending !== undefined) {
      return Promise.reject(new Error('a request is already in flight on this connection'));
    }

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new Error(`no response within ${timeoutMs} ms`));
        this.#socket.destroy();
      }, timeoutMs);
      this.#pending = { resolve, reject, timer };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#closedReason ??= new Error('the connection was closed by the client');
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const pending = this.#pending;
    if (pending === undefined) return;

    let response: HttpResponse | undefined;
    try {
      response = this.#parseResponse();
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      this.#socket.destroy();
      return;
    }
    if (response === undefined) return;

    clearTimeout(pending.timer);
    this.#pending = undefined;
    pending.resolve(response);
  }

  /** Takes one complete response off the buffer, or returns undefined while it is partial. */
  #parseResponse(): HttpResponse | undefined {
    const headerEnd = this.#buffer.indexOf(HEADER_END);
    if (headerEnd === -1) return undefined;

    const lines = this.#buffer.subarray(0, headerEnd).toString('latin1').split('\r\n');
    const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (statusMatch === null) throw new Error(`invalid HTTP status line '${lines[0] ?? ''}'`);

    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    if (headers.has('transfer-encoding')) {
      throw new Error('the response is chunked; this client reads Content-Length bodies only');
    }

    const length = Number(headers.get('content-length') ?? '0');
    const bodyStart = headerEnd + HEADER_END.length;
    if (this.#buffer.length < bodyStart + length) return undefined;

    const body = this.#buffer.subarray(bodyStart, bodyStart + length);
    this.#buffer = this.#buffer.subarray(bodyStart + length);
    return { status: Number(statusMatch[1]), headers, body };
  }

  #fail(error: Error): void {
    this.#closedReason ??= error;
    const pending = this.#pending;
    if (pending === undefined) return;

    clearTimeout(pending.timer);
    this.#pending = undefined;
    pending.reject(error);
  }
}

/**
 * Returns undefined when the response is a successful no-op result (200, no
 * X-Amz-Function-Error, a JSON object with `ok: true`), else a description of what is wrong.
 */
export function checkNoopResponse(response: HttpResponse): string | undefined {
  if (response.status !== 200) {
    return `status ${response.status}: ${response.body.toString('utf8').slice(0, 200)}`;
  }
  const functionError = response.headers.get('x-amz-function-error');
  if (functionError !== undefined) {
    return `function error ${functionError}: ${response.body.toString('utf8').slice(0, 200)}`;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body.toString('utf8'));
  } catch {
    return `body is not JSON: ${response.body.toString('utf8').slice(0, 200)}`;
  }
  const ok = typeof parsed === 'object' && parsed !== null && 'ok' in parsed && parsed.ok === true;
  return ok ? undefined : `unexpected body ${JSON.stringify(parsed).slice(0, 200)}`;
}

/**
 * Returns undefined when the response is the gateway's hello response (200 with the JSON
 * body `{"message": "hello world"}`), else a description of what is wrong.
 */
export function checkHelloResponse(response: HttpResponse): string | undefined {
  const text = response.body.toString('utf8');
  if (response.status !== 200) return `status ${response.status}: ${text.slice(0, 200)}`;

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 200)}`;
  }
  const hello =
    typeof parsed === 'object' &&
    parsed !== null &&
    'message' in parsed &&
    parsed.message === 'hello world';
  return hello ? undefined : `unexpected body ${JSON.stringify(parsed).slice(0, 200)}`;
}

/** A request of the sequential phase, with the check of its response. */
export interface BenchRequest {
  method: 'POST' | 'GET';
  path: string;
  /** Returns undefined for a valid response, else a description of what is wrong. */
  check: (response: HttpResponse) => string | undefined;
}
