import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { MAX_SYNC_REQUEST_BYTES } from '../api/lambda/invoke.js';
import { readBody } from '../api/read-body.js';
import { LambdaCraftError } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import type { Invoker } from '../invoke/invoker.js';
import type { Logger } from '../log.js';
import { listenOn, stopServer } from '../net/http-server.js';
import type { ApiDefinition, CorsRule, FunctionUrlDefinition } from '../template/http-events.js';
import {
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildHttpApiV1Event,
  buildRestEvent,
} from './events/index.js';
import type { ApiContext, GatewayRequest, IamCaller, RouteMatch } from './events/index.js';
import { authenticateIamRequest, DEFAULT_IAM_CREDENTIALS, type IamCredential } from './iam-auth.js';
import { decodeHttpApiPath } from './request-path.js';
import {
  functionErrorResponse,
  functionUrlForbiddenResponse,
  invalidPathResponse,
  mapFunctionUrlResponse,
  mapHttpApiResponse,
  mapHttpApiV1Response,
  mapRestResponse,
  throttledResponse,
  timeoutResponse,
  type GatewayKind,
  type GatewayResponse,
} from './responses/index.js';
import type { RouteMatchResult, RouteTable } from './routes.js';

/** API Gateway's limit on a request body. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's quota on the combined size of the request line and the header values. */
export const MAX_GATEWAY_HEADER_BYTES = 10_240;
/** Function URLs are served under this path prefix, followed by the function name. */
export const FUNCTION_URL_PREFIX = '/lambda-url/';

/**
 * How long API Gateway waits for its Lambda integration before it returns a timeout response:
 * 29 seconds on REST APIs and 30 on HTTP APIs. The function goes on running, as it does on
 * AWS. Function URLs have no such limit and wait for the function's own timeout.
 */
export const INTEGRATION_TIMEOUT_MS: IntegrationTimeouts = { rest: 29_000, http: 30_000 };

/** Integration timeouts in milliseconds, per kind of API. */
export interface IntegrationTimeouts {
  rest: number;
  http: number;
}

export interface HttpGatewayOptions {
  routes: RouteTable;
  functionUrls: FunctionUrlDefinition[];
  invoker: Invoker;
  account: AccountContext;
  logger: Logger;
  /** Overrides API Gateway's integration timeouts (`INTEGRATION_TIMEOUT_MS`), for tests. */
  integrationTimeoutMs?: Partial<IntegrationTimeouts>;
  /**
   * Access keys whose SigV4 signatures AWS_IAM function URLs verify. Defaults to
   * `DEFAULT_IAM_CREDENTIALS`. Requests signed with any other key are accepted unchecked.
   */
  iamCredentials?: readonly IamCredential[];
}

type Target =
  | { kind: 'route'; match: RouteMatchResult; path: string }
  | { kind: 'url'; url: FunctionUrlDefinition; path: string };

/**
 * The HTTP gateway: API Gateway REST and HTTP APIs and function URLs on one port. It turns
 * each request into the event of its API's payload format, invokes the function through
 * the invoker, and turns the result into the HTTP response API Gateway would send.
 */
export class HttpGateway {
  readonly #server: http.Server;
  readonly #options: HttpGatewayOptions;
  readonly #integrationTimeoutMs: IntegrationTimeouts;
  #urls: Map<string, FunctionUrlDefinition>;

  constructor(options: HttpGatewayOptions) {
    this.#options = options;
    this.#integrationTimeoutMs = { ...INTEGRATION_TIMEOUT_MS, ...options.integrationTimeoutMs };
    this.#urls = new Map(options.functionUrls.map((url) => [url.functionName, url]));
    // With its defaults, Node.js 20 kept the first 1,023 headers (measured) and dropped the rest,
    // and returned 431 with no body past 16 KiB. The gateway reads every header and checks
    // API Gateway's limit itself.
    this.#server = http.createServer({ noDelay: true, maxHeaderSize: 64 * 1024 }, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#options.logger.error({ err: error, url: req.url }, 'gateway request failed');
        if (!res.headersSent)
          send(res, { statusCode: 500, headers: jsonType(), body: internalError('rest') });
        else res.destroy();
      });
    });
    this.#server.requestTimeout = 0;
    this.#server.maxHeadersCount = 0;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listenOn(this.#server, port, host);
  }

  /** Replaces the routes and function URLs, after the template changed. */
  update(routes: RouteTable, functionUrls: FunctionUrlDefinition[]): void {
    this.#options.routes = routes;
    this.#urls = new Map(functionUrls.map((url) => [url.functionName, url]));
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
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const rawQueryString = queryStart === -1 ? '' : url.slice(queryStart + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const headerBytes = requestHeaderBytes(req);
    if (headerBytes > MAX_GATEWAY_HEADER_BYTES) {
      this.#options.logger.warn(
        { url: rawPath, headerBytes, limitBytes: MAX_GATEWAY_HEADER_BYTES },
        "the request line and header values are over API Gateway's 10,240-byte limit; shorten them",
      );
      req.resume();
      send(res, headersTooLargeResponse());
      return;
    }
    const target = this.#findTarget(method, rawPath);

    const preflight = this.#preflight(req, method, rawPath, target);
    if (preflight !== undefined) {
      req.resume();
      send(res, preflight);
      return;
    }
    if (target === undefined) {
      req.resume();
      send(res, this.#unmatchedResponse(rawPath));
      return;
    }

    const body = await readBody(req, MAX_GATEWAY_BODY_BYTES);
    if (body === undefined) {
      send(res, requestTooLargeResponse());
      return;
    }
    const request: GatewayRequest = {
      method,
      rawPath: target.path,
      rawQueryString,
      headers: pairs(req.rawHeaders),
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
      receivedAtMs: Date.now(),
      requestId: randomUUID(),
    };
    const authorized = this.#authorize(target, request, rawPath);
    if (authorized === undefined) {
      send(res, functionUrlForbiddenResponse());
      return;
    }

    const host = req.headers.host ?? 'localhost';
    const response = await this.#invoke(target, authorized.request, host, authorized.caller);
    const origin = req.headers.origin;
    const cors = target.kind === 'route' ? target.match.api.cors : target.url.cors;
    if (cors !== undefined && origin !== undefined)
      response.headers.push(...corsHeaders(cors, origin, false));
    send(res, response);
  }

  /** The routes the gateway serves now. */
  get routes(): RouteTable {
    return this.#options.routes;
  }

  /** Returns the response to a request that no route or function URL serves. */
  #unmatchedResponse(rawPath: string): GatewayResponse {
    if (this.routes.hasHttpApi && decodeHttpApiPath(rawPath) === undefined) {
      return invalidPathResponse();
    }
    return this.routes.hasRestApi ? missingToken() : notFound();
  }

  /**
   * Checks the SigV4 signature of a request to an AWS_IAM function URL. Returns the request
   * as its event shows it, with the caller, or undefined when the URL rejects the request.
   * Requests to routes and to AuthType NONE URLs pass unchanged, without a caller.
   */
  #authorize(
    target: Target,
    request: GatewayRequest,
    rawPath: string,
  ): { request: GatewayRequest; caller: IamCaller | undefined } | undefined {
    if (target.kind !== 'url' || target.url.authType !== 'AWS_IAM') {
      return { request, caller: undefined };
    }

    const { account, logger } = this.#options;
    const credentials = this.#options.iamCredentials ?? DEFAULT_IAM_CREDENTIALS;
    const signed = { ...request, path: rawPath };
    const result = authenticateIamRequest(signed, credentials, account, Date.now());
    if (result.outcome === 'authorized') {
      return { request: withoutAuthorization(request), caller: result.caller };
    }

    const reason = result.outcome === 'invalid-signature' ? result.reason : 'no SigV4 signature';
    logger.info(
      { functionName: target.url.functionName, requestId: request.requestId, reason },
      'function URL rejected an unauthenticated request',
    );
    return undefined;
  }

  #findTarget(method: string, rawPath: string): Target | undefined {
    if (rawPath.startsWith(FUNCTION_URL_PREFIX)) {
      const rest = rawPath.slice(FUNCTION_URL_PREFIX.length);
      const slash = rest.indexOf('/');
      const name = slash === -1 ? rest : rest.slice(0, slash);
      const url = this.#urls.get(name);
      if (url !== undefined)
        return { kind: 'url', url, path: slash === -1 ? '/' : rest.slice(slash) };
    }
    const match = this.routes.match(method, rawPath);
    return match && { kind: 'route', match, path: rawPath };
  }

  /** Builds the response to a CORS preflight for an API or function URL with CORS settings. */
  #preflight(
    req: http.IncomingMessage,
    method: string,
    rawPath: string,
    target: Target | undefined,
  ): GatewayResponse | undefined {
    const origin = req.headers.origin;
    const requested = req.headers['access-control-request-method'];
    if (method !== 'OPTIONS' || origin === undefined || requested === undefined) return undefined;

    const forMethod =
      target?.kind === 'url' ? target : this.#findTarget(String(requested).toUpperCase(), rawPath);
    const cors = forMethod?.kind === 'url' ? forMethod.url.cors : forMethod?.match.api.cors;
    if (cors === undefined) return undefined;
    return { statusCode: 204, headers: corsHeaders(cors, origin, true), body: Buffer.alloc(0) };
  }

  async #invoke(
    target: Target,
    request: GatewayRequest,
    host: string,
    caller: IamCaller | undefined,
  ): Promise<GatewayResponse> {
    const { account, invoker } = this.#options;
    let event: unknown;
    let functionName: string;
    let kind: GatewayKind;
    if (target.kind === 'url') {
      functionName = target.url.functionName;
      kind = 'url';
      event = buildFunctionUrlEvent(request, {
        urlId: stableId(`url:${functionName}`, 32),
        accountId: account.accountId,
        region: account.region,
        ...(caller === undefined ? { authType: 'NONE' } : { authType: 'AWS_IAM', caller }),
      });
    } else {
      functionName = target.match.definition.functionName;
      kind = target.match.api.kind;
      event = this.#routeEvent(target.match, request, host);
    }

    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > MAX_SYNC_REQUEST_BYTES) {
      this.#options.logger.warn(
        {
          functionName,
          requestId: request.requestId,
          eventBytes: payload.length,
          limitBytes: MAX_SYNC_REQUEST_BYTES,
        },
        "the request's event is over Lambda's synchronous payload limit; the function was not invoked",
      );
      // NOTE: Lambda rejects such an invocation on AWS too. No recorded response shows the
      // status API Gateway then returns, so this uses the 413 of a body over 10 MB.
      return requestTooLargeResponse();
    }

    const invocation = invoker.invoke(functionName, payload, {
      qualifier: undefined,
      tailLog: false,
      clientContext: undefined,
      source: kind === 'url' ? 'function-url' : 'api-gateway',
    });
    let result;
    try {
      result = await withIntegrationTimeout(invocation, this.#integrationTimeoutFor(kind));
    } catch (error) {
      if (error instanceof LambdaCraftError && error.code === 'TooManyRequestsException') {
        return throttledResponse(kind, error.details.Reason ?? '');
      }
      this.#options.logger.warn(
        { err: error, functionName },
        'gateway could not invoke the function',
      );
      return functionErrorResponse(kind);
    }
    if (result === 'integration-timeout') return timeoutResponse(kind);

    const functionError = result.functionError !== undefined;
    if (target.kind === 'url') return mapFunctionUrlResponse(result.payload, functionError);
    const { api, definition } = target.match;
    if (api.kind === 'rest') {
      const accept = request.headers.find(([name]) => name.toLowerCase() === 'accept')?.[1];
      return mapRestResponse(result.payload, functionError, {
        binaryMediaTypes: api.binaryMediaTypes,
        accept,
      });
    }
    return definition.payloadFormatVersion === '1.0'
      ? mapHttpApiV1Response(result.payload, functionError)
      : mapHttpApiResponse(result.payload, functionError);
  }

  #integrationTimeoutFor(kind: GatewayKind): number | undefined {
    return kind === 'url' ? undefined : this.#integrationTimeoutMs[kind];
  }

  #routeEvent(match: RouteMatchResult, request: GatewayRequest, host: string): unknown {
    const { definition, api } = match;
    const context: ApiContext = apiContext(api, this.#options.account, host);
    const route: RouteMatch = {
      resourcePath: definition.path,
      routeKey:
        definition.path === '$default' ? '$default' : `${definition.method} ${definition.path}`,
      pathParameters: match.pathParameters,
      path: match.path,
    };
    if (api.kind === 'rest') return buildRestEvent(request, context, route);
    if (definition.payloadFormatVersion === '1.0')
      return buildHttpApiV1Event(request, context, route);
    return buildHttpApiEvent(request, context, route);
  }
}

function requestTooLargeResponse(): GatewayResponse {
  return {
    statusCode: 413,
    headers: jsonType(),
    body: Buffer.from('{"message":"Request Entity Too Large"}'),
  };
}

/**
 * Counts the request line (method, target, protocol and the two spaces between them) and
 * every header value, following the quota's wording: "request line and header values".
 */
function requestHeaderBytes(req: http.IncomingMessage): number {
  const parts = [req.method ?? '', req.url ?? '', `HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let index = 1; index < raw.length; index += 2) parts.push(raw[index] ?? '');
  let characters = 2;
  for (const part of parts) characters += part.length;
  // A UTF-16 unit takes at most 3 bytes in UTF-8, so short requests skip the exact count.
  if (characters * 3 <= MAX_GATEWAY_HEADER_BYTES) return characters;
  let bytes = 2;
  for (const part of parts) bytes += Buffer.byteLength(part);
  return bytes;
}

function headersTooLargeResponse(): GatewayResponse {
  // NOTE: API Gateway documents the quota but not the status and body it returns when a
  // request exceeds it. This uses HTTP's status for the case.
  return {
    statusCode: 431,
    headers: jsonType(),
    body: Buffer.from('{"message":"Request Header Fields Too Large"}'),
  };
}

async function withIntegrationTimeout<T>(
  invocation: Promise<T>,
  limitMs: number | undefined,
): Promise<T | 'integration-timeout'> {
  if (limitMs === undefined) return invocation;

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'integration-timeout'>((resolve) => {
    timer = setTimeout(() => resolve('integration-timeout'), limitMs);
  });
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function apiContext(api: ApiDefinition, account: AccountContext, host: string): ApiContext {
  return {
    apiId: stableId(`api:${api.logicalId}`, 10),
    stage: api.stage,
    accountId: account.accountId,
    region: account.region,
    domainName: host,
    stageVariables: api.stageVariables,
    binaryMediaTypes: api.binaryMediaTypes,
  };
}

const stableIds = new Map<string, string>();

/** Derives a lowercase alphanumeric id from a name, so it stays the same across restarts. */
export function stableId(name: string, length: number): string {
  const cacheKey = `${length}:${name}`;
  const cached = stableIds.get(cacheKey);
  if (cached !== undefined) return cached;

  const digest = createHash('sha256').update(name).digest();
  let id = '';
  for (const byte of digest) {
    id += 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36];
    if (id.length === length) break;
  }
  // Names come from the template (API and function ids), so the cache stays small.
  stableIds.set(cacheKey, id);
  return id;
}

function corsHeaders(cors: CorsRule, origin: string, preflight: boolean): [string, string][] {
  const allowed = cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);
  if (!allowed) return [];
  const headers: [string, string][] = [
    [
      'Access-Control-Allow-Origin',
      cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
    ],
  ];
  if (cors.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  if (cors.exposeHeaders.length > 0 && !preflight) {
    headers.push(['Access-Control-Expose-Headers', cors.exposeHeaders.join(',')]);
  }
  if (preflight) {
    headers.push(['Access-Control-Allow-Methods', cors.allowMethods.join(',') || '*']);
    headers.push(['Access-Control-Allow-Headers', cors.allowHeaders.join(',') || '*']);
    if (cors.maxAgeSeconds !== undefined)
      headers.push(['Access-Control-Max-Age', String(cors.maxAgeSeconds)]);
  }
  return headers;
}

/**
 * Removes the Authorization header, which AWS_IAM function URLs leave out of the event:
 * events recorded against AWS (aws-lambda-go's `function-url-domain-only-*.json`) keep the
 * X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-SHA256 headers of a signed request
 * but have no Authorization header.
 */
function withoutAuthorization(request: GatewayRequest): GatewayRequest {
  const headers = request.headers.filter(([name]) => name.toLowerCase() !== 'authorization');
  return { ...request, headers };
}

function pairs(rawHeaders: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    result.push([rawHeaders[index] ?? '', rawHeaders[index + 1] ?? '']);
  }
  return result;
}

function send(res: http.ServerResponse, response: GatewayResponse): void {
  const headers: string[] = [];
  for (const [name, value] of response.headers) {
    // The body's real length replaces whatever framing the function's headers claimed.
    const lower = name.toLowerCase();
    if (lower !== 'content-length' && lower !== 'transfer-encoding') headers.push(name, value);
  }
  headers.push('Content-Length', String(response.body.length));
  res.writeHead(response.statusCode, headers);
  res.end(response.body);
}

function jsonType(): [string, string][] {
  return [['Content-Type', 'application/json']];
}

function internalError(kind: 'rest' | 'http' | 'url'): Buffer {
  return Buffer.from(
    kind === 'rest'
      ? '{"message": "Internal server error"}'
      : '{"message":"Internal Server Error"}',
  );
}

/** Returns the response of a REST API for a path or method it has no route for. */
function missingToken(): GatewayResponse {
  return {
    statusCode: 403,
    headers: [...jsonType(), ['x-amzn-ErrorType', 'MissingAuthenticationTokenException']],
    body: Buffer.from('{"message":"Missing Authentication Token"}'),
  };
}

/** Returns the response of an HTTP API for a route it does not have. */
function notFound(): GatewayResponse {
  return { statusCode: 404, headers: jsonType(), body: Buffer.from('{"message":"Not Found"}') };
}
