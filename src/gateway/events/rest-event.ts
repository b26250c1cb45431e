import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from 'aws-lambda';

import type { ApiContext, GatewayRequest, RouteMatch } from './request.js';
import {
  derivedId,
  domainPrefixOf,
  extendedRequestIdOf,
  findHeader,
  formatRequestTime,
  groupHeaders,
  isTextMediaType,
  lastValue,
  matchesMediaType,
  parseQueryString,
  toRecord,
} from './request-parts.js';

/**
 * The identity a REST API without an authorizer sends. An event recorded against AWS in
 * Aug 2024 has exactly these keys, without the `apiKey`, `apiKeyId` and `clientCert` that
 * @types/aws-lambda declares as always present.
 */
type AnonymousIdentity = Omit<APIGatewayEventIdentity, 'apiKey' | 'apiKeyId' | 'clientCert'>;

type RequestContextV1 = Omit<
  APIGatewayProxyEvent['requestContext'],
  'authorizer' | 'identity' | 'resourceId'
> & {
  identity: AnonymousIdentity;
  /** `null` on HTTP APIs, where the AWS documentation example of payload 1.0 has it so. */
  resourceId: string | null;
};

type ProxyEventV1 = Omit<APIGatewayProxyEvent, 'requestContext'> & {
  version?: string;
  requestContext: RequestContextV1;
};

/** The differences between a REST API and an HTTP API in payload format 1.0. */
interface FlavourV1 {
  /** HTTP APIs treat header names case-insensitively and pass them lower-cased. */
  lowercaseHeaderNames: boolean;
  omitHeaders: ReadonlySet<string>;
  isBinaryBody: (request: GatewayRequest, api: ApiContext) => boolean;
  resourceId: (api: ApiContext, route: RouteMatch) => string | null;
  /** The value of `requestContext.path`. */
  contextPath: (api: ApiContext, route: RouteMatch) => string;
}

/**
 * A REST API event recorded against AWS (Aug 2024) has no Content-Length header for a
 * request that had one, while HTTP API and function URL events keep it.
 */
const REST_OMITTED_HEADERS = new Set(['content-length']);

const REST: FlavourV1 = {
  lowercaseHeaderNames: false,
  omitHeaders: REST_OMITTED_HEADERS,
  isBinaryBody: isRestBinaryBody,
  resourceId: (api, route) => derivedId(`${api.apiId} ${route.resourcePath}`, 6),
  // Clients call `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>`, and a
  // REST event captured against AWS by hotsock/voker (Jul 2026) has `path` =
  // `/capture/space%20value` next to `requestContext.path` = `/live/capture/space%20value`.
  contextPath: (api, route) => `/${api.stage}${route.path}`,
};

// NOTE: no recorded payload 1.0 event confirms that HTTP APIs lower-case header names and
// choose base64 by Content-Type here too. Both follow what they do with payload 2.0.
const HTTP_API: FlavourV1 = {
  lowercaseHeaderNames: true,
  omitHeaders: new Set(),
  isBinaryBody: (request) => !isTextMediaType(findHeader(request.headers, 'content-type')),
  resourceId: () => null,
  // The AWS documentation example of payload 1.0 has the same value in `path` and
  // `requestContext.path` on the `$default` stage.
  contextPath: (_api, route) => route.path,
};

/**
 * Builds the Lambda proxy event (payload format 1.0) that a REST API sends for a request:
 * single- and multi-value headers and query parameters, `null` for absent maps, and the
 * body base64-encoded when its Content-Type matches the API's binaryMediaTypes.
 */
export function buildRestEvent(
  request: GatewayRequest,
  api: ApiContext,
  route: RouteMatch,
): APIGatewayProxyEvent {
  // The cast hides identity keys and `authorizer` that AWS omits (see AnonymousIdentity).
  return buildEventV1(request, api, route, REST) as APIGatewayProxyEvent;
}

/**
 * Builds the event an HTTP API sends to an integration with PayloadFormatVersion 1.0: the
 * REST shape plus `"version": "1.0"`, following the AWS documentation example of it.
 */
export function buildHttpApiV1Event(
  request: GatewayRequest,
  api: ApiContext,
  route: RouteMatch,
): APIGatewayProxyEvent & { version: string } {
  const event = buildEventV1(request, api, route, HTTP_API);
  // The cast hides identity keys and `authorizer` that AWS omits (see AnonymousIdentity).
  return { version: '1.0', ...event } as APIGatewayProxyEvent & { version: string };
}

function buildEventV1(
  request: GatewayRequest,
  api: ApiContext,
  route: RouteMatch,
  flavour: FlavourV1,
): ProxyEventV1 {
  const headers = groupHeaders(request.headers, {
    lowercaseNames: flavour.lowercaseHeaderNames,
    omit: flavour.omitHeaders,
  });
  const query = parseQueryString(request.rawQueryString);
  const binary = flavour.isBinaryBody(request, api);

  return {
    resource: route.resourcePath,
    path: route.path,
    httpMethod: request.method,
    headers: toRecord(headers, lastValue),
    multiValueHeaders: Object.fromEntries(headers),
    queryStringParameters: query.size === 0 ? null : toRecord(query, lastValue),
    multiValueQueryStringParameters: query.size === 0 ? null : Object.fromEntries(query),
    pathParameters: route.pathParameters,
    stageVariables: api.stageVariables,
    requestContext: requestContextV1(request, api, route, flavour),
    body: bodyText(request.body, binary),
    isBase64Encoded: request.body.length > 0 && binary,
  };
}

function requestContextV1(
  request: GatewayRequest,
  api: ApiContext,
  route: RouteMatch,
  flavour: FlavourV1,
): RequestContextV1 {
  return {
    accountId: api.accountId,
    apiId: api.apiId,
    domainName: api.domainName,
    domainPrefix: domainPrefixOf(api.domainName),
    extendedRequestId: extendedRequestIdOf(request.requestId),
    httpMethod: request.method,
    identity: anonymousIdentity(request),
    path: flavour.contextPath(api, route),
    protocol: request.protocol,
    requestId: request.requestId,
    requestTime: formatRequestTime(request.receivedAtMs),
    requestTimeEpoch: request.receivedAtMs,
    resourceId: flavour.resourceId(api, route),
    resourcePath: route.resourcePath,
    stage: api.stage,
  };
}

function anonymousIdentity(request: GatewayRequest): AnonymousIdentity {
  return {
    accessKey: null,
    accountId: null,
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: request.sourceIp,
    user: null,
    userAgent: findHeader(request.headers, 'user-agent') ?? null,
    userArn: null,
  };
}

/**
 * Tells whether a REST API passes the request body base64-encoded: when its Content-Type
 * matches one of the API's binaryMediaTypes. A request without Content-Type is matched as
 * `application/json`, the type REST APIs assume when they choose a mapping template. That
 * this default also applies to binary handling is assumed, and with `*\/*` it does not matter.
 */
function isRestBinaryBody(request: GatewayRequest, api: ApiContext): boolean {
  const contentType = findHeader(request.headers, 'content-type') ?? 'application/json';
  return matchesMediaType(api.binaryMediaTypes, contentType);
}

function bodyText(body: Buffer, binary: boolean): string | null {
  if (body.length === 0) return null;
  return body.toString(binary ? 'base64' : 'utf8');
}
