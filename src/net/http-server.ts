import type http from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Starts a server listening and resolves with its address, or rejects with the listen error. */
export async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Stops a server: idle keep-alive connections close now, busy ones after their response. */
export async function stopServer(server: http.Server): Promise<void> {
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Counts the requests a server is serving, so that a stop can wait for them. */
export class RequestsInFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** The number of requests whose response has not closed yet. */
  get count(): number {
    return this.#count;
  }

  /** Counts `res` until it closes, sent or not. */
  track(res: http.ServerResponse): void {
    this.#count += 1;
    res.once('close', () => {
      this.#count -= 1;
      if (this.#count > 0) return;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
