import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { AccountContext } from '../functions/arn.js';
import type { IamCaller } from './events/index.js';
import { findHeader } from './events/request-parts.js';

/** An access key whose requests the gateway can verify, because it has the secret. */
export interface IamCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The access keys LambdaCraft's tests and examples sign with. */
export const DEFAULT_IAM_CREDENTIALS: readonly IamCredential[] = [
  { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
  { accessKeyId: 'AKIALAMBDACRAFTLOCAL', secretAccessKey: 'lambdacraft-local-secret' },
];

/** The parts of a request that its SigV4 signature covers, as they arrived. */
export interface SignedRequest {
  method: string;
  /** The full request path as sent, still percent-encoded. */
  path: string;
  rawQueryString: string;
  headers: readonly [string, string][];
  body: Buffer;
}

export type IamAuthResult =
  | { outcome: 'authorized'; caller: IamCaller }
  | { outcome: 'missing-signature' }
  | { outcome: 'invalid-signature'; reason: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'lambda';
/** AWS rejects a signature whose time is more than 15 minutes away from its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * Checks the SigV4 signature (header form, service `lambda`) of a request to an AWS_IAM
 * function URL. A request signed with a known access key must carry a valid signature
 * for the platform's region, made within 15 minutes of `nowMs`. A request signed with an
 * unknown access key is accepted without checking, because the platform cannot know its
 * secret. Either way the caller is taken to be the root user of the platform's account.
 */
export function authenticateIamRequest(
  request: SignedRequest,
  credentials: readonly IamCredential[],
  account: AccountContext,
  nowMs: number,
): IamAuthResult {
  const header = findHeader(request.headers, 'authorization');
  if (header === undefined || !header.startsWith(`${ALGORITHM} `)) {
    return { outcome: 'missing-signature' };
  }
  const authorization = parseAuthorization(header);
  if (typeof authorization === 'string')
    return { outcome: 'invalid-signature', reason: authorization };

  const caller = rootCaller(authorization.accessKeyId, account);
  const credential = credentials.find((known) => known.accessKeyId === authorization.accessKeyId);
  if (credential === undefined) return { outcome: 'authorized', caller };

  const problem = verifySignature(request, authorization, credential, account.region, nowMs);
  if (problem !== undefined) return { outcome: 'invalid-signature', reason: problem };
  return { outcome: 'authorized', caller };
}

interface Authorization {
  accessKeyId: string;
  /** `<yyyymmdd>/<region>/<service>/aws4_request`. */
  scope: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, or returns why not. */
function parseAuthorization(header: string): Authorization | string {
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals !== -1) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return 'the Authorization header lacks Credential, SignedHeaders or Signature';
  }

  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] =
    credential.split('/');
  if (accessKeyId === '' || terminator !== 'aws4_request') {
    return `credential "${credential}" is not <access-key>/<date>/<region>/<service>/aws4_request`;
  }
  return {
    accessKeyId,
    scope: [date, region, service, terminator].join('/'),
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

function verifySignature(
  request: SignedRequest,
  authorization: Authorization,
  credential: IamCredential,
  region: string,
  nowMs: number,
): string | undefined {
  if (authorization.service !== SERVICE) {
    return `the signature is for service "${authorization.service}", not "${SERVICE}"`;
  }
  if (authorization.region !== region) {
    return `the signature is for region "${authorization.region}", not "${region}"`;
  }
  const amzDate = findHeader(request.headers, 'x-amz-date');
  if (amzDate === undefined || !amzDate.startsWith(authorization.date)) {
    return 'the X-Amz-Date header is missing or does not match the credential date';
  }
  const signedAtMs = parseAmzDate(amzDate);
  if (signedAtMs === undefined || Math.abs(nowMs - signedAtMs) > MAX_CLOCK_SKEW_MS) {
    return `the request time ${amzDate} is more than 15 minutes from the server time`;
  }

  const payloadHash = sha256Hex(request.body);
  const claimedHash = findHeader(request.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== payloadHash) {
    return 'the X-Amz-Content-SHA256 header does not match the SHA-256 of the body';
  }

  const stringToSign = [
    ALGORITHM,
    amzDate,
    authorization.scope,
    sha256Hex(canonicalRequest(request, authorization.signedHeaders, payloadHash)),
  ].join('\n');
  const key = signingKey(credential.secretAccessKey, authorization);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const provided = Buffer.from(authorization.signature, 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return 'the signature does not match the request';
  }
  return undefined;
}

/**
 * Builds the SigV4 canonical request. The path is percent-encoded a second time, as SigV4
 * does for every service except S3.
 */
function canonicalRequest(
  request: SignedRequest,
  signedHeaders: string[],
  payloadHash: string,
): string {
  return [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.rawQueryString),
    ...signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers, name)}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Removes empty, `.` and `..` segments, then percent-encodes the path once more. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailingSlash = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const normalized = `/${segments.join('/')}${trailingSlash}`;
  return escapeUri(normalized).replaceAll('%2F', '/');
}

/** Sorts the query parameters by name, then value, each percent-encoded per RFC 3986. */
function canonicalQuery(rawQueryString: string): string {
  const pairs: string[] = [];
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;

    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1));
    pairs.push(`${escapeUri(name)}=${escapeUri(value)}`);
  }
  return pairs.sort().join('&');
}

/** Joins every value of a header with commas, each trimmed and with inner spaces collapsed. */
function canonicalHeaderValue(headers: readonly [string, string][], name: string): string {
  return headers
    .filter(([headerName]) => headerName.toLowerCase() === name)
    .map(([, value]) => value.trim().replace(/\s+/g, ' '))
    .join(',');
}

function signingKey(secretAccessKey: string, authorization: Authorization): Buffer {
  let key = createHmac('sha256', `AWS4${secretAccessKey}`).update(authorization.date).digest();
  for (const part of [authorization.region, authorization.service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return key;
}

/** Parses `20260101T120000Z`, the X-Amz-Date format. */
function parseAmzDate(amzDate: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

/** Percent-encodes everything except RFC 3986's unreserved characters. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Describes the caller as the root user of the platform's account, whose user id is the
 * account id.
 * NOTE: AWS names the IAM user or role that owns the access key. The platform has no IAM,
 * so every key is treated as the account's root user.
 */
function rootCaller(accessKeyId: string, account: AccountContext): IamCaller {
  return {
    accessKey: accessKeyId,
    accountId: account.accountId,
    callerId: account.accountId,
    principalOrgId: null,
    userArn: `arn:aws:iam::${account.accountId}:root`,
    userId: account.accountId,
  };
}
