// Fixtures for the shard poller and lane tests: records, a one-shard stream source, a mapping
// and invocation results, all without a table or a function behind them.
import type { StreamRecord, StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import type { InvokeResult } from '../invoker.js';
import { DEFAULT_SETTINGS, type EventSourceMapping } from './mapping-settings.js';

export const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000';
export const MAPPING_UUID = 'mapping-1';
export const SHARD_ID = 'shard-1';

/** Formats `position` as a stream sequence number: 21 digits, zero-padded. */
export function sequenceOf(position: number): string {
  return String(position).padStart(21, '0');
}

/** Builds an INSERT record at `position` whose partition key `pk` is `key`. */
export function streamRecord(
  position: number,
  key: string,
  createdSeconds = Date.now() / 1000,
): StreamRecord {
  return {
    eventID: String(position),
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: createdSeconds,
      Keys: { pk: { S: key } },
      SequenceNumber: sequenceOf(position),
      SizeBytes: 10,
      StreamViewType: 'KEYS_ONLY',
    },
  };
}

/** Builds a stream source with one shard, `SHARD_ID`, that contains `records`. */
export function fixedSource(records: StreamRecord[]): StreamSource {
  return {
    streamArnOf: () => STREAM_ARN,
    shards: () => [{ shardId: SHARD_ID, startingSequenceNumber: undefined }],
    read: (_arn, _shard, after, limit) =>
      records
        .filter(
          (item) => after === undefined || BigInt(item.dynamodb.SequenceNumber) > BigInt(after),
        )
        .slice(0, limit),
    latestSequence: () => records.at(-1)?.dynamodb.SequenceNumber,
    onAppend: () => () => undefined,
  };
}

/** Builds an enabled mapping from TRIM_HORIZON with `settings` over the defaults. */
export function streamMapping(
  settings: Partial<EventSourceMapping['settings']>,
): EventSourceMapping {
  return {
    uuid: MAPPING_UUID,
    eventSourceArn: STREAM_ARN,
    functionName: 'consumer',
    qualifier: undefined,
    enabled: true,
    state: 'Enabled',
    stateTransitionReason: 'User action',
    lastModifiedMs: 0,
    lastProcessingResult: 'No records processed',
    settings: { ...DEFAULT_SETTINGS, startingPosition: 'TRIM_HORIZON', ...settings },
    templateKey: undefined,
  };
}

/** Builds the result of one invocation that returned null, or raised an unhandled error. */
export function invokeResult(failed: boolean): InvokeResult {
  return {
    requestId: 'request-1',
    payload: Buffer.from(failed ? '{"errorMessage":"failed"}' : 'null'),
    contentType: 'application/json',
    functionError: failed ? 'Unhandled' : undefined,
    executedVersion: '$LATEST',
    logResult: undefined,
    log: '',
    outcome: (failed
      ? { kind: 'error', errorType: 'Error' }
      : { kind: 'success' }) as InvokeResult['outcome'],
  };
}
