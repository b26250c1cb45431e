import type http from 'node:http';

import { s3Error } from './errors.js';

/** Lambda's REST paths all start with an API version date, as in `/2015-03-31/functions`. */
const LAMBDA_PATH = /^\/\d{4}-\d{2}-\d{2}\//;
/** Paths the AWS endpoint serves itself besides the Lambda API. */
const PLATFORM_PATHS = new Set(['/metrics']);
/** The platform's own operations; no bucket name can start with `_`. */
const PLATFORM_PREFIX = '/_lambdacraft/';

/**
 * Decides whether a request to the AWS endpoint is for S3. The rule, in order:
 * 1. A SigV4 credential scope (the `Authorization` header, or `X-Amz-Credential` of a
 *    presigned URL) names the service: `.../s3/aws4_request` is S3, any other service is not.
 * 2. A SigV2 `Authorization: AWS key:signature` header is S3, the only service still using it.
 * 3. A virtual-host-style Host (`<bucket>.localhost`, `<bucket>.s3.localhost`) is S3.
 * 4. A request with `X-Amz-Target` is not S3: that header names an operation of the JSON
 *    protocols (DynamoDB and others), which S3 never uses.
 * 5. An unsigned request is S3 unless its path is one of Lambda's (`/2015-03-31/...`) or the
 *    platform's own (`/metrics`, `/_lambdacraft/...`).
 */
export function isS3Request(
  req: http.IncomingMessage,
  pathname: string,
  query: URLSearchParams,
): boolean {
  const service = credentialService(req.headers.authorization, query.get('X-Amz-Credential'));
  if (service !== undefined) return service === 's3';
  if (req.headers.authorization?.startsWith('AWS ') === true) return true;
  if (virtualHostBucket(req.headers.host) !== undefined) return true;
  if (req.headers['x-amz-target'] !== undefined) return false;
  return (
    !LAMBDA_PATH.test(pathname) &&
    !PLATFORM_PATHS.has(pathname) &&
    !pathname.startsWith(PLATFORM_PREFIX)
  );
}

function credentialService(
  authorization: string | undefined,
  queryCredential: string | null,
): string | undefined {
  const credential =
    queryCredential ?? /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ?? undefined;
  if (credential === undefined) return undefined;
  const scope = credential.split('/');
  return scope.length >= 5 ? scope[scope.length - 2] : undefined;
}

/**
 * Finds the bucket named by a virtual-host-style Host header: `photos.localhost:4566` and
 * `photos.s3.localhost` name `photos`; `localhost`, `s3.localhost` and IP addresses name none.
 */
export function virtualHostBucket(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  if (!hostname.endsWith('.localhost')) return undefined;

  let labels = hostname.slice(0, -'.localhost'.length);
  if (labels === 's3') return undefined;
  if (labels.endsWith('.s3')) labels = labels.slice(0, -'.s3'.length);
  return labels === '' ? undefined : labels;
}

/** The bucket and key a request addresses; both absent for service-level requests. */
export interface S3Target {
  bucket: string | undefined;
  /** The decoded object key; undefined for bucket-level requests. */
  key: string | undefined;
}

/** Maximum key length in UTF-8 bytes, as S3 documents it. */
export const MAX_KEY_BYTES = 1024;

/** Finds the bucket and key in a request's Host and still-encoded path. */
export function requestTarget(host: string | undefined, rawPath: string): S3Target {
  const hostBucket = virtualHostBucket(host);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (hostBucket !== undefined) {
    return { bucket: hostBucket, key: path === '' ? undefined : decodeKey(path) };
  }
  if (path === '') return { bucket: undefined, key: undefined };

  const slash = path.indexOf('/');
  if (slash === -1) return { bucket: decodeKey(path), key: undefined };
  const rawKey = path.slice(slash + 1);
  return {
    bucket: decodeKey(path.slice(0, slash)),
    key: rawKey === '' ? undefined : decodeKey(rawKey),
  };
}

function decodeKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw s3Error('InvalidArgument', {}, `The path '${raw}' is not valid percent-encoding.`);
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw s3Error('KeyTooLongError');
  return key;
}
