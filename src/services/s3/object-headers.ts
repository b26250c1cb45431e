import type http from 'node:http';

import type { Logger } from '../../log.js';
import type { StoredObject } from '../../state/objects.js';
import { headerValue } from './context.js';
import { s3Error } from './errors.js';
import { httpDate } from './responses.js';

/** The standard headers S3 stores with an object and returns on GET and HEAD. */
const STORED_HEADERS = [
  'content-type',
  'content-encoding',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
  'x-amz-website-redirect-location',
];

/** The header names as S3 spells them in responses. */
const RESPONSE_NAMES: Record<string, string> = {
  'content-type': 'Content-Type',
  'content-encoding': 'Content-Encoding',
  'content-disposition': 'Content-Disposition',
  'content-language': 'Content-Language',
  'cache-control': 'Cache-Control',
  expires: 'Expires',
  'x-amz-website-redirect-location': 'x-amz-website-redirect-location',
};

/** User metadata may take at most 2 KB, counting names and values, as S3 documents. */
const MAX_METADATA_BYTES = 2048;

/**
 * Collects the headers stored with an object from the headers of its upload request, or the
 * fields of a POST form by lowercase name. `aws-chunked` is a coding of the upload only, so
 * it is removed from Content-Encoding, as S3 removes it. Content-Type defaults to
 * `binary/octet-stream`, S3's default.
 */
export function storedHeaders(sent: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = sent[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first;
  }
  const encoding = headers['content-encoding']
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== 'aws-chunked' && item !== '')
    .join(',');
  if (encoding === undefined || encoding === '') delete headers['content-encoding'];
  else headers['content-encoding'] = encoding;
  headers['content-type'] ??= 'binary/octet-stream';
  return headers;
}

/**
 * Collects the `x-amz-meta-*` headers of a request, or fields of a POST form, by lowercase
 * name without the prefix.
 */
export function userMetadata(sent: http.IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(sent)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    metadata[name.slice('x-amz-meta-'.length)] = text;
    bytes += Buffer.byteLength(name) - 'x-amz-meta-'.length + Buffer.byteLength(text);
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw s3Error(
      'InvalidArgument',
      {},
      `Your metadata headers exceed the maximum allowed metadata size of ${MAX_METADATA_BYTES} bytes.`,
    );
  }
  return metadata;
}

/** Builds the headers GET and HEAD send for an object, except the length and range. */
export function objectResponseHeaders(
  object: StoredObject,
  query: URLSearchParams,
  checksumMode: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: object.eTag,
    'Last-Modified': httpDate(object.lastModifiedMs),
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.headers)) {
    headers[RESPONSE_NAMES[name] ?? name] = value;
  }
  for (const [name, value] of Object.entries(object.metadata)) {
    headers[`x-amz-meta-${name}`] = value;
  }
  const tagCount = Object.keys(object.tags).length;
  if (tagCount > 0) headers['x-amz-tagging-count'] = String(tagCount);
  if (checksumMode) {
    for (const [algorithm, value] of Object.entries(object.checksums)) {
      headers[`x-amz-checksum-${algorithm}`] = value;
    }
    const composite = Object.values(object.checksums).some((value) => value.includes('-'));
    if (Object.keys(object.checksums).length > 0) {
      headers['x-amz-checksum-type'] = composite ? 'COMPOSITE' : 'FULL_OBJECT';
    }
  }
  applyResponseOverrides(headers, query);
  return headers;
}

/** The `response-*` query parameters of GetObject, which replace the stored headers. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

function applyResponseOverrides(headers: Record<string, string>, query: URLSearchParams): void {
  for (const [parameter, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(parameter);
    if (value !== null) headers[name] = value;
  }
}

/** Request headers of features this service does not apply; uploads succeed without them. */
const IGNORED_HEADER_PREFIXES = [
  'x-amz-server-side-encryption',
  'x-amz-acl',
  'x-amz-grant-',
  'x-amz-object-lock-',
  'x-amz-request-payer',
  'x-amz-expected-bucket-owner',
];

/**
 * Logs, once per header name and service, the headers of features that are accepted but
 * not applied: encryption, ACLs, object lock and a storage class other than STANDARD.
 */
export function logIgnoredHeaders(
  req: http.IncomingMessage,
  logger: Logger,
  logged: Set<string>,
): void {
  for (const name of Object.keys(req.headers)) {
    const ignored =
      IGNORED_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix)) ||
      (name === 'x-amz-storage-class' && headerValue(req, name) !== 'STANDARD');
    if (!ignored || logged.has(name)) continue;

    logged.add(name);
    logger.warn({ header: name }, 's3 header ignored: the feature is not implemented');
  }
}
