import { randomUUID } from 'node:crypto';

import { LambdaCraftError } from '../../errors.js';
import { parseFunctionReference } from '../../functions/arn.js';
import type { Logger } from '../../log.js';
import type { StreamRecord, StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import type { EventSourceMappingTable } from '../../state/event-source-mappings.js';
import type { Invoker } from '../invoker.js';
import { readBatchResponse } from './batch-response.js';
import { streamFailureRecord, type DiscardCondition } from './failure-record.js';
import { matchesAnyPattern, parseFilterPattern, type FilterPattern } from './filter-pattern.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { compareSequence, laneOf, ShardCheckpoint } from './shard-lanes.js';
import { WakeSignal } from './wake-signal.js';

/** A poller with nothing to read sleeps this long unless an append wakes it first. */
export const IDLE_POLL_MS = 2000;

/**
 * Delay before the next try of a failed or throttled batch: 250 ms, doubling, at most 30 s.
 * NOTE: AWS documents that it backs off but not the delays; these are LambdaCraft's choice.
 */
export function retryDelayMs(failures: number): number {
  return Math.min(250 * 2 ** Math.max(failures - 1, 0), 30_000);
}

export interface ShardPollerOptions {
  mapping: EventSourceMapping;
  functionArn: string;
  shardId: string;
  source: StreamSource;
  table: EventSourceMappingTable;
  invoker: Pick<Invoker, 'invoke' | 'enqueue'>;
  logger: Logger;
  /** Milliseconds since the epoch; tests pass a fake clock for record ages. */
  nowMs: () => number;
  /** The lane this poller reads when ParallelizationFactor is above 1; absent means one lane. */
  lane?: ShardLane;
}

/** One of the ParallelizationFactor lanes of a shard; see `laneOf`. */
export interface ShardLane {
  index: number;
  count: number;
  /** Shared by the lanes of the shard; stores the lowest position they all finished. */
  checkpoint: ShardCheckpoint;
}

/** The records one poll found after the checkpoint. */
interface ReadResult {
  /** Records of the lane that pass the filter, at most the batch limit. */
  batch: StreamRecord[];
  /** The last record looked at, filtered or not; the checkpoint moves here after success. */
  lastSequence: string | undefined;
  /** The last record skipped before the first one of the batch, if any. */
  skippedBefore: string | undefined;
}

/**
 * Reads one lane of a shard for one mapping: it batches the lane's records after its
 * position, invokes the function synchronously, and moves its position only after the
 * function succeeded or the batch was discarded. A failing batch blocks the lane, so the
 * records of one lane, and so of one item key, reach the function in shard order. With one
 * lane (ParallelizationFactor 1) the lane is the whole shard.
 */
export class ShardPoller {
  readonly #options: ShardPollerOptions;
  readonly #patterns: FilterPattern[];
  readonly #signal = new WakeSignal();
  readonly #logger: Logger;
  readonly #lane: ShardLane;
  /** The lane's position: every record of the lane up to it succeeded or was discarded. */
  #checkpoint: string | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Invocations of the current batch that returned a function error; throttles not counted. */
  #attempts = 0;
  #throttles = 0;
  /** The batch limit while a failed batch is bisected; undefined means BatchSize. */
  #bisectLimit: number | undefined;
  /** The last sequence number of the batch being bisected. */
  #bisectEnd: string | undefined;
  /** When the poller first saw records of a batch that is not full yet. */
  #windowStartMs: number | undefined;
  #lastInvocation: { requestId: string; executedVersion: string } | undefined;

  constructor(options: ShardPollerOptions) {
    this.#options = options;
    this.#patterns = options.mapping.settings.filterPatterns.map(parseFilterPattern);
    this.#lane = options.lane ?? {
      index: 0,
      count: 1,
      checkpoint: new ShardCheckpoint(options.table, options.mapping.uuid, options.shardId, 1),
    };
    this.#checkpoint = this.#lane.checkpoint.committed;
    this.#logger = options.logger.child({
      eventSourceMappingUuid: options.mapping.uuid,
      shardId: options.shardId,
      ...(this.#lane.count > 1 ? { lane: this.#lane.index } : {}),
    });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Polls now: the stream has new records. */
  wake(): void {
    this.#signal.wake();
  }

  /** Stops after the batch in flight; its checkpoint is written if the function succeeded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signal.wake();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let waitMs: number;
      try {
        waitMs = await this.#poll();
      } catch (error) {
        this.#logger.error({ err: error }, 'stream poll failed');
        waitMs = IDLE_POLL_MS;
      }
      if (this.#stopped) return;
      if (waitMs > 0) await this.#signal.wait(waitMs);
    }
  }

  /** Runs one step and returns how long to wait before the next (0 for at once). */
  async #poll(): Promise<number> {
    const { settings } = this.#options.mapping;
    const limit = this.#bisectLimit ?? settings.batchSize;
    const { batch, lastSequence, skippedBefore } = this.#read(limit);

    if (batch.length === 0) {
      if (lastSequence !== undefined) this.#commit(lastSequence);
      return IDLE_POLL_MS;
    }
    // Records before the batch belong to other lanes or were filtered out, so this lane is
    // done with them and need not hold the shard checkpoint back.
    if (skippedBefore !== undefined) this.#commit(skippedBefore);
    const expired = this.#expiredCount(batch);
    if (expired > 0) {
      this.#discard(batch.slice(0, expired), 'MaximumRecordAgeExceeded');
      return 0;
    }
    const windowMs = settings.maximumBatchingWindowInSeconds * 1000;
    const retrying = this.#attempts > 0 || this.#bisectLimit !== undefined;
    if (batch.length < limit && windowMs > 0 && !retrying) {
      this.#windowStartMs ??= this.#options.nowMs();
      const remainingMs = this.#windowStartMs + windowMs - this.#options.nowMs();
      if (remainingMs > 0) return remainingMs;
    }
    this.#windowStartMs = undefined;

    return this.#invoke(batch, lastSequence ?? lastOf(batch));
  }

  /**
   * Reads up to `limit` records of the lane after its position, skipping other lanes'
   * records and filtered ones. NOTE: every lane reads the whole shard, so a batch of N lanes
   * costs about N times the reads of one lane.
   */
  #read(limit: number): ReadResult {
    const { source, mapping, shardId } = this.#options;
    const { index, count } = this.#lane;
    const batch: StreamRecord[] = [];
    let after = this.#checkpoint;
    let lastSequence: string | undefined;
    let skippedBefore: string | undefined;
    while (batch.length < limit) {
      const page = source.read(mapping.eventSourceArn, shardId, after, Math.max(limit, 100));
      for (const record of page) {
        if (batch.length === 0) skippedBefore = lastSequence;
        lastSequence = record.dynamodb.SequenceNumber;
        if (laneOf(record.dynamodb.Keys, count) !== index) continue;
        if (!matchesAnyPattern(this.#patterns, record)) continue;
        batch.push({ ...record, eventSourceARN: mapping.eventSourceArn } as StreamRecord);
        if (batch.length === limit) break;
      }
      if (page.length === 0 || batch.length === limit) break;
      after = lastSequence;
    }
    return { batch, lastSequence, skippedBefore };
  }

  /** Counts the records at the start of the batch older than MaximumRecordAgeInSeconds. */
  #expiredCount(batch: StreamRecord[]): number {
    const maxAgeSeconds = this.#options.mapping.settings.maximumRecordAgeInSeconds;
    if (maxAgeSeconds === -1) return 0;
    const nowSeconds = this.#options.nowMs() / 1000;
    const index = batch.findIndex(
      (record) => nowSeconds - record.dynamodb.ApproximateCreationDateTime <= maxAgeSeconds,
    );
    return index === -1 ? batch.length : index;
  }

  async #invoke(batch: StreamRecord[], lastSequence: string): Promise<number> {
    const { mapping, invoker } = this.#options;
    const payload = Buffer.from(JSON.stringify({ Records: batch }));
    let result: Awaited<ReturnType<Invoker['invoke']>>;
    try {
      result = await invoker.invoke(mapping.functionName, payload, {
        qualifier: mapping.qualifier,
        tailLog: false,
        clientContext: undefined,
        source: 'dynamodb',
      });
    } catch (error) {
      return this.#invocationRejected(error);
    }
    if (this.#stopped && result.outcome.kind !== 'success') return 0;

    this.#throttles = 0;
    this.#lastInvocation = { requestId: result.requestId, executedVersion: result.executedVersion };
    if (result.functionError !== undefined) {
      return this.#failed(batch, `function error ${result.outcome.errorType ?? 'Unhandled'}`);
    }
    if (!mapping.settings.functionResponseTypes.includes('ReportBatchItemFailures')) {
      return this.#succeeded(lastSequence, batch.length);
    }

    const response = readBatchResponse(result.payload, batch);
    if (response.kind === 'success') return this.#succeeded(lastSequence, batch.length);
    if (response.kind === 'failure') return this.#failed(batch, response.reason);

    const before = batch[response.failedIndex - 1];
    if (before !== undefined) this.#commit(before.dynamodb.SequenceNumber);
    return this.#failed(batch.slice(response.failedIndex), 'batch item failures reported', {
      partial: true,
    });
  }

  /** Backs off after a throttle or an invocation that never reached the function. */
  #invocationRejected(error: unknown): number {
    this.#throttles += 1;
    const throttled =
      error instanceof LambdaCraftError && error.code === 'TooManyRequestsException';
    this.#setResult(
      throttled ? 'PROBLEM: Function call throttled' : 'PROBLEM: Function call failed',
    );
    if (throttled) this.#logger.info({ throttles: this.#throttles }, 'stream batch throttled');
    else this.#logger.warn({ err: error }, 'stream batch invocation failed');
    return retryDelayMs(this.#throttles);
  }

  #succeeded(lastSequence: string, records: number): number {
    this.#commit(lastSequence);
    this.#attempts = 0;
    if (this.#bisectEnd !== undefined && compareSequence(lastSequence, this.#bisectEnd) >= 0) {
      this.#bisectLimit = undefined;
      this.#bisectEnd = undefined;
    }
    this.#setResult('OK');
    this.#logger.debug({ records }, 'stream batch processed');
    return 0;
  }

  /**
   * Handles a failed batch: bisects it when asked (a split does not count as a retry),
   * otherwise counts the attempt and discards the batch once the retries are used up.
   */
  #failed(batch: StreamRecord[], reason: string, options = { partial: false }): number {
    this.#setResult('PROBLEM: Function call failed');
    const { bisectBatchOnFunctionError, maximumRetryAttempts } = this.#options.mapping.settings;
    if (bisectBatchOnFunctionError && !options.partial && batch.length > 1) {
      this.#bisectLimit = Math.ceil(batch.length / 2);
      this.#bisectEnd ??= lastOf(batch);
      this.#logger.info({ records: batch.length, reason }, 'stream batch failed; bisecting');
      return 0;
    }

    this.#attempts += 1;
    if (maximumRetryAttempts !== -1 && this.#attempts > maximumRetryAttempts) {
      this.#discard(batch, 'RetryAttemptsExhausted');
      return 0;
    }
    this.#logger.info(
      { records: batch.length, attempts: this.#attempts, reason },
      'stream batch failed; retrying',
    );
    return retryDelayMs(this.#attempts);
  }

  /** Moves past a batch and sends its failure record to the on-failure destination. */
  #discard(batch: StreamRecord[], condition: DiscardCondition): void {
    const { mapping, functionArn, shardId } = this.#options;
    const record = streamFailureRecord({
      condition,
      requestId: this.#lastInvocation?.requestId ?? randomUUID(),
      functionArn,
      invokeCount: this.#attempts,
      executedVersion: this.#attempts > 0 ? this.#lastInvocation?.executedVersion : undefined,
      functionError: this.#attempts > 0 ? 'Unhandled' : undefined,
      streamArn: mapping.eventSourceArn,
      shardId,
      records: batch,
      nowMs: this.#options.nowMs(),
    });
    const destination = mapping.settings.onFailureDestination;
    this.#logger.warn({ condition, records: batch.length, destination }, 'stream batch discarded');
    this.#commit(lastOf(batch));
    this.#attempts = 0;
    this.#lastInvocation = undefined;
    if (destination !== undefined) this.#sendFailureRecord(destination, record);
  }

  #sendFailureRecord(destination: string, record: Record<string, unknown>): void {
    const reference = parseFunctionReference(destination);
    if (reference === undefined) return;
    this.#options.invoker
      .enqueue(reference.functionName, Buffer.from(JSON.stringify(record)), {
        qualifier: reference.qualifier,
        source: 'dynamodb',
      })
      .catch((error: unknown) => {
        this.#logger.warn({ err: error, destination }, 'failure record not delivered');
      });
  }

  /** Moves the lane's position; the shard checkpoint follows the slowest lane. */
  #commit(sequenceNumber: string): void {
    this.#lane.checkpoint.advance(this.#lane.index, sequenceNumber);
    this.#checkpoint = sequenceNumber;
  }

  #setResult(result: string): void {
    this.#options.table.setLastProcessingResult(this.#options.mapping.uuid, result);
  }
}

function lastOf(batch: StreamRecord[]): string {
  const last = batch[batch.length - 1];
  if (last === undefined) throw new Error('an empty batch has no last record');
  return last.dynamodb.SequenceNumber;
}
