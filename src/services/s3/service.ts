import { mkdtempSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { LOCAL_CREDENTIALS } from '../../environments/variables.js';
import type { Logger } from '../../log.js';
import type { ObjectTable } from '../../state/objects.js';
import { CommitBatch } from './commit-batch.js';
import type { S3Context, S3Request } from './context.js';
import { isS3Error } from './errors.js';
import type { S3EventListener, S3ObjectEvent } from './events.js';
import type { BucketNotifications } from './notifications/bucket-notifications.js';
import { logIgnoredHeaders } from './object-headers.js';
import { ObjectFiles } from './object-files.js';
import { isS3Request, requestTarget } from './request-target.js';
import { newHostId, newRequestId, sendS3Error } from './responses.js';
import { route } from './router.js';
import { verifySignature, type KnownCredentials } from './sigv4.js';

/** The access key pairs whose signatures are checked unless the options name others. */
export const DEFAULT_KNOWN_CREDENTIALS: KnownCredentials = new Map([
  [LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID, LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY],
  ['AKIDLOCALTEST', 'local-test-secret'],
]);

export interface S3ServiceOptions {
  /** The platform's data folder; object files go to its `objects` folder. */
  dataDir: string;
  objects: ObjectTable;
  /** The region buckets get without a LocationConstraint. */
  region: string;
  logger: Logger;
  /**
   * Access key id to secret of the keys whose SigV4 signatures are verified. Requests signed
   * with any other key are accepted unchecked, as local AWS tools accept them.
   */
  credentials?: KnownCredentials;
  /** Milliseconds since the epoch; tests inject a clock to expire presigned URLs. */
  clock?: () => number;
}

/**
 * The S3 API on the AWS endpoint: buckets, objects, multipart uploads and tags, stored as
 * files under the data folder with their metadata in the state database. Listeners receive
 * an event for every object creation or removal, inside the transaction that commits it.
 */
export class S3Service {
  readonly #context: S3Context;
  readonly #credentials: KnownCredentials;
  readonly #listeners = new Set<S3EventListener>();
  readonly #logger: Logger;
  readonly #clock: () => number;

  constructor(options: S3ServiceOptions) {
    this.#logger = options.logger.child({ service: 's3' });
    this.#credentials = options.credentials ?? DEFAULT_KNOWN_CREDENTIALS;
    this.#clock = options.clock ?? Date.now;
    const root =
      options.dataDir === ':memory:'
        ? mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-objects-'))
        : path.join(options.dataDir, 'objects');
    const files = new ObjectFiles(root, this.#logger);
    this.#context = {
      objects: options.objects,
      commits: new CommitBatch(options.objects),
      files,
      region: options.region,
      credentials: this.#credentials,
      logger: this.#logger,
      emit: (event) => this.#emit(event),
      nowMs: this.#clock,
      loggedIgnoredHeaders: new Set(),
      notifications: undefined,
    };
  }

  /**
   * Removes temporary files and files no row points at, which a crash during a write leaves
   * behind. Only the process that serves the endpoint may call it before it takes requests,
   * because a one-off command on the same data folder would delete the running uploads of
   * the process serving it.
   */
  removeInterruptedWrites(): void {
    const objects = this.#context.objects;
    const removed = this.#context.files.sweep((fileId) => objects.isFileReferenced(fileId));
    if (removed > 0) {
      this.#logger.info({ removed }, 'removed object files left by an interrupted write');
    }
  }

  /**
   * Serves Get and PutBucketNotificationConfiguration from these configurations, and hands
   * them every object event inside the transaction that commits the change.
   */
  useNotifications(notifications: BucketNotifications): void {
    this.#context.notifications = notifications;
  }

  /** Subscribes to object events; returns the function that unsubscribes. */
  addListener(listener: S3EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** True when a request to the AWS endpoint is for S3 (the rule is in isS3Request). */
  handles(req: http.IncomingMessage, pathname: string, query: URLSearchParams): boolean {
    return isS3Request(req, pathname, query);
  }

  /** Serves one S3 request and writes any error it raises as an S3 error document. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const hostId = newHostId();
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
    try {
      const signed = verifySignature(req, rawPath, rawQuery, this.#credentials, this.#clock());
      const target = requestTarget(req.headers.host, rawPath);
      const request: S3Request = {
        req,
        res,
        ...target,
        query: new URLSearchParams(rawQuery),
        requestId,
        hostId,
        signed,
        context: this.#context,
      };
      logIgnoredHeaders(req, this.#logger, this.#context.loggedIgnoredHeaders);
      await route(request);
      this.#logger.debug(
        {
          requestId,
          method: req.method,
          bucket: target.bucket,
          key: target.key,
          status: res.statusCode,
        },
        's3 request',
      );
    } catch (error) {
      this.#fail(req, res, error, { requestId, hostId });
    }
  }

  #fail(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    error: unknown,
    ids: { requestId: string; hostId: string },
  ): void {
    const fields = { requestId: ids.requestId, method: req.method, url: req.url };
    if (isS3Error(error) && error.code === 'NotImplemented') {
      // A 501 names a feature the service lacks: worth a line, but no stack.
      this.#logger.warn({ ...fields, reason: error.message }, 's3 request needs a missing feature');
    } else if (!isS3Error(error) || error.status >= 500) {
      this.#logger.error({ ...fields, err: error }, 's3 request failed');
    } else {
      this.#logger.debug({ ...fields, code: error.code }, 's3 request rejected');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An error raised before the whole body was read leaves the rest unread: drain it, and
    // close the connection after the response rather than wait for a large body to end. A
    // request without a body (most GETs and HEADs) keeps its connection.
    if (!req.complete) {
      const hasBody =
        req.headers['transfer-encoding'] !== undefined ||
        Number(req.headers['content-length'] ?? '0') > 0;
      if (hasBody) res.setHeader('Connection', 'close');
      req.resume();
    }
    sendS3Error(res, req.method, error, ids);
  }

  #emit(event: S3ObjectEvent): void {
    const listeners = [...this.#listeners];
    const notifications = this.#context.notifications;
    if (notifications !== undefined) listeners.unshift((item) => notifications.deliver(item));
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error(
          { err: error, bucket: event.bucket, key: event.key },
          's3 event listener failed',
        );
      }
    }
  }
}
