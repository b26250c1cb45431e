import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { listenOn, stopServer } from '../net/http-server.js';
import { lambdaError, sendLambdaError } from './lambda/errors.js';
import { handleInvoke } from './lambda/invoke.js';
import type { ApiContext, ApiRoute } from './routes.js';

export type AwsEndpointOptions = ApiContext;

/** Every operation the endpoint serves, matched in order. */
const ROUTES: ApiRoute[] = [
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/invocations$/, handle: handleInvoke },
];

/** The AWS endpoint: one HTTP server for every AWS API the platform speaks. */
export class AwsEndpoint {
  readonly #server: http.Server;
  readonly #options: AwsEndpointOptions;

  constructor(options: AwsEndpointOptions) {
    this.#options = options;
    this.#server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => this.#fail(res, error));
    });
    // Invocations may run for the 900 s maximum timeout.
    this.#server.requestTimeout = 0;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listenOn(this.#server, port, host);
  }

  closeAllConnections(): void {
    this.#server.closeAllConnections();
  }

  close(): Promise<void> {
    return stopServer(this.#server);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));

    for (const route of ROUTES) {
      const match = route.method === req.method ? route.path.exec(pathname) : null;
      if (match) {
        await route.handle({ req, res, params: match.slice(1), query, context: this.#options });
        return;
      }
    }

    req.resume();
    throw lambdaError(
      'UnknownOperationException',
      404,
      `no operation at ${req.method ?? ''} ${pathname}; this endpoint serves the Lambda API`,
    );
  }

  #fail(res: http.ServerResponse, error: unknown): void {
    if (!(error instanceof Error && 'code' in error)) {
      this.#options.logger.error({ err: error }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendLambdaError(res, error);
  }
}
