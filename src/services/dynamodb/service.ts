import type http from 'node:http';

import { readBody } from '../../api/read-body.js';
import type { Logger } from '../../log.js';
import type { TableStore } from '../../state/tables.js';
import type { DynamoDBContext } from './context.js';
import { DynamoDBError, isDynamoDBError, validationError } from './errors.js';
import { ItemWriter, type TableWriteListener } from './item-writer.js';
import { OPERATIONS } from './operations/index.js';
import { isDynamoDBRequest, sendJson, TARGET_PREFIX } from './protocol.js';
import { TtlSweeper } from './ttl-sweeper.js';

/** DynamoDB's limit on a request body (BatchWriteItem's 16 MB), with room for the JSON. */
const MAX_REQUEST_BYTES = 17 * 1024 * 1024;

export interface DynamoDBServiceOptions {
  store: TableStore;
  region: string;
  accountId: string;
  logger: Logger;
  /** Milliseconds since the epoch; tests inject a clock to expire TTL items. */
  clock?: () => number;
  /** Milliseconds between TTL sweeps (default 5000). */
  ttlSweepIntervalMs?: number;
}

/**
 * DynamoDB's JSON protocol on the AWS endpoint: `POST /` with `X-Amz-Target:
 * DynamoDB_20120810.<Operation>`. Tables and items live in the state database; every item
 * write goes through one ItemWriter, whose listeners run inside the write's transaction.
 */
export class DynamoDBService {
  readonly #context: DynamoDBContext;
  readonly #logger: Logger;
  readonly #ttl: TtlSweeper;

  constructor(options: DynamoDBServiceOptions) {
    this.#logger = options.logger.child({ service: 'dynamodb' });
    this.#context = {
      store: options.store,
      writer: new ItemWriter(options.store),
      region: options.region,
      account: options.accountId,
      logger: this.#logger,
      nowMs: options.clock ?? Date.now,
    };
    this.#ttl = new TtlSweeper(this.#context, options.ttlSweepIntervalMs ?? 5000);
  }

  /** Subscribes to item changes, called inside each write's transaction. */
  addWriteListener(listener: TableWriteListener): () => void {
    return this.#context.writer.addListener(listener);
  }

  /** Starts deleting expired items every few seconds. */
  startTtlSweeps(): void {
    this.#ttl.start();
  }

  stop(): void {
    this.#ttl.stop();
  }

  /** Deletes the items whose TTL has passed now; returns how many. */
  sweepExpiredItems(): number {
    return this.#ttl.sweep();
  }

  handles(req: http.IncomingMessage): boolean {
    return isDynamoDBRequest(req);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target']);
    const operation = target.slice(TARGET_PREFIX.length);
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === undefined) throw validationError('Request size exceeded the maximum of 16 MB');
      const handler = OPERATIONS[operation];
      if (handler === undefined || req.method !== 'POST') {
        throw new DynamoDBError('UnknownOperationException', `unsupported operation ${operation}`);
      }
      const output = handler(parseInput(body), this.#context);
      sendJson(res, 200, output);
      this.#logger.debug({ operation }, 'dynamodb request');
    } catch (error) {
      this.#fail(res, operation, error);
    }
  }

  #fail(res: http.ServerResponse, operation: string, error: unknown): void {
    if (isDynamoDBError(error)) {
      this.#logger.debug(
        { operation, code: error.code, message: error.message },
        'dynamodb request rejected',
      );
      sendJson(res, error.status, error.toBody());
      return;
    }
    this.#logger.error({ operation, err: error }, 'dynamodb request failed');
    const failure = new DynamoDBError(
      'InternalServerError',
      'Internal server error; see the LambdaCraft log',
      {},
      500,
    );
    sendJson(res, 500, failure.toBody());
  }
}

function parseInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DynamoDBError(
      'SerializationException',
      'Start of structure or map found where not expected',
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DynamoDBError(
      'SerializationException',
      'Start of structure or map found where not expected',
    );
  }
  return input as Record<string, unknown>;
}
