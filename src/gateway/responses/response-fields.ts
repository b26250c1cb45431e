/**
 * Readers for the fields of a function's proxy response. Each returns `undefined` when the
 * field has a type API Gateway rejects, and treats a JSON `null` like a missing field.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a payload as JSON; returns `undefined` for text that is not JSON. */
export function parseJson(payload: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * Reads `statusCode`, an integer from 100 to 599 or such a number written as a string. A
 * REST API recorded against AWS sent status 201 for `"201"`. Defaults to 200.
 * The 100 to 599 range is assumed, because AWS's exact bounds are unrecorded.
 */
export function readStatusCode(value: unknown): number | undefined {
  if (value === undefined || value === null) return 200;

  const code = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return code >= 100 && code <= 599 ? code : undefined;
}

/**
 * Reads a `headers` map. Values may be strings, numbers or booleans, and a REST API
 * recorded against AWS sent `header-bool: true`. Headers whose value is `null` are left out.
 */
export function readHeaders(value: unknown): [string, string][] | undefined {
  if (value === undefined || value === null) return [];
  if (!isJsonObject(value)) return undefined;

  const headers: [string, string][] = [];
  for (const [name, headerValue] of Object.entries(value)) {
    if (headerValue === null) continue;

    const text = scalarText(headerValue);
    if (text === undefined) return undefined;
    headers.push([name, text]);
  }
  return headers;
}

/**
 * Reads a `multiValueHeaders` map, whose values must be lists. A REST API recorded against
 * AWS sent 502 for `{"test-multi-invalid": "value1"}`.
 */
export function readMultiValueHeaders(value: unknown): [string, string][] | undefined {
  if (value === undefined || value === null) return [];
  if (!isJsonObject(value)) return undefined;

  const headers: [string, string][] = [];
  for (const [name, values] of Object.entries(value)) {
    if (values === null) continue;
    if (!Array.isArray(values)) return undefined;

    for (const item of values as unknown[]) {
      if (item === null) continue;

      const text = scalarText(item);
      if (text === undefined) return undefined;
      headers.push([name, text]);
    }
  }
  return headers;
}

/** Reads `body`, which must be a string. Defaults to the empty string. */
export function readBody(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : undefined;
}

/** Reads `isBase64Encoded`, which must be a boolean. Defaults to false. */
export function readIsBase64Encoded(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return false;
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Adds `Content-Type: application/json` unless a header already sets the content type, as
 * REST APIs and function URLs recorded against AWS do for a response without one.
 */
export function withDefaultContentType(headers: [string, string][]): [string, string][] {
  const hasContentType = headers.some(([name]) => name.toLowerCase() === 'content-type');
  return hasContentType ? headers : [...headers, ['Content-Type', 'application/json']];
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
