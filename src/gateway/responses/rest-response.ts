import type { APIGatewayProxyResult } from 'aws-lambda';

import { matchesMediaType, mediaTypeOf } from '../events/request-parts.js';
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
  readMultiValueHeaders,
  readStatusCode,
  withDefaultContentType,
  type JsonObject,
} from './response-fields.js';

/** How a REST API decides whether to turn a base64 response body back into bytes. */
export interface RestBinarySettings {
  /** The API's binaryMediaTypes, for example `['image/png']` or `['*\/*']`. */
  binaryMediaTypes: readonly string[];
  /** The request's Accept header, if it had one. */
  accept: string | undefined;
}

/** The keys a payload 1.0 response may have; any other key makes it malformed. */
const RESPONSE_KEYS: ReadonlySet<string> = new Set<keyof APIGatewayProxyResult>([
  'statusCode',
  'headers',
  'multiValueHeaders',
  'body',
  'isBase64Encoded',
]);

/**
 * Maps a function's result to the response a REST API sends: `{statusCode, headers,
 * multiValueHeaders, body, isBase64Encoded}`, with 502 for a function error or a
 * malformed result. A base64 body is decoded when the request's first Accept type matches
 * one of `binary.binaryMediaTypes`. Without `binary` it is always decoded, as with
 * binaryMediaTypes `*\/*`.
 */
export function mapRestResponse(
  payload: Buffer,
  functionError: boolean,
  binary?: RestBinarySettings,
): GatewayResponse {
  return mapResponseV1(payload, functionError, 'rest', binary);
}

/**
 * Maps a function's result to the response an HTTP API sends for PayloadFormatVersion 1.0.
 * It differs from a REST API in its error response (500 `{"message":"Internal Server
 * Error"}`) and in always decoding a base64 body, because HTTP APIs have no
 * binaryMediaTypes.
 * The other validation rules are assumed to be those recorded for REST APIs.
 */
export function mapHttpApiV1Response(payload: Buffer, functionError: boolean): GatewayResponse {
  return mapResponseV1(payload, functionError, 'http', undefined);
}

function mapResponseV1(
  payload: Buffer,
  functionError: boolean,
  kind: GatewayKind,
  binary: RestBinarySettings | undefined,
): GatewayResponse {
  if (functionError) return functionErrorResponse(kind);

  const parsed = parseJson(payload);
  const result = parsed !== undefined && isJsonObject(parsed.value) ? parsed.value : undefined;
  const response = result && readResponseV1(result, binary);
  return response ?? functionErrorResponse(kind);
}

/**
 * Reads a payload 1.0 response object, or returns `undefined` when a REST API would call
 * it malformed. LocalStack recorded these rules against AWS in Nov 2024
 * (test_aws_proxy_response_payload_format_validation). An empty object and any unknown key
 * are malformed, a response with only `headers` gets status 200, and `statusCode` may be
 * a numeric string.
 */
function readResponseV1(
  result: JsonObject,
  binary: RestBinarySettings | undefined,
): GatewayResponse | undefined {
  const keys = Object.keys(result);
  if (keys.length === 0 || keys.some((key) => !RESPONSE_KEYS.has(key))) {
    return undefined;
  }

  const statusCode = readStatusCode(result.statusCode);
  const headers = readHeaders(result.headers);
  const multiValueHeaders = readMultiValueHeaders(result.multiValueHeaders);
  const body = readBody(result.body);
  const isBase64Encoded = readIsBase64Encoded(result.isBase64Encoded);
  if (
    statusCode === undefined ||
    headers === undefined ||
    multiValueHeaders === undefined ||
    body === undefined ||
    isBase64Encoded === undefined
  ) {
    return undefined;
  }

  const decode = isBase64Encoded && (binary === undefined || acceptsBinary(binary));
  return {
    statusCode,
    headers: withDefaultContentType(mergeHeaders(multiValueHeaders, headers)),
    body: Buffer.from(body, decode ? 'base64' : 'utf8'),
  };
}

/**
 * Merges `multiValueHeaders` and `headers`. In the AWS guide, values from
 * multiValueHeaders win when both maps set the same key-value pair. A REST API recorded
 * against AWS sent both values when they differed (`test-multi: value-multi` and
 * `test-multi: value-solo`), with names matched case-insensitively and the multi-value
 * pairs first.
 */
function mergeHeaders(
  multiValueHeaders: [string, string][],
  headers: [string, string][],
): [string, string][] {
  const merged = [...multiValueHeaders];
  const seen = new Set(multiValueHeaders.map(([name, value]) => pairKey(name, value)));
  for (const [name, value] of headers) {
    if (!seen.has(pairKey(name, value))) merged.push([name, value]);
  }
  return merged;
}

function pairKey(name: string, value: string): string {
  return `${name.toLowerCase()}\n${value}`;
}

/**
 * Tells whether a REST API returns a base64 body as bytes. API Gateway decides by the first
 * media type of the client's Accept header, so a browser needs binaryMediaTypes `*\/*` (AWS
 * guide "Binary media types for REST APIs"). Without a match the client receives the base64
 * text, as from a REST API without binaryMediaTypes recorded against AWS.
 */
function acceptsBinary(binary: RestBinarySettings): boolean {
  if (binary.accept === undefined) return false;

  const firstType = mediaTypeOf(binary.accept.split(',')[0] ?? '');
  return matchesMediaType(binary.binaryMediaTypes, firstType);
}
