import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

import { s3Error } from './errors.js';

/** Access key id to secret access key, for the keys whose signatures are checked. */
export type KnownCredentials = ReadonlyMap<string, string>;

/** The payload hash values that stand for a body that is not hashed as a whole. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** Maximum validity of a presigned URL (7 days) and maximum clock difference S3 allows (15 min). */
const MAX_EXPIRES_SECONDS = 604_800;
const MAX_SKEW_MS = 15 * 60_000;

/** The result of a verified signature: the payload hash and the seeds for chunk signatures. */
export interface SignedRequest {
  accessKeyId: string;
  /** The `x-amz-content-sha256` value: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  payloadHash: string;
  /** Present when the secret is known, so chunk signatures can be checked. */
  chunkSigning: ChunkSigning | undefined;
}

/** The values the signature of each aws-chunked chunk is computed from. */
export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

/** The parts of a SigV4 signature, from the Authorization header or the query. */
interface SignatureParts {
  accessKeyId: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
}

/**
 * Verifies a request's SigV4 signature, in the header or presigned-URL form. Requests signed
 * with an access key that is not in `credentials` are accepted without a check, as local AWS
 * tools accept them, so their result has no chunk signing. Unsigned requests return
 * undefined. Raises SignatureDoesNotMatch, AccessDenied (expired URL) or RequestTimeTooSkewed.
 */
export function verifySignature(
  req: http.IncomingMessage,
  rawPath: string,
  rawQuery: string,
  credentials: KnownCredentials,
  nowMs: number,
): SignedRequest | undefined {
  checkSigV2Expiry(rawQuery, nowMs);
  const parts = signatureParts(req, rawQuery);
  if (parts === undefined) return undefined;

  checkTime(parts, rawQuery, nowMs);
  const secret = credentials.get(parts.accessKeyId);
  if (secret === undefined) {
    return {
      accessKeyId: parts.accessKeyId,
      payloadHash: parts.payloadHash,
      chunkSigning: undefined,
    };
  }

  const canonical = canonicalRequest(req, rawPath, rawQuery, parts);
  const signingKey = deriveSigningKey(secret, parts.scope);
  const stringToSign = ['AWS4-HMAC-SHA256', parts.amzDate, parts.scope, sha256Hex(canonical)].join(
    '\n',
  );
  const expected = hmac(signingKey, stringToSign).toString('hex');
  if (!sameSignature(expected, parts.signature)) {
    throw s3Error('SignatureDoesNotMatch', {
      AWSAccessKeyId: parts.accessKeyId,
      StringToSign: stringToSign,
      CanonicalRequest: canonical,
    });
  }
  return {
    accessKeyId: parts.accessKeyId,
    payloadHash: parts.payloadHash,
    chunkSigning: {
      signingKey,
      amzDate: parts.amzDate,
      scope: parts.scope,
      seedSignature: parts.signature,
    },
  };
}

function signatureParts(req: http.IncomingMessage, rawQuery: string): SignatureParts | undefined {
  const query = new URLSearchParams(rawQuery);
  const algorithm = query.get('X-Amz-Algorithm');
  if (algorithm !== null) return presignedParts(query, algorithm);

  const authorization = req.headers.authorization;
  if (authorization === undefined || !authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const field of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const equals = field.indexOf('=');
    if (equals !== -1) fields.set(field.slice(0, equals).trim(), field.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const amzDate = header(req, 'x-amz-date');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw s3Error('AuthorizationHeaderMalformed');
  }
  if (amzDate === undefined) {
    throw s3Error(
      'AccessDenied',
      {},
      'AWS authentication requires a valid Date or x-amz-date header',
    );
  }
  const split = splitCredential(credential);
  if (split === undefined) throw s3Error('AuthorizationHeaderMalformed');
  const [accessKeyId, scope] = split;
  return {
    accessKeyId,
    scope,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    payloadHash: header(req, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD,
    presigned: false,
  };
}

function presignedParts(query: URLSearchParams, algorithm: string): SignatureParts {
  const credential = query.get('X-Amz-Credential');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  const amzDate = query.get('X-Amz-Date');
  if (
    algorithm !== 'AWS4-HMAC-SHA256' ||
    credential === null ||
    signedHeaders === null ||
    signature === null ||
    amzDate === null
  ) {
    throw s3Error(
      'AuthorizationQueryParametersError',
      {},
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const split = splitCredential(credential);
  if (split === undefined) throw s3Error('AuthorizationQueryParametersError');
  const [accessKeyId, scope] = split;
  return {
    accessKeyId,
    scope,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    payloadHash: query.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
    presigned: true,
  };
}

/**
 * Splits a SigV4 credential into the access key id and the scope
 * (`date/region/service/aws4_request`); returns undefined for anything else.
 */
export function splitCredential(credential: string): [string, string] | undefined {
  const slash = credential.indexOf('/');
  const scope = credential.slice(slash + 1);
  if (slash <= 0 || scope.split('/').length !== 4) return undefined;
  return [credential.slice(0, slash), scope];
}

/** Raises when a presigned URL has expired or a header-signed request's clock is far off. */
function checkTime(parts: SignatureParts, rawQuery: string, nowMs: number): void {
  const signedAtMs = parseAmzDate(parts.amzDate);
  if (signedAtMs === undefined) {
    throw s3Error(
      'AccessDenied',
      {},
      `X-Amz-Date '${parts.amzDate}' is not in the form YYYYMMDDTHHMMSSZ`,
    );
  }
  if (!parts.presigned) {
    if (Math.abs(nowMs - signedAtMs) > MAX_SKEW_MS) {
      throw s3Error('RequestTimeTooSkewed', {
        RequestTime: parts.amzDate,
        ServerTime: new Date(nowMs).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
    return;
  }

  const expires = new URLSearchParams(rawQuery).get('X-Amz-Expires');
  const expiresSeconds = expires === null ? Number.NaN : Number(expires);
  if (
    !Number.isInteger(expiresSeconds) ||
    expiresSeconds < 1 ||
    expiresSeconds > MAX_EXPIRES_SECONDS
  ) {
    throw s3Error(
      'AuthorizationQueryParametersError',
      {},
      'X-Amz-Expires must be a whole number of seconds from 1 to 604800 (7 days).',
    );
  }
  if (nowMs > signedAtMs + expiresSeconds * 1000) {
    throw s3Error(
      'AccessDenied',
      {
        Expires: new Date(signedAtMs + expiresSeconds * 1000).toISOString(),
        ServerTime: new Date(nowMs).toISOString(),
      },
      'Request has expired',
    );
  }
}

/**
 * Refuses an expired SigV2 presigned URL (`AWSAccessKeyId`, `Signature` and `Expires` in
 * epoch seconds, as boto3 before 1.28 presigns for S3). Its signature is not checked.
 */
function checkSigV2Expiry(rawQuery: string, nowMs: number): void {
  if (!rawQuery.includes('AWSAccessKeyId=')) return;
  const query = new URLSearchParams(rawQuery);
  const expires = query.get('Expires');
  if (query.get('AWSAccessKeyId') === null || expires === null) return;

  const expiresMs = Number(expires) * 1000;
  if (!Number.isFinite(expiresMs) || nowMs > expiresMs) {
    throw s3Error(
      'AccessDenied',
      {
        Expires: Number.isFinite(expiresMs) ? new Date(expiresMs).toISOString() : expires,
        ServerTime: new Date(nowMs).toISOString(),
      },
      'Request has expired',
    );
  }
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hours, minutes, seconds] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hours, minutes, seconds);
}

/**
 * Builds SigV4's canonical request. S3 signs the path as sent, without normalising it or
 * encoding it again; query values are decoded and encoded again the RFC 3986 way.
 */
function canonicalRequest(
  req: http.IncomingMessage,
  rawPath: string,
  rawQuery: string,
  parts: SignatureParts,
): string {
  const headerValues = signedHeaderValues(req, parts.signedHeaders);
  return [
    req.method ?? 'GET',
    rawPath === '' ? '/' : rawPath,
    canonicalQuery(rawQuery, parts.presigned),
    ...parts.signedHeaders.map((name) => `${name}:${(headerValues.get(name) ?? []).join(',')}`),
    '',
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs: [string, string][] = [];
  for (const item of rawQuery.split('&')) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    const name = decodeQueryPart(equals === -1 ? item : item.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryPart(item.slice(equals + 1));
    if (presigned && name === 'X-Amz-Signature') continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA === nameB ? compareStrings(valueA, valueB) : compareStrings(nameA, nameB),
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Percent-encodes everything but RFC 3986's unreserved characters, as SigV4 requires. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Collects the values of the signed headers, by lowercase name and in the order they came,
 * as SigV4 signs them: trimmed, with inner runs of spaces collapsed to one. One pass over
 * the raw headers serves all names.
 */
function signedHeaderValues(
  req: http.IncomingMessage,
  signedHeaders: readonly string[],
): Map<string, string[]> {
  const signedNames = new Set(signedHeaders);
  const values = new Map<string, string[]>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (!signedNames.has(name)) continue;
    const value = (raw[i + 1] ?? '').trim().replace(/\s+/g, ' ');
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else list.push(value);
  }
  return values;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Signing keys by secret and scope. A key depends on nothing else, and a client uses one
 * scope per day, region and service, so a few entries serve all requests. The map is
 * cleared when it reaches MAX_CACHED_SIGNING_KEYS, so invented scopes cannot grow it.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_CACHED_SIGNING_KEYS = 64;

/** Derives SigV4's signing key of `secret` for `scope`, or returns the one derived before. */
export function deriveSigningKey(secret: string, scope: string): Buffer {
  const cacheKey = `${scope}\n${secret}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;

  const [date = '', region = '', service = '', terminator = ''] = scope.split('/');
  let key = hmac(Buffer.from(`AWS4${secret}`), date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, terminator);
  if (signingKeys.size >= MAX_CACHED_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

export function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sameSignature(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
