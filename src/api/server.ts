import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { handleMetrics } from '../metering/metrics-route.js';
import { listenOn, RequestsInFlight, stopServer } from '../net/http-server.js';
import type { DynamoDBService } from '../services/dynamodb/service.js';
import type { S3Service } from '../services/s3/service.js';
import {
  handleScheduleTrigger,
  SCHEDULE_TRIGGER_PATH,
} from '../services/schedules/trigger-route.js';
import { lambdaError, sendLambdaError } from './lambda/errors.js';
import {
  deleteFunctionConcurrency,
  deleteProvisionedConcurrency,
  getAccountSettings,
  getFunctionConcurrency,
  getProvisionedConcurrency,
  putFunctionConcurrency,
  putProvisionedConcurrency,
} from './lambda/concurrency.js';
import {
  deleteEventInvokeConfig,
  getEventInvokeConfig,
  listEventInvokeConfigs,
  putEventInvokeConfig,
  updateEventInvokeConfig,
} from './lambda/event-invoke-config.js';
import {
  createEventSourceMapping,
  deleteEventSourceMapping,
  getEventSourceMapping,
  listEventSourceMappings,
  updateEventSourceMapping,
} from './lambda/event-source-mappings.js';
import { getFunction, getFunctionConfiguration, listFunctions } from './lambda/functions.js';
import { handleInvoke } from './lambda/invoke.js';
import { handleInvokeAsync } from './lambda/invoke-async.js';
import { unsupportedOperationMessage } from './lambda/unsupported-operations.js';
import type { ApiContext, ApiRoute } from './routes.js';

/** The AWS endpoint's handlers: the Lambda API's context and, when enabled, S3 and DynamoDB. */
export type AwsEndpointOptions = ApiContext & {
  s3?: S3Service | undefined;
  dynamodb?: DynamoDBService | undefined;
};

/** Every operation the endpoint serves, matched in order. */
const ROUTES: ApiRoute[] = [
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/invocations$/, handle: handleInvoke },
  {
    method: 'POST',
    path: /^\/2014-11-13\/functions\/([^/]+)\/invoke-async\/?$/,
    handle: handleInvokeAsync,
  },
  { method: 'GET', path: /^\/2015-03-31\/functions\/?$/, handle: listFunctions },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/?$/, handle: getFunction },
  {
    method: 'GET',
    path: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/,
    handle: getFunctionConfiguration,
  },
  ...eventInvokeConfigRoutes(),
  ...eventSourceMappingRoutes(),
  {
    method: 'PUT',
    path: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/,
    handle: putFunctionConcurrency,
  },
  {
    method: 'GET',
    path: /^\/2019-09-30\/functions\/([^/]+)\/concurrency$/,
    handle: getFunctionConcurrency,
  },
  {
    method: 'DELETE',
    path: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/,
    handle: deleteFunctionConcurrency,
  },
  {
    method: 'PUT',
    path: /^\/2019-09-30\/functions\/([^/]+)\/provisioned-concurrency$/,
    handle: putProvisionedConcurrency,
  },
  {
    method: 'GET',
    path: /^\/2019-09-30\/functions\/([^/]+)\/provisioned-concurrency$/,
    handle: getProvisionedConcurrency,
  },
  {
    method: 'DELETE',
    path: /^\/2019-09-30\/functions\/([^/]+)\/provisioned-concurrency$/,
    handle: deleteProvisionedConcurrency,
  },
  { method: 'GET', path: /^\/2016-08-19\/account-settings\/?$/, handle: getAccountSettings },
  // Not an AWS operation: Prometheus's text exposition of the invocation metrics.
  { method: 'GET', path: /^\/metrics$/, handle: handleMetrics },
  // Not an AWS operation: `lambdacraft schedules trigger` fires a schedule now.
  { method: 'POST', path: SCHEDULE_TRIGGER_PATH, handle: handleScheduleTrigger },
];

/** The AWS endpoint: one HTTP server for every AWS API the platform speaks. */
export class AwsEndpoint {
  readonly #server: http.Server;
  readonly #options: AwsEndpointOptions;
  readonly #inFlight = new RequestsInFlight();

  constructor(options: AwsEndpointOptions) {
    this.#options = options;
    this.#server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
      this.#inFlight.track(res);
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

  /** The number of requests to the endpoint in flight (an upload, an invocation). */
  get requestsInFlight(): number {
    return this.#inFlight.count;
  }

  /** Resolves once no request to the endpoint is in flight. */
  idle(): Promise<void> {
    return this.#inFlight.idle();
  }

  close(): Promise<void> {
    return stopServer(this.#server);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));

    // DynamoDB's JSON protocol names the operation in X-Amz-Target, which S3 never sends;
    // it goes first because an unsigned DynamoDB request would otherwise look like S3's.
    const dynamodb = this.#options.dynamodb;
    if (dynamodb?.handles(req) === true) {
      await dynamodb.handle(req, res);
      return;
    }

    // S3 requests share this endpoint; S3Service.handles states the rule that separates them.
    const s3 = this.#options.s3;
    if (s3?.handles(req, pathname, query) === true) {
      await s3.handle(req, res);
      return;
    }

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
      unsupportedOperationMessage(req.method ?? '', pathname, query) ??
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

/** Builds the routes of the EventInvokeConfig operations, under `/2019-09-25/functions/`. */
function eventInvokeConfigRoutes(): ApiRoute[] {
  const path = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config$/;
  return [
    { method: 'PUT', path, handle: putEventInvokeConfig },
    { method: 'POST', path, handle: updateEventInvokeConfig },
    { method: 'GET', path, handle: getEventInvokeConfig },
    { method: 'DELETE', path, handle: deleteEventInvokeConfig },
    {
      method: 'GET',
      path: /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/list$/,
      handle: listEventInvokeConfigs,
    },
  ];
}

/** Builds the routes of the event source mapping operations, under `/2015-03-31/`. */
function eventSourceMappingRoutes(): ApiRoute[] {
  const collection = /^\/2015-03-31\/event-source-mappings\/?$/;
  const item = /^\/2015-03-31\/event-source-mappings\/([^/]+)$/;
  return [
    { method: 'POST', path: collection, handle: createEventSourceMapping },
    { method: 'GET', path: collection, handle: listEventSourceMappings },
    { method: 'GET', path: item, handle: getEventSourceMapping },
    { method: 'PUT', path: item, handle: updateEventSourceMapping },
    { method: 'DELETE', path: item, handle: deleteEventSourceMapping },
  ];
}
