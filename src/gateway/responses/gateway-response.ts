/** The HTTP response the gateway sends back to the client. */
export interface GatewayResponse {
  statusCode: number;
  /** Header pairs in sending order. A name may repeat, as `set-cookie` does. */
  headers: [string, string][];
  body: Buffer;
}

/** The kind of front door that received a request: REST API, HTTP API or function URL. */
export type GatewayKind = 'rest' | 'http' | 'url';

/**
 * Returns the response each front door sends when the function fails or returns a result
 * that cannot be mapped:
 * - REST API: 502 `{"message": "Internal server error"}` with
 *   `x-amzn-ErrorType: InternalServerErrorException`. The body is quoted in an aws-lambda-go
 *   bug report, and the headers and 36-byte length come from a 502 captured in an
 *   aws-amplify/amplify-js bug report (Oct 2020).
 * - HTTP API: 500 `{"message":"Internal Server Error"}`. The AWS troubleshooting guide for
 *   HTTP API Lambda integrations quotes the body, and an aws-lambda-cpp bug report shows
 *   the 500 for a failing function.
 * - Function URL: 502 with the plain text `Internal Server Error`, asserted against AWS by
 *   LocalStack's TestLambdaURL::test_lambda_url_invocation_exception.
 */
export function functionErrorResponse(kind: GatewayKind): GatewayResponse {
  switch (kind) {
    case 'rest':
      return {
        statusCode: 502,
        headers: [
          ['Content-Type', 'application/json'],
          ['x-amzn-ErrorType', 'InternalServerErrorException'],
        ],
        body: Buffer.from('{"message": "Internal server error"}'),
      };
    case 'http':
      return jsonResponse(500, '{"message":"Internal Server Error"}');
    case 'url':
      return {
        statusCode: 502,
        // No recording shows the Content-Type of this response, so text/plain is a guess.
        headers: [['Content-Type', 'text/plain; charset=utf-8']],
        body: Buffer.from('Internal Server Error'),
      };
  }
}

/**
 * Returns the response each front door sends when its integration timeout (29 seconds on
 * REST APIs, 30 seconds on HTTP APIs) passes before the function returns:
 * - REST API: 504 `{"message": "Endpoint request timed out"}`, the INTEGRATION_TIMEOUT
 *   message in API Gateway access logs shown in a DataBiosphere/azul bug report.
 * - HTTP API: 503 `{"message":"Service Unavailable"}`, as reported by SST users.
 * - Function URL: the response of `functionErrorResponse('url')`, because a function URL
 *   has no timeout of its own and Lambda reports the function's timeout as a function error.
 * A function that reaches its own timeout before the integration timeout fails with a
 * function error instead, and a REST API then sends 502 (shown in an apex/up bug report).
 */
export function timeoutResponse(kind: GatewayKind): GatewayResponse {
  switch (kind) {
    case 'rest':
      return jsonResponse(504, '{"message": "Endpoint request timed out"}');
    case 'http':
      return jsonResponse(503, '{"message":"Service Unavailable"}');
    case 'url':
      return functionErrorResponse('url');
  }
}

function jsonResponse(statusCode: number, body: string): GatewayResponse {
  return {
    statusCode,
    headers: [['Content-Type', 'application/json']],
    body: Buffer.from(body),
  };
}
