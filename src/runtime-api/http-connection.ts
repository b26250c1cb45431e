import { STATUS_CODES } from 'node:http';
import type net from 'node:net';

/**
 * The HTTP/1.1 server side of one Runtime API connection, written on `net` rather than
 * `http` for one reason: Node's `http` server writes each response of a pipelined pair in
 * its own system call, and cannot be made to do otherwise. A runtime sends its response
 * POST and its next `GET /invocation/next` together. When another event is waiting, the
 * `202` of the POST and that event leave in one write, so the runtime wakes once instead
 * of twice.
 *
 * It reads what a Runtime API client sends: Content-Length and chunked bodies (trailers
 * are read and dropped), `Expect: 100-continue`, pipelined requests, HTTP/1.0 and
 * `Connection: close`. Responses always carry Content-Length and leave in request order.
 * A client that ends its side of the connection is taken as gone, as Node's `http` server
 * does by default: the socket closes and a held `/invocation/next` is abandoned.
 */

/** One parsed request. `body` is undefined when it was larger than the server allows. */
export interface HttpRequest {
  method: string;
  target: string;
  /** Header values by lower-case name. A repeated header keeps its first value. */
  headers: Map<string, string>;
  body: Buffer | undefined;
}

/** The response to one request, which may be sent long after the request arrived. */
export interface Reply {
  /** Sends the response. Header names and values alternate in `headers`. */
  send(status: number, headers: string[], body: Buffer): void;
  /** Called once if the connection closes before `send`. */
  onAbandon: (() => void) | undefined;
}

export type RequestHandler = (request: HttpRequest, reply: Reply) => void;

/** Bytes allowed for a request line and its headers, as Node's own server allows. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

type BodyFraming =
  | { kind: 'length'; remaining: number }
  /** `remaining`: data bytes of the current chunk still to read, after which its CRLF is due. */
  | { kind: 'chunked'; remaining: number; crlfDue: boolean };

interface RequestInProgress {
  method: string;
  target: string;
  headers: Map<string, string>;
  framing: BodyFraming;
  chunks: Buffer[];
  size: number;
  tooLarge: boolean;
  closeAfter: boolean;
}

/** Error of the parser for a request it cannot read. The connection responds and closes. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

class QueuedReply implements Reply {
  output: Buffer | undefined;
  onAbandon: (() => void) | undefined;

  constructor(
    private readonly connection: HttpConnection,
    readonly closeAfter: boolean,
  ) {}

  send(status: number, headers: string[], body: Buffer): void {
    if (this.output !== undefined) throw new Error('a reply was sent twice');
    this.output = formatResponse(status, headers, body, this.closeAfter);
    this.connection.flush();
  }
}

export class HttpConnection {
  readonly #socket: net.Socket;
  readonly #handler: RequestHandler;
  readonly #maxBodyBytes: number;
  readonly #replies: QueuedReply[] = [];
  #pending: Buffer = Buffer.alloc(0);
  #request: RequestInProgress | undefined;
  /** Set after a request that ends the connection; later bytes are ignored. */
  #ending = false;
  #corked = false;
  #closed = false;

  constructor(socket: net.Socket, handler: RequestHandler, maxBodyBytes: number) {
    this.#socket = socket;
    this.#handler = handler;
    this.#maxBodyBytes = maxBodyBytes;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#abandon());
  }

  /** Writes every reply at the head of the queue that is complete, in request order. */
  flush(): void {
    if (this.#closed) return;
    let reply = this.#replies[0];
    while (reply?.output !== undefined) {
      this.#replies.shift();
      this.#write(reply.output);
      if (reply.closeAfter) {
        this.#finish();
        return;
      }
      reply = this.#replies[0];
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
  }

  /**
   * Writes within one turn of the event loop are gathered into one system call: the
   * socket stays corked until the check phase, after the promise callbacks that follow a
   * runtime's response have handed out the next event.
   */
  #write(data: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      setImmediate(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(data);
  }

  #receive(chunk: Buffer): void {
    if (this.#ending) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    try {
      while (!this.#ending && this.#pending.length > 0) {
        const progressed = this.#request === undefined ? this.#readHead() : this.#readBody();
        if (!progressed) break;
      }
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      this.#reject(error);
    }
  }

  /** Parses a request head when the buffer contains all of it. Returns false when it needs more. */
  #readHead(): boolean {
    // RFC 9112 lets a server skip empty lines that a client sends between requests.
    let start = 0;
    while (this.#pending[start] === 0x0d && this.#pending[start + 1] === 0x0a) start += 2;
    const end = this.#pending.indexOf(HEAD_END, start);
    if (end === -1) {
      if (this.#pending.length - start > MAX_HEAD_BYTES) {
        throw new BadRequest(431, 'request head too large');
      }
      if (start > 0) this.#pending = this.#pending.subarray(start);
      return false;
    }
    if (end - start > MAX_HEAD_BYTES) throw new BadRequest(431, 'request head too large');

    const head = this.#pending.toString('latin1', start, end);
    this.#pending = this.#pending.subarray(end + HEAD_END.length);
    this.#request = parseHead(head);
    if (this.#request.headers.get('expect')?.toLowerCase() === '100-continue') {
      this.#sendContinue();
    }
    if (this.#request.framing.kind === 'length' && this.#request.framing.remaining === 0) {
      this.#dispatch();
    }
    return true;
  }

  /** Consumes body bytes of the current request. Returns false when it needs more. */
  #readBody(): boolean {
    const request = this.#request;
    if (request === undefined) return false;

    if (request.framing.kind === 'length') {
      const count = Math.min(request.framing.remaining, this.#pending.length);
      this.#keep(request, this.#pending.subarray(0, count));
      this.#pending = this.#pending.subarray(count);
      request.framing.remaining -= count;
      if (request.framing.remaining === 0) this.#dispatch();
      return true;
    }
    return this.#readChunked(request, request.framing);
  }

  /**
   * Reads a chunked body as far as the buffer goes. Chunk data is kept as it arrives, so a
   * large chunk is never gathered in one buffer. The last chunk ends with a trailer section.
   */
  #readChunked(
    request: RequestInProgress,
    framing: { kind: 'chunked'; remaining: number; crlfDue: boolean },
  ): boolean {
    if (framing.remaining > 0) {
      const count = Math.min(framing.remaining, this.#pending.length);
      this.#keep(request, this.#pending.subarray(0, count));
      this.#pending = this.#pending.subarray(count);
      framing.remaining -= count;
      framing.crlfDue = framing.remaining === 0;
      return count > 0;
    }
    if (framing.crlfDue) {
      if (this.#pending.length < CRLF.length) return false;
      if (this.#pending[0] !== 0x0d || this.#pending[1] !== 0x0a) {
        throw new BadRequest(400, 'chunk data not followed by CRLF');
      }
      this.#pending = this.#pending.subarray(CRLF.length);
      framing.crlfDue = false;
      return true;
    }

    const lineEnd = this.#pending.indexOf(CRLF);
    if (lineEnd === -1) {
      if (this.#pending.length > MAX_HEAD_BYTES) throw new BadRequest(400, 'chunk line too long');
      return false;
    }
    const sizeText = this.#pending.toString('latin1', 0, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) {
      throw new BadRequest(400, `invalid chunk size ${JSON.stringify(sizeText)}`);
    }
    const size = Number.parseInt(sizeText, 16);
    if (size > 0) {
      this.#pending = this.#pending.subarray(lineEnd + CRLF.length);
      framing.remaining = size;
      return true;
    }

    // The trailer section ends with an empty line, which follows at once when there are none.
    const trailerEnd = this.#pending.indexOf(CRLF, lineEnd + CRLF.length);
    if (trailerEnd === lineEnd + CRLF.length) {
      this.#pending = this.#pending.subarray(trailerEnd + CRLF.length);
      this.#dispatch();
      return true;
    }
    const sectionEnd = this.#pending.indexOf(HEAD_END, lineEnd);
    if (sectionEnd === -1) {
      if (this.#pending.length > MAX_HEAD_BYTES)
        throw new BadRequest(400, 'trailer section too long');
      return false;
    }
    this.#pending = this.#pending.subarray(sectionEnd + HEAD_END.length);
    this.#dispatch();
    return true;
  }

  /** Keeps body bytes up to the limit. Past it, counts them and drops them. */
  #keep(request: RequestInProgress, data: Buffer): void {
    if (data.length === 0) return;
    request.size += data.length;
    if (request.size > this.#maxBodyBytes) {
      request.tooLarge = true;
      request.chunks.length = 0;
    } else {
      request.chunks.push(data);
    }
  }

  #dispatch(): void {
    const request = this.#request;
    if (request === undefined) return;
    this.#request = undefined;
    const reply = new QueuedReply(this, request.closeAfter);
    this.#replies.push(reply);
    if (request.closeAfter) this.#ending = true;
    const [first] = request.chunks;
    const body = request.tooLarge
      ? undefined
      : request.chunks.length === 1 && first !== undefined
        ? first
        : Buffer.concat(request.chunks, request.size);
    this.#handler(
      { method: request.method, target: request.target, headers: request.headers, body },
      reply,
    );
  }

  /** Sends `100 Continue` unless an earlier response is still owed, which must go first. */
  #sendContinue(): void {
    if (this.#replies.length === 0) this.#write(CONTINUE);
  }

  /** Responds to a request that cannot be read, after the responses owed before it, and closes. */
  #reject(error: BadRequest): void {
    this.#request = undefined;
    this.#ending = true;
    this.#pending = Buffer.alloc(0);
    const reply = new QueuedReply(this, true);
    this.#replies.push(reply);
    const body = Buffer.from(
      JSON.stringify({ errorMessage: error.message, errorType: 'InvalidRequest' }),
    );
    reply.send(error.status, ['Content-Type', 'application/json'], body);
  }

  #abandon(): void {
    this.#closed = true;
    for (const reply of this.#replies.splice(0)) {
      if (reply.output === undefined) reply.onAbandon?.();
    }
  }
}

function parseHead(head: string): RequestInProgress {
  const lines = head.split('\r\n');
  const match = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0] ?? '');
  if (match === null) {
    throw new BadRequest(400, `invalid request line ${JSON.stringify(lines[0])}`);
  }
  const [, method = '', target = '', minor] = match;

  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BadRequest(400, `invalid header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const earlier = headers.get(name);
    if (earlier === undefined) {
      headers.set(name, value);
    } else if (name === 'content-length' && earlier !== value) {
      throw new BadRequest(400, 'conflicting Content-Length headers');
    }
  }

  const connection = headers.get('connection')?.toLowerCase() ?? '';
  const closeAfter =
    minor === '0' ? !connection.includes('keep-alive') : connection.includes('close');
  return {
    method,
    target,
    headers,
    framing: bodyFraming(headers),
    chunks: [],
    size: 0,
    tooLarge: false,
    closeAfter,
  };
}

function bodyFraming(headers: Map<string, string>): BodyFraming {
  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',');
    if (codings.at(-1)?.trim() !== 'chunked') {
      throw new BadRequest(400, `unsupported Transfer-Encoding ${transferEncoding}`);
    }
    return { kind: 'chunked', remaining: 0, crlfDue: false };
  }
  const length = headers.get('content-length');
  if (length === undefined) return { kind: 'length', remaining: 0 };
  if (!/^\d{1,15}$/.test(length)) {
    throw new BadRequest(400, `invalid Content-Length ${JSON.stringify(length)}`);
  }
  return { kind: 'length', remaining: Number(length) };
}

function formatResponse(
  status: number,
  headers: string[],
  body: Buffer,
  closeAfter: boolean,
): Buffer {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let index = 0; index + 1 < headers.length; index += 2) {
    head += `${headers[index]}: ${headers[index + 1]}\r\n`;
  }
  head += `Content-Length: ${body.length}\r\n`;
  if (closeAfter) head += 'Connection: close\r\n';
  head += '\r\n';
  const headBytes = Buffer.byteLength(head, 'latin1');
  const output = Buffer.allocUnsafe(headBytes + body.length);
  output.write(head, 0, 'latin1');
  body.copy(output, headBytes);
  return output;
}
