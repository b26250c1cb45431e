import type http from 'node:http';

import type { AccountContext } from '../functions/arn.js';
import type { Invoker } from '../invoke/invoker.js';
import type { Logger } from '../log.js';

/** What every operation handler may use; front doors never reach past the Invoker. */
export interface ApiContext {
  invoker: Invoker;
  account: AccountContext;
  logger: Logger;
}

export interface ApiRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** The path's captured groups, still percent-encoded. */
  params: string[];
  query: URLSearchParams;
  context: ApiContext;
}

/** One operation of an AWS API: its method, its path pattern and its handler. */
export interface ApiRoute {
  method: string;
  path: RegExp;
  handle: (request: ApiRequest) => Promise<void>;
}
