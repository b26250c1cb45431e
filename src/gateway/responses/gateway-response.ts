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

/**
 * Returns the response each front door sends when Lambda throttles the invocation:
 * - REST API: 500 `{"message": "Internal server error"}`. API Gateway maps Lambda's 429 to
 *   its INTEGRATION_FAILURE response, a 500, as AWS's answers on re:Post and the API
 *   Gateway team's forum replies state.
 * - HTTP API: 500 `{"message":"Internal Server Error"}`, its response for any failed
 *   integration.
 * - Function URL: 429 with Lambda's own throttle body. No recording shows what a throttled
 *   function URL returns; the URL is Lambda's own front door, so it passes Lambda's answer on.
 */
export function throttledResponse(kind: GatewayKind, reason: string): GatewayResponse {
  switch (kind) {
    case 'rest':
      return {
        statusCode: 500,
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
        statusCode: 429,
        headers: [
          ['Content-Type', 'application/json'],
          ['x-amzn-ErrorType', 'TooManyRequestsException'],
        ],
        body: Buffer.from(
          JSON.stringify({ Reason: reason, Type: 'User', message: 'Rate Exceeded.' }),
        ),
      };
  }
}

/**
 * Returns the response of an AWS_IAM function URL to a request without a valid SigV4
 * signature: 403 with `x-amzn-ErrorType: AccessDeniedException`. The body is the one that
 * unsigned calls to a function URL receive when its authorization fails, quoted in an
 * awsdocs/aws-lambda-developer-guide bug report (May 2026), in an ant-media bug report and
 * in a brikis98/devops-book pull request (both 2026). Older reports show the shorter
 * `{"Message":"Forbidden"}`.
 * NOTE: these reports concern unsigned requests. No recording shows the body AWS sends for
 * a wrong signature, so the same response is sent for both.
 */
export function functionUrlForbiddenResponse(): GatewayResponse {
  const message =
    'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html';
  return {
    statusCode: 403,
    headers: [
      ['Content-Type', 'application/json'],
      ['x-amzn-ErrorType', 'AccessDeniedException'],
    ],
    body: Buffer.from(JSON.stringify({ Message: message })),
  };
}

/**
 * Returns the response of an HTTP API to a path it cannot decode, such as `/%25done`,
 * which its second decoding pass reads as the malformed escape `%do`. A live capture by
 * hotsock/voker (Jul 2026) shows the 400 status.
 * NOTE: the capture does not record the body, so `{"message":"Bad Request"}` is assumed.
 */
export function invalidPathResponse(): GatewayResponse {
  return jsonResponse(400, '{"message":"Bad Request"}');
}
