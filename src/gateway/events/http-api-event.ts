import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
} from 'aws-lambda';

import { invalidConfig } from '../../errors.js';
import { decodePathLeniently } from '../request-path.js';
import type { ApiContext, GatewayRequest, RouteMatch } from './request.js';
import {
  domainPrefixOf,
  findHeader,
  formatRequestTime,
  groupHeaders,
  isTextMediaType,
  parseCookies,
  parseQueryString,
  toRecord,
} from './request-parts.js';

/** The function URL that received a request. */
export interface FunctionUrlContext {
  /** The `<url-id>` of `https://<url-id>.lambda-url.<region>.on.aws`. */
  urlId: string;
  /** The account that owns the function. */
  accountId: string;
  region: string;
  /** The URL's AuthType; `NONE` when left out. */
  authType?: 'NONE' | 'AWS_IAM';
  /** The caller whose SigV4 signature the gateway checked; required with `AWS_IAM`. */
  caller?: IamCaller;
}

/** The IAM identity behind a SigV4-signed request. */
export interface IamCaller {
  accessKey: string;
  accountId: string;
  callerId: string;
  principalOrgId: string | null;
  userArn: string;
  userId: string;
}

type IamAuthorizer = APIGatewayEventRequestContextIAMAuthorizer;

/**
 * The request context fields that differ between HTTP APIs and function URLs. `authorizer`
 * is set only for AWS_IAM function URLs: recorded AuthType NONE events have no
 * `authentication` or `authorizer` key at all.
 */
interface ContextV2 {
  /** The event's `rawPath`. */
  rawPath: string;
  /** The event's `requestContext.http.path`. */
  httpPath: string;
  accountId: string;
  apiId: string;
  domainName: string;
  routeKey: string;
  stage: string;
  authorizer?: IamAuthorizer;
}

/** The event fields that differ between HTTP APIs and function URLs. */
interface FlavourV2 {
  /**
   * Whether the Cookie header stays in `headers` next to `cookies`. Recorded function URL
   * events keep it. HTTP APIs remove it, as users of mangum and of aws-lambda-java-libs
   * reported and as the AWS documentation example shows.
   */
  keepCookieHeader: boolean;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
}

/**
 * Builds the event (payload format 2.0) an HTTP API sends: lower-case header names with
 * repeated headers joined by commas, the Cookie header moved to `cookies`, decoded query
 * parameters joined the same way, and any body that is not text base64-encoded. `rawPath`
 * and `requestContext.http.path` are both the decoded `route.path`.
 */
export function buildHttpApiEvent(
  request: GatewayRequest,
  api: ApiContext,
  route: RouteMatch,
): APIGatewayProxyEventV2 {
  const context: ContextV2 = {
    rawPath: route.path,
    httpPath: route.path,
    accountId: api.accountId,
    apiId: api.apiId,
    domainName: api.domainName,
    routeKey: route.routeKey,
    stage: api.stage,
  };
  return buildEventV2(request, context, {
    keepCookieHeader: false,
    pathParameters: route.pathParameters,
    stageVariables: api.stageVariables,
  });
}

/**
 * Builds the event a function URL sends: payload format 2.0 with `$default` as route key
 * and stage, the URL id as API id and domain prefix, and no path parameters or stage
 * variables. `rawPath` keeps the percent-encoding of the request and
 * `requestContext.http.path` is decoded once, as a function URL event captured against AWS
 * by hotsock/voker (Jul 2026) shows (`/capture/space%20value` and `/capture/space value`).
 * With AuthType NONE, `accountId` is `anonymous`, as in every recorded event.
 * With AWS_IAM it is the owner's account, and `authorizer.iam` describes the caller.
 */
export function buildFunctionUrlEvent(
  request: GatewayRequest,
  url: FunctionUrlContext,
): APIGatewayProxyEventV2 {
  const context: ContextV2 = {
    rawPath: request.rawPath,
    httpPath: decodePathLeniently(request.rawPath),
    accountId: 'anonymous',
    apiId: url.urlId,
    domainName: `${url.urlId}.lambda-url.${url.region}.on.aws`,
    routeKey: '$default',
    stage: '$default',
  };
  if (url.authType === 'AWS_IAM') {
    context.accountId = url.accountId;
    context.authorizer = iamAuthorizer(url);
  }
  return buildEventV2(request, context, {
    keepCookieHeader: true,
    pathParameters: null,
    stageVariables: null,
  });
}

function iamAuthorizer(url: FunctionUrlContext): IamAuthorizer {
  if (url.caller === undefined) {
    throw invalidConfig(
      `function URL "${url.urlId}" has AuthType AWS_IAM but no caller. Pass the signer of the request's verified SigV4 signature as caller, or set AuthType to NONE.`,
    );
  }
  const { caller } = url;
  return {
    iam: {
      accessKey: caller.accessKey,
      accountId: caller.accountId,
      callerId: caller.callerId,
      cognitoIdentity: null,
      // AWS's documentation example sends null, although @types/aws-lambda declares a string.
      principalOrgId: caller.principalOrgId as string,
      userArn: caller.userArn,
      userId: caller.userId,
    },
  };
}

function buildEventV2(
  request: GatewayRequest,
  context: ContextV2,
  flavour: FlavourV2,
): APIGatewayProxyEventV2 {
  const headers = groupHeaders(request.headers, {
    lowercaseNames: true,
    omit: flavour.keepCookieHeader ? new Set() : new Set(['cookie']),
  });
  const cookies = parseCookies(request.headers);
  const query = parseQueryString(request.rawQueryString);
  const hasBody = request.body.length > 0;
  const binary = hasBody && !isTextMediaType(findHeader(request.headers, 'content-type'));

  // Absent parts are left out rather than set to null, as in recorded events.
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: context.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers: toRecord(headers, joinValues),
    ...(query.size > 0 && { queryStringParameters: toRecord(query, joinValues) }),
    requestContext: requestContextV2(request, context),
    ...(hasBody && { body: request.body.toString(binary ? 'base64' : 'utf8') }),
    ...(flavour.pathParameters !== null && { pathParameters: flavour.pathParameters }),
    isBase64Encoded: binary,
    ...(flavour.stageVariables !== null && { stageVariables: flavour.stageVariables }),
  };
  return event;
}

function requestContextV2(
  request: GatewayRequest,
  context: ContextV2,
): APIGatewayEventRequestContextV2 & { authorizer?: IamAuthorizer } {
  return {
    accountId: context.accountId,
    apiId: context.apiId,
    ...(context.authorizer !== undefined && { authorizer: context.authorizer }),
    domainName: context.domainName,
    domainPrefix: domainPrefixOf(context.domainName),
    http: {
      method: request.method,
      path: context.httpPath,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: findHeader(request.headers, 'user-agent') ?? '',
    },
    requestId: request.requestId,
    routeKey: context.routeKey,
    stage: context.stage,
    time: formatRequestTime(request.receivedAtMs),
    timeEpoch: request.receivedAtMs,
  };
}

/** Joins repeated values with a bare comma, as payload format 2.0 does (`value1,value2`). */
function joinValues(values: string[]): string {
  return values.join(',');
}
