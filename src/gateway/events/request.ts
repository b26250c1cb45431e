/** One HTTP request as the gateway received it. */
export interface GatewayRequest {
  /** Upper-case method, for example `GET`. */
  method: string;
  /**
   * Path as received, still percent-encoded, for example `/items/a%20b`. The gateway serves
   * APIs without the stage prefix and function URLs under `/lambda-url/<FunctionName>`, so
   * this path has neither.
   */
  rawPath: string;
  /** Query string without the leading `?`, for example `a=1&a=2&b=x`; `''` when none. */
  rawQueryString: string;
  /** Raw header pairs in arrival order, with names as the client sent them. */
  headers: [string, string][];
  /** Request body; an empty Buffer when there is none. */
  body: Buffer;
  sourceIp: string;
  /** For example `HTTP/1.1`. */
  protocol: string;
  receivedAtMs: number;
  /** The gateway's id for this request (a UUID). */
  requestId: string;
}

/** The API (REST API or HTTP API stage) that received the request. */
export interface ApiContext {
  /** Ten lowercase alphanumerics, stable per API. */
  apiId: string;
  /** `Prod` for SAM's implicit REST API, `$default` for HTTP APIs. */
  stage: string;
  accountId: string;
  region: string;
  /** The Host header value the request used. */
  domainName: string;
  stageVariables: Record<string, string> | null;
  /** Media types a REST API treats as binary, for example `['image/png', '*\/*']`. */
  binaryMediaTypes: string[];
}

/** The route or REST resource that matched the request. */
export interface RouteMatch {
  /** REST resource such as `/items/{id}` or `/{proxy+}`, or the HTTP API route path. */
  resourcePath: string;
  /** For example `GET /items/{id}`, `ANY /{proxy+}` or `$default`. */
  routeKey: string;
  /** Decoded path parameter values; `null` when the route has none. */
  pathParameters: Record<string, string> | null;
  /**
   * Request path without the stage prefix, in the form the API passes it on: percent-encoded
   * for REST APIs, decoded for HTTP APIs (see `../request-path.ts`).
   */
  path: string;
}
