import { Worker } from 'node:worker_threads';

/** A message to the hash worker; `id` names one body's hashes. */
export type HashRequest =
  | { kind: 'start'; id: number; algorithms: string[] }
  | { kind: 'update'; id: number; data: Uint8Array }
  | { kind: 'digest'; id: number }
  | { kind: 'discard'; id: number };

/** A message from the hash worker. */
export type HashReply =
  { kind: 'hashed'; id: number; bytes: number } | { kind: 'digests'; id: number; hex: string[] };

/** Bytes collected before they go to the worker in one message. */
const MESSAGE_BYTES = 1024 * 1024;
/** Bytes sent and not yet hashed, above which `backpressure` returns a promise to wait for. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

let sharedWorker: Worker | undefined;
let nextSessionId = 1;
const sessions = new Map<number, WorkerHashes>();

/**
 * Hashes one body on a worker thread shared by all bodies, with the algorithms given, in the
 * order of the `update` calls. The bytes are copied, so the caller may reuse its buffers.
 */
export class WorkerHashes {
  readonly #id = nextSessionId++;
  readonly #worker: Worker;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #inFlightBytes = 0;
  #drainWaiters: (() => void)[] = [];
  #result: Promise<string[]> | undefined;
  #resolveResult: ((hex: string[]) => void) | undefined;
  #rejectResult: ((error: Error) => void) | undefined;
  #error: Error | undefined;

  constructor(algorithms: string[]) {
    this.#worker = hashWorker();
    addSession(this.#id, this);
    this.#post({ kind: 'start', id: this.#id, algorithms });
  }

  get worker(): Worker {
    return this.#worker;
  }

  update(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= MESSAGE_BYTES) this.#flush();
  }

  /**
   * Returns a promise to wait for while too many bytes wait for the worker, or undefined
   * when the producer may go on at once.
   */
  backpressure(): Promise<void> | undefined {
    if (this.#inFlightBytes <= MAX_IN_FLIGHT_BYTES || this.#error !== undefined) return undefined;
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Resolves with the hex digests, in the order of the algorithms. */
  digest(): Promise<string[]> {
    if (this.#result !== undefined) return this.#result;
    this.#result = new Promise<string[]>((resolve, reject) => {
      this.#resolveResult = resolve;
      this.#rejectResult = reject;
    });
    if (this.#error !== undefined) {
      this.#end(this.#error);
      return this.#result;
    }
    this.#flush();
    this.#post({ kind: 'digest', id: this.#id });
    return this.#result;
  }

  /** Drops the hashes of a body that will not be stored. */
  discard(): void {
    if (!sessions.has(this.#id)) return;
    this.#post({ kind: 'discard', id: this.#id });
    removeSession(this.#id);
    this.#wakeProducer();
  }

  /** Handles the worker's reply to this body. */
  receive(reply: HashReply): void {
    if (reply.kind === 'hashed') {
      this.#inFlightBytes -= reply.bytes;
      if (this.#inFlightBytes <= MAX_IN_FLIGHT_BYTES / 2) this.#wakeProducer();
      return;
    }
    removeSession(this.#id);
    this.#resolveResult?.(reply.hex);
  }

  /** Fails the body's hashes: the worker stopped. */
  fail(error: Error): void {
    this.#error ??= error;
    removeSession(this.#id);
    this.#wakeProducer();
    this.#end(error);
  }

  #end(error: Error): void {
    this.#rejectResult?.(error);
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return;
    const data = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#inFlightBytes += this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    // A small Buffer may be a slice of Node's shared pool, which must not be transferred.
    const ownsMemory = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    this.#post({ kind: 'update', id: this.#id, data }, ownsMemory ? [data.buffer] : []);
  }

  #post(request: HashRequest, transfer: ArrayBuffer[] = []): void {
    if (this.#error === undefined) this.#worker.postMessage(request, transfer);
  }

  #wakeProducer(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Returns the shared hash worker, started on first use. */
function hashWorker(): Worker {
  if (sharedWorker !== undefined) return sharedWorker;

  const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
  worker.on('message', (reply: HashReply) => sessions.get(reply.id)?.receive(reply));
  worker.on('error', (error) => stopUsing(worker, error));
  worker.on('exit', (code) => {
    stopUsing(worker, new Error(`the hash worker thread exited with code ${code}`));
  });
  // After the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  sharedWorker = worker;
  return worker;
}

/** Keeps the process alive while the worker hashes a body, and only then. */
function addSession(id: number, session: WorkerHashes): void {
  sessions.set(id, session);
  if (sessions.size === 1) sharedWorker?.ref();
}

function removeSession(id: number): void {
  if (sessions.delete(id) && sessions.size === 0) sharedWorker?.unref();
}

/** Fails every body the worker was hashing; the next body starts a new worker. */
function stopUsing(worker: Worker, error: Error): void {
  if (sharedWorker === worker) sharedWorker = undefined;
  for (const session of [...sessions.values()]) {
    if (session.worker === worker) session.fail(error);
  }
}
