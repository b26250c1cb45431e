import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

import {
  functionErrorResponse,
  type GatewayKind,
  type GatewayResponse,
} from './gateway-response.js';
import {
  isJsonObject,
  parseJson,
  readBody,
  readHeaders,
  readIsBase64Encoded,
  readStatusCode,
  withDefaultContentType,
  type JsonObject,
} from './response-fields.js';

type ResultV2 = Partial<Record<keyof APIGatewayProxyStructuredResultV2, unknown>>;

/**
 * Maps a function's result to the response an HTTP API sends for payload format 2.0:
 * `{statusCode, headers, cookies, body, isBase64Encoded}`, each cookie as its own
 * `set-cookie` header, or the inferred 200 response for a result without `statusCode`.
 * A function error or a malformed result gets 500 `{"message":"Internal Server Error"}`.
 */
export function mapHttpApiResponse(payload: Buffer, functionError: boolean): GatewayResponse {
  return mapResponseV2(payload, functionError, 'http');
}

/**
 * Maps a function's result to the response a function URL sends. It reads the result as an
 * HTTP API with payload format 2.0 does, but a function error or a malformed result gets
 * 502 with the text `Internal Server Error`.
 */
export function mapFunctionUrlResponse(payload: Buffer, functionError: boolean): GatewayResponse {
  return mapResponseV2(payload, functionError, 'url');
}

function mapResponseV2(
  payload: Buffer,
  functionError: boolean,
  kind: GatewayKind,
): GatewayResponse {
  if (functionError) return functionErrorResponse(kind);

  const parsed = parseJson(payload);
  if (parsed === undefined) return functionErrorResponse(kind);

  const result = parsed.value;
  if (isJsonObject(result) && 'statusCode' in result) {
    return readStructuredResponse(result) ?? functionErrorResponse(kind);
  }
  return inferredResponse(result, payload);
}

/**
 * Builds the response for valid JSON without `statusCode`: 200, `content-type:
 * application/json`, and the result as the body (AWS guides for HTTP APIs and function
 * URLs). Function URLs recorded against AWS by LocalStack (TestLambdaURL, Nov 2025) show
 * the details: a returned string is sent without its JSON quotes (`"hello"` as `hello`),
 * and any other value as compact JSON (`{"hello": "world"}` as 17 bytes, `["hello", 3,
 * true]` as `["hello",3,true]`).
 * NOTE: only function URLs were recorded, and HTTP APIs are assumed to infer the same way.
 */
function inferredResponse(result: unknown, payload: Buffer): GatewayResponse {
  const body = typeof result === 'string' ? result : compactJson(payload.toString('utf8'));
  return {
    statusCode: 200,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(body),
  };
}

/**
 * Reads a result that has `statusCode`, or returns `undefined` when it is malformed.
 * Unknown keys are ignored. A response without a Content-Type header gets
 * `application/json`, as a function URL recorded against AWS sent for
 * `{"statusCode": 200, "body": "body123"}`.
 */
function readStructuredResponse(result: JsonObject): GatewayResponse | undefined {
  const fields: ResultV2 = result;
  const statusCode = readStatusCode(fields.statusCode);
  const headers = readHeaders(fields.headers);
  const cookies = readCookies(fields.cookies);
  const body = readBody(fields.body);
  const isBase64Encoded = readIsBase64Encoded(fields.isBase64Encoded);
  if (
    statusCode === undefined ||
    headers === undefined ||
    cookies === undefined ||
    body === undefined ||
    isBase64Encoded === undefined
  ) {
    return undefined;
  }

  const setCookies = cookies.map((cookie): [string, string] => ['set-cookie', cookie]);
  return {
    statusCode,
    headers: [...withDefaultContentType(headers), ...setCookies],
    body: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
  };
}

/** Reads `cookies`, which must be a list of strings. */
function readCookies(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;

  const cookies = value as unknown[];
  return cookies.every((cookie): cookie is string => typeof cookie === 'string')
    ? cookies
    : undefined;
}

/**
 * Removes the whitespace between the tokens of valid JSON text, keeping strings and numbers
 * exactly as written (re-serializing would round large numbers).
 */
export function compactJson(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|[ \t\n\r]+/g, (_match, quoted?: string) => quoted ?? '');
}
