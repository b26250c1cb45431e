import type http from 'node:http';

import { readBody } from '../../api/read-body.js';
import type { Logger } from '../../log.js';
import type { StreamTable } from '../../state/streams.js';
import type { TableStore } from '../../state/tables.js';
import type { DynamoDBContext } from './context.js';
import { DynamoDBError, isDynamoDBError, validationError } from './errors.js';
import { ItemWriter, type TableWriteListener } from './item-writer.js';
import { OPERATIONS } from './operations/index.js';
import { isDynamoDBRequest, sendJson, TARGET_PREFIX } from './protocol.js';
import { STREAM_OPERATIONS, STREAMS_TARGET_PREFIX } from './streams/operations.js';
import { TableStreams } from './streams/table-streams.js';
import { createTemplateTables } from './template-tables.js';
import { TtlSweeper } from './ttl-sweeper.js';
import type { TemplateTable } from '../../template/dynamodb-tables.js';

/** DynamoDB's limit on a request body (BatchWriteItem's 16 MB), with room for the JSON. */
const MAX_REQUEST_BYTES = 17 * 1024 * 1024;

/** Operations after which a table's stream may have started, stopped or gone. */
const TABLE_LIFECYCLE_OPERATIONS = new Set(['CreateTable', 'UpdateTable', 'DeleteTable']);

export interface DynamoDBServiceOptions {
  store: TableStore;
  /** The table streams' records, which commit in the item writes' transactions. */
  streams: StreamTable;
  region: string;
  accountId: string;
  logger: Logger;
  /** Milliseconds since the epoch; tests inject a clock to expire TTL items. */
  clock?: () => number;
  /** Milliseconds between TTL sweeps (default 5000). */
  ttlSweepIntervalMs?: number;
  /** Milliseconds between sweeps of stream records older than 24 hours (default 60000). */
  streamSweepIntervalMs?: number;
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
  readonly #streamSweepIntervalMs: number;
  /** The tables' streams: the Streams API reads them, and event source mappings poll them. */
  readonly streams: TableStreams;

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
    this.streams = new TableStreams({
      table: options.streams,
      tables: options.store,
      region: options.region,
      logger: this.#logger,
      nowMs: this.#context.nowMs,
    });
    this.#streamSweepIntervalMs = options.streamSweepIntervalMs ?? 60_000;
    this.#context.writer.addListener((change) => this.streams.recordChange(change));
    this.streams.syncAllTables();
  }

  /** Subscribes to item changes, called inside each write's transaction. */
  addWriteListener(listener: TableWriteListener): () => void {
    return this.#context.writer.addListener(listener);
  }

  /** Starts deleting expired items every few seconds. */
  startTtlSweeps(): void {
    this.#ttl.start();
  }

  /**
   * Creates the template's tables that are missing; returns one line per table that was
   * not created or that differs from the template.
   */
  createTemplateTables(tables: TemplateTable[]): string[] {
    return createTemplateTables(tables, this.#context, (tableName) =>
      this.streams.syncTable(tableName),
    );
  }

  /** Starts removing stream records older than 24 hours every minute. */
  startStreamSweeps(): void {
    this.streams.startSweeps(this.#streamSweepIntervalMs);
  }

  stop(): void {
    this.#ttl.stop();
    this.streams.stop();
  }

  /** Deletes the items whose TTL has passed now; returns how many. */
  sweepExpiredItems(): number {
    return this.#ttl.sweep();
  }

  /** True for DynamoDB and DynamoDB Streams requests; both name the operation in X-Amz-Target. */
  handles(req: http.IncomingMessage): boolean {
    return isDynamoDBRequest(req) || isStreamsRequest(req);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target']);
    const streamsRequest = target.startsWith(STREAMS_TARGET_PREFIX);
    const operation = target.slice(
      streamsRequest ? STREAMS_TARGET_PREFIX.length : TARGET_PREFIX.length,
    );
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === undefined) throw validationError('Request size exceeded the maximum of 16 MB');
      const output = streamsRequest
        ? this.#runStreamOperation(req, operation, body)
        : this.#runOperation(req, operation, body);
      sendJson(res, 200, output);
      this.#logger.debug({ operation }, 'dynamodb request');
    } catch (error) {
      this.#fail(res, operation, error);
    }
  }

  #runOperation(
    req: http.IncomingMessage,
    operation: string,
    body: Buffer,
  ): Record<string, unknown> {
    const handler = OPERATIONS[operation];
    if (handler === undefined || req.method !== 'POST') {
      throw new DynamoDBError('UnknownOperationException', `unsupported operation ${operation}`);
    }
    const input = parseInput(body);
    const output = handler(input, this.#context);
    if (TABLE_LIFECYCLE_OPERATIONS.has(operation) && typeof input.TableName === 'string') {
      this.streams.syncTable(input.TableName);
    }
    return output;
  }

  #runStreamOperation(
    req: http.IncomingMessage,
    operation: string,
    body: Buffer,
  ): Record<string, unknown> {
    const handler = STREAM_OPERATIONS[operation];
    if (handler === undefined || req.method !== 'POST') {
      throw new DynamoDBError(
        'UnknownOperationException',
        `unsupported DynamoDB Streams operation ${operation}`,
      );
    }
    return handler(parseInput(body), this.streams);
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
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
      // Node.js raises this 'aborted' error when the client closes before its body ends.
      this.#logger.info({ operation }, 'dynamodb client closed the connection mid-request');
      res.destroy();
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

function isStreamsRequest(req: http.IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(STREAMS_TARGET_PREFIX);
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
