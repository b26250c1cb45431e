import type http from 'node:http';

import type { AccountContext } from '../functions/arn.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { EventInvokeConfigs } from '../invoke/async/event-invoke-configs.js';
import type { EventSourceMappings } from '../invoke/event-sources/event-source-mappings.js';
import type { ConcurrencyLimits } from '../invoke/concurrency.js';
import type { Invoker } from '../invoke/invoker.js';
import type { ProvisionedConcurrency } from '../invoke/provisioned.js';
import type { Logger } from '../log.js';
import type { Scheduler } from '../services/schedules/scheduler.js';

/** The platform parts an operation handler may use; every invocation goes through the Invoker. */
export interface ApiContext {
  invoker: Invoker;
  /** The functions, their versions and the ones not accepted, for the read operations. */
  registry: FunctionRegistry;
  limits: ConcurrencyLimits;
  provisioned: ProvisionedConcurrency;
  eventInvokeConfigs: EventInvokeConfigs;
  account: AccountContext;
  logger: Logger;
  /** The event source mappings the Lambda API creates and lists. */
  eventSourceMappings?: EventSourceMappings | undefined;
  /** The platform's schedules, for LambdaCraft's own trigger operation. */
  schedules?: Scheduler | undefined;
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
