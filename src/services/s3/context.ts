import type http from 'node:http';

import type { Logger } from '../../log.js';
import type { ObjectTable } from '../../state/objects.js';
import type { CommitBatch } from './commit-batch.js';
import type { S3ObjectEvent } from './events.js';
import type { BucketNotifications } from './notifications/bucket-notifications.js';
import type { ObjectFiles } from './object-files.js';
import type { KnownCredentials, SignedRequest } from './sigv4.js';

/** The services and settings every S3 operation may use. */
export interface S3Context {
  objects: ObjectTable;
  /** Group commit of object rows; see CommitBatch. */
  commits: CommitBatch;
  files: ObjectFiles;
  region: string;
  /** The access keys whose signatures are checked, with their secrets. */
  credentials: KnownCredentials;
  logger: Logger;
  /** Hands an event to the listeners inside the transaction that commits its change. */
  emit(event: S3ObjectEvent): void;
  nowMs(): number;
  /** Names of ignored request headers already logged, so each is logged once. */
  loggedIgnoredHeaders: Set<string>;
  /** The buckets' notification configurations; unset until the platform wires them. */
  notifications: BucketNotifications | undefined;
}

/** One S3 request after routing and signature verification. */
export interface S3Request {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  bucket: string | undefined;
  key: string | undefined;
  query: URLSearchParams;
  requestId: string;
  hostId: string;
  /** Undefined for unsigned requests. */
  signed: SignedRequest | undefined;
  context: S3Context;
}

/** A request that names a bucket. */
export interface BucketRequest extends S3Request {
  bucket: string;
}

/** A request that names a bucket and a key. */
export interface ObjectRequest extends BucketRequest {
  key: string;
}

/** Returns a request header's first value, or undefined. */
export function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
