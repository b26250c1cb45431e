import { createHash } from 'node:crypto';

/**
 * Request headers left out of every event. REST API and function URL events recorded
 * against AWS have no Connection header, although the python-requests client that made
 * them sends `Connection: keep-alive`. Keep-Alive is the hop-by-hop header it governs.
 */
const HOP_BY_HOP_HEADERS = new Set(['connection', 'keep-alive']);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Options of `groupHeaders`: name case and headers to leave out. */
export interface HeaderGrouping {
  /** Lower-case every name, which also merges names that differ only in case. */
  lowercaseNames: boolean;
  /** Lower-case names of headers to leave out, in addition to the hop-by-hop ones. */
  omit?: ReadonlySet<string>;
}

/**
 * Groups raw header pairs by name, keeping the order in which each name first arrived and
 * the order of its values. Without `lowercaseNames`, `Foo` and `foo` stay separate entries.
 */
export function groupHeaders(
  headers: readonly [string, string][],
  grouping: HeaderGrouping,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [rawName, value] of headers) {
    const lower = rawName.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || grouping.omit?.has(lower) === true) continue;

    const name = grouping.lowercaseNames ? lower : rawName;
    const values = groups.get(name);
    if (values === undefined) groups.set(name, [value]);
    else values.push(value);
  }
  return groups;
}

/** Returns the first value of a header, matching the name case-insensitively. */
export function findHeader(headers: readonly [string, string][], name: string): string | undefined {
  const lowerName = name.toLowerCase();
  for (const [headerName, value] of headers) {
    if (headerName.toLowerCase() === lowerName) return value;
  }
  return undefined;
}

/**
 * Splits a raw query string into decoded names and values, keeping arrival order. A pair
 * without `=` gets the empty value, and empty pairs (`a=1&&b=2`) are skipped.
 */
export function parseQueryString(rawQueryString: string): Map<string, string[]> {
  const parameters = new Map<string, string[]>();
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;

    const equals = pair.indexOf('=');
    const name = decodeQueryComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryComponent(pair.slice(equals + 1));
    const values = parameters.get(name);
    if (values === undefined) parameters.set(name, [value]);
    else values.push(value);
  }
  return parameters;
}

/**
 * Decodes one query string component form-style, as API Gateway does: a REST API recorded
 * against AWS turned `plus=test+alias` into `test alias` and `email=test%2Balias` into
 * `test+alias`. A malformed escape such as `%zz` is kept as received.
 */
export function decodeQueryComponent(component: string): string {
  const spaced = component.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * Collects the cookies of every Cookie header, one entry per `name=value` pair. AWS splits
 * `foo=bar; hello=hello` into `["foo=bar", "hello=hello"]` in recorded function URL events.
 */
export function parseCookies(headers: readonly [string, string][]): string[] {
  const cookies: string[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'cookie') continue;

    for (const cookie of value.split(';')) {
      const trimmed = cookie.trim();
      if (trimmed !== '') cookies.push(trimmed);
    }
  }
  return cookies;
}

/** Formats a time as API Gateway's `requestTime`, for example `04/Mar/2020:19:15:17 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const day = String(date.getUTCDate()).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] ?? 'Jan';
  const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return `${day}/${month}/${date.getUTCFullYear()}:${time} +0000`;
}

/**
 * Returns the first label of a domain name, as `domainPrefix` gives it: `abc` for
 * `abc.execute-api.us-east-1.amazonaws.com`. A host without dots or an IPv4 address is
 * returned whole, without its port.
 */
export function domainPrefixOf(domainName: string): string {
  const host = domainName.replace(/:\d+$/, '');
  if (!host.includes('.') || /^[\d.]+$/.test(host)) return host;
  return host.slice(0, host.indexOf('.'));
}

/** Returns the media type of a Content-Type value, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Tells whether a media type matches one of a REST API's binaryMediaTypes, where either
 * half of a pattern may be `*` (`image/*`, `*\/*`).
 */
export function matchesMediaType(patterns: readonly string[], mediaType: string): boolean {
  const [type = '', subtype = ''] = mediaTypeOf(mediaType).split('/');
  return patterns.some((pattern) => {
    const [patternType = '', patternSubtype = ''] = mediaTypeOf(pattern).split('/');
    const typeMatches = patternType === '*' || patternType === type;
    return typeMatches && (patternSubtype === '*' || patternSubtype === subtype);
  });
}

/**
 * Tells whether HTTP APIs and function URLs pass a body with this Content-Type as text.
 * Recorded function URL events carry `application/json` bodies as text and base64-encode
 * `multipart/form-data`, `application/x-www-form-urlencoded` and an unknown type (`idk`).
 * NOTE: AWS does not document its list. Here text/*, JSON, JavaScript and XML types count
 * as text, including `+json` and `+xml` suffixes, and a missing type counts as binary.
 */
export function isTextMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;

  const mediaType = mediaTypeOf(contentType);
  if (mediaType.startsWith('text/')) return true;
  if (!mediaType.startsWith('application/')) return false;

  const subtype = mediaType.slice('application/'.length);
  return (
    ['json', 'javascript', 'xml'].includes(subtype) ||
    subtype.endsWith('+json') ||
    subtype.endsWith('+xml')
  );
}

/** Returns a lowercase alphanumeric id of `length` characters derived from `name`. */
export function derivedId(name: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (const byte of createHash('sha256').update(name).digest()) {
    id += alphabet[byte % alphabet.length] ?? 'a';
    if (id.length === length) break;
  }
  return id;
}

/**
 * Returns an id shaped like API Gateway's `extendedRequestId` (16 base64 characters ending
 * in `=`, such as `TWegAcC4EowCHnA=`), derived from the request id.
 */
export function extendedRequestIdOf(requestId: string): string {
  return createHash('sha256').update(requestId).digest().subarray(0, 11).toString('base64');
}

/** Builds a plain object from grouped values, reducing each list to one string. */
export function toRecord(
  groups: ReadonlyMap<string, string[]>,
  reduce: (values: string[]) => string,
): Record<string, string> {
  return Object.fromEntries([...groups].map(([name, values]) => [name, reduce(values)]));
}

/** Returns the last value of a list, as API Gateway's single-value maps keep it. */
export function lastValue(values: string[]): string {
  return values[values.length - 1] ?? '';
}
