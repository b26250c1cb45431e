import { invalidConfig } from '../errors.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';

export type ApiKind = 'rest' | 'http';

export interface CorsRule {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number | undefined;
  allowCredentials: boolean;
}

export interface ApiDefinition {
  logicalId: string;
  kind: ApiKind;
  stage: string;
  binaryMediaTypes: string[];
  cors: CorsRule | undefined;
  /** The stage's variables (`Variables` of a REST API, `StageVariables` of an HTTP API). */
  stageVariables: Record<string, string> | null;
}

export interface RouteDefinition {
  apiLogicalId: string;
  /** Upper-case method, or `ANY`. */
  method: string;
  /** `/items/{id}`, `/{proxy+}`, or `$default` (HTTP APIs only). */
  path: string;
  functionName: string;
  payloadFormatVersion: '1.0' | '2.0';
  /** Where the route comes from, for error messages: `resource 'Fn' event 'GetItem'`. */
  source: string;
}

export interface FunctionUrlDefinition {
  functionName: string;
  authType: string;
  cors: CorsRule | undefined;
}

export interface HttpEvents {
  apis: Map<string, ApiDefinition>;
  routes: RouteDefinition[];
  functionUrls: FunctionUrlDefinition[];
  /** Event sources the platform does not run yet, as `resource 'Fn' event 'Upload' (S3)`. */
  notRun: string[];
  /** Events that are invalid, each with the reason and the fix; the others still run. */
  errors: string[];
}

type Json = Record<string, unknown>;

/** SAM's names for the APIs it creates when events name none. */
export const IMPLICIT_REST_API = 'ServerlessRestApi';
export const IMPLICIT_HTTP_API = 'ServerlessHttpApi';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);

/** Reads the HTTP side of a template: API resources, Api and HttpApi events, function URLs. */
export function readHttpEvents(
  resources: Json,
  functionNames: Map<string, string>,
  globals: Json,
  context: IntrinsicContext,
): HttpEvents {
  const events: HttpEvents = {
    apis: new Map(),
    routes: [],
    functionUrls: [],
    notRun: [],
    errors: [],
  };
  readExplicitApis(resources, globals, context, events);

  for (const [logicalId, resource] of Object.entries(resources)) {
    const { Type: type, Properties: properties } = asObject(resource);
    const functionName = functionNames.get(logicalId);
    if (type !== 'AWS::Serverless::Function' || functionName === undefined) continue;

    const props = asObject(properties);
    for (const [eventName, event] of Object.entries(asObject(props.Events))) {
      const source = `resource '${logicalId}' event '${eventName}'`;
      const eventType = String(asObject(event).Type);
      if (eventType !== 'Api' && eventType !== 'HttpApi') {
        events.notRun.push(`${source} (${eventType})`);
        continue;
      }
      try {
        const eventProps = asObject(
          resolveIntrinsics(asObject(event).Properties, { ...context, location: source }),
        );
        events.routes.push(readRoute(eventType, eventProps, functionName, source, globals, events));
      } catch (error) {
        events.errors.push((error as Error).message);
      }
    }
    const urlConfig = props.FunctionUrlConfig;
    if (urlConfig !== undefined) {
      const url = asObject(
        resolveIntrinsics(urlConfig, {
          ...context,
          location: `resource '${logicalId}' FunctionUrlConfig`,
        }),
      );
      events.functionUrls.push({
        functionName,
        authType: scalar(url.AuthType, 'NONE'),
        cors: url.Cors === undefined ? undefined : httpApiCors(url.Cors),
      });
    }
  }
  return events;
}

function readExplicitApis(
  resources: Json,
  globals: Json,
  context: IntrinsicContext,
  events: HttpEvents,
): void {
  for (const [logicalId, resource] of Object.entries(resources)) {
    const { Type: type, Properties: properties } = asObject(resource);
    if (type !== 'AWS::Serverless::Api' && type !== 'AWS::Serverless::HttpApi') continue;

    const kind: ApiKind = type === 'AWS::Serverless::Api' ? 'rest' : 'http';
    const own = asObject(
      resolveIntrinsics(properties, { ...context, location: `resource '${logicalId}'` }),
    );
    const shared = asObject(kind === 'rest' ? globals.Api : globals.HttpApi);
    const props = { ...shared, ...own };
    events.apis.set(logicalId, {
      logicalId,
      kind,
      stage:
        typeof props.StageName === 'string'
          ? props.StageName
          : kind === 'rest'
            ? 'Prod'
            : '$default',
      binaryMediaTypes: Array.isArray(props.BinaryMediaTypes)
        ? props.BinaryMediaTypes.map(decodeMediaType)
        : [],
      cors: kind === 'rest' ? restApiCors(props.Cors) : httpApiCors(props.CorsConfiguration),
      stageVariables: stringMap(kind === 'rest' ? props.Variables : props.StageVariables),
    });
  }
}

function readRoute(
  eventType: 'Api' | 'HttpApi',
  props: Json,
  functionName: string,
  source: string,
  globals: Json,
  events: HttpEvents,
): RouteDefinition {
  const kind: ApiKind = eventType === 'Api' ? 'rest' : 'http';
  const apiLogicalId = scalar(
    kind === 'rest' ? props.RestApiId : props.ApiId,
    kind === 'rest' ? IMPLICIT_REST_API : IMPLICIT_HTTP_API,
  );
  const api = events.apis.get(apiLogicalId) ?? implicitApi(apiLogicalId, kind, globals, source);
  events.apis.set(apiLogicalId, api);
  if (api.kind !== kind) {
    throw invalidConfig(
      `${source}: ${eventType} event refers to '${apiLogicalId}', which is ${api.kind === 'rest' ? 'an AWS::Serverless::Api' : 'an AWS::Serverless::HttpApi'}; use ${api.kind === 'rest' ? 'an Api event with RestApiId' : 'an HttpApi event with ApiId'}`,
    );
  }

  // An HttpApi event with neither Path nor Method is the API's $default route.
  const path = props.Path === undefined && kind === 'http' ? '$default' : scalar(props.Path, '');
  const method =
    props.Method === undefined && kind === 'http' ? 'ANY' : scalar(props.Method, '').toUpperCase();
  if (path !== '$default' && !path.startsWith('/')) {
    throw invalidConfig(
      `${source}: Path '${path}' must start with '/'; for example Path: /items/{id}`,
    );
  }
  if (!METHODS.has(method)) {
    throw invalidConfig(
      `${source}: Method '${method}' is not an HTTP method; use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY`,
    );
  }
  const format = scalar(props.PayloadFormatVersion, kind === 'rest' ? '1.0' : '2.0');
  if (format !== '1.0' && format !== '2.0') {
    throw invalidConfig(`${source}: PayloadFormatVersion '${format}' is invalid; use 1.0 or 2.0`);
  }
  return {
    apiLogicalId,
    method,
    path,
    functionName,
    payloadFormatVersion: kind === 'rest' ? '1.0' : format,
    source,
  };
}

function implicitApi(
  logicalId: string,
  kind: ApiKind,
  globals: Json,
  source: string,
): ApiDefinition {
  if (logicalId !== IMPLICIT_REST_API && logicalId !== IMPLICIT_HTTP_API) {
    throw invalidConfig(
      `${source}: API '${logicalId}' is not a resource of the template; declare it as ${kind === 'rest' ? 'AWS::Serverless::Api' : 'AWS::Serverless::HttpApi'} or leave ${kind === 'rest' ? 'RestApiId' : 'ApiId'} out`,
    );
  }
  const shared = asObject(kind === 'rest' ? globals.Api : globals.HttpApi);
  return {
    logicalId,
    kind,
    stage: kind === 'rest' ? 'Prod' : '$default',
    binaryMediaTypes: Array.isArray(shared.BinaryMediaTypes)
      ? shared.BinaryMediaTypes.map(decodeMediaType)
      : [],
    cors: kind === 'rest' ? restApiCors(shared.Cors) : httpApiCors(shared.CorsConfiguration),
    stageVariables: stringMap(kind === 'rest' ? shared.Variables : shared.StageVariables),
  };
}

function stringMap(value: unknown): Record<string, string> | null {
  const entries = Object.entries(asObject(value));
  if (entries.length === 0) return null;
  return Object.fromEntries(entries.map(([name, item]) => [name, scalar(item, '')]));
}

/** SAM writes binary media types with `~1` for `/` (a JSON pointer escape). */
function decodeMediaType(value: unknown): string {
  return String(value).replaceAll('~1', '/');
}

/** REST API `Cors`: a quoted origin string, or a map of quoted values (`"'*'"`). */
function restApiCors(value: unknown): CorsRule | undefined {
  if (value === undefined) return undefined;
  const unquote = (text: unknown) => String(text).replace(/^'(.*)'$/, '$1');
  const list = (text: unknown) =>
    unquote(text)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (typeof value === 'string') {
    return {
      allowOrigins: [unquote(value)],
      allowMethods: ['*'],
      allowHeaders: ['*'],
      exposeHeaders: [],
      maxAgeSeconds: undefined,
      allowCredentials: false,
    };
  }
  const cors = asObject(value);
  return {
    allowOrigins: list(cors.AllowOrigin ?? "'*'"),
    allowMethods: cors.AllowMethods === undefined ? ['*'] : list(cors.AllowMethods),
    allowHeaders: cors.AllowHeaders === undefined ? ['*'] : list(cors.AllowHeaders),
    exposeHeaders: [],
    maxAgeSeconds: cors.MaxAge === undefined ? undefined : Number(unquote(cors.MaxAge)),
    allowCredentials: cors.AllowCredentials === true,
  };
}

/** HTTP API `CorsConfiguration` and function URL `Cors`: lists, or `true` for allow-all. */
function httpApiCors(value: unknown): CorsRule | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) {
    return {
      allowOrigins: ['*'],
      allowMethods: ['*'],
      allowHeaders: ['*'],
      exposeHeaders: [],
      maxAgeSeconds: undefined,
      allowCredentials: false,
    };
  }
  const cors = asObject(value);
  const list = (item: unknown) => (Array.isArray(item) ? item.map(String) : []);
  return {
    allowOrigins: list(cors.AllowOrigins),
    allowMethods: list(cors.AllowMethods),
    allowHeaders: list(cors.AllowHeaders),
    exposeHeaders: list(cors.ExposeHeaders),
    maxAgeSeconds: cors.MaxAge === undefined ? undefined : Number(cors.MaxAge),
    allowCredentials: cors.AllowCredentials === true,
  };
}

/** A property that must be a string (numbers and booleans are written as text). */
function scalar(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw invalidConfig(`value ${JSON.stringify(value)} is not a string; write it as text`);
}

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : {};
}
