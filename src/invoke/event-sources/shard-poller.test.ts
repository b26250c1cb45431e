import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { silentLogger } from '../../log.js';
import type { StreamRecord, StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import { StateStore } from '../../state/store.js';
import type { InvokeResult } from '../invoker.js';
import { DEFAULT_SETTINGS, type EventSourceMapping } from './mapping-settings.js';
import { ShardPoller } from './shard-poller.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000';

function record(sequence: number, createdSeconds: number): StreamRecord {
  return {
    eventID: String(sequence),
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: createdSeconds,
      Keys: { pk: { S: `key-${sequence}` } },
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 10,
      StreamViewType: 'KEYS_ONLY',
    },
  };
}

/** Builds a stream source with one shard of fixed records. */
function fixedSource(records: StreamRecord[]): StreamSource {
  return {
    streamArnOf: () => STREAM_ARN,
    shards: () => [{ shardId: 'shard-1', startingSequenceNumber: undefined }],
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

function mapping(settings: Partial<EventSourceMapping['settings']>): EventSourceMapping {
  return {
    uuid: 'mapping-1',
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

describe('shard poller', () => {
  it('discards records older than MaximumRecordAgeInSeconds', async () => {
    const store = StateStore.open(':memory:', silentLogger());
    const nowMs = 10_000_000;
    // Two records an hour old, then one written now.
    const records = [
      record(1, nowMs / 1000 - 3600),
      record(2, nowMs / 1000 - 3600),
      record(3, nowMs / 1000),
    ];
    const invoked: string[][] = [];
    const enqueued: Record<string, unknown>[] = [];
    const poller = new ShardPoller({
      mapping: mapping({
        maximumRecordAgeInSeconds: 60,
        onFailureDestination: 'arn:aws:lambda:us-east-1:000000000000:function:failures',
      }),
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      shardId: 'shard-1',
      source: fixedSource(records),
      table: store.eventSourceMappings,
      invoker: {
        invoke: (_name, payload) => {
          const event = JSON.parse(payload.toString()) as { Records: StreamRecord[] };
          invoked.push(event.Records.map((item) => item.dynamodb.SequenceNumber));
          return Promise.resolve(successResult());
        },
        enqueue: (name, payload) => {
          enqueued.push({ name, ...(JSON.parse(payload.toString()) as Record<string, unknown>) });
          return Promise.resolve('request-1');
        },
      },
      logger: silentLogger(),
      nowMs: () => nowMs,
    });
    poller.start();
    const last = records[2]?.dynamodb.SequenceNumber;
    while (store.eventSourceMappings.checkpoint('mapping-1', 'shard-1') !== last) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await poller.stop();
    store.close();

    assert.deepEqual(invoked, [[last]]);
    assert.equal(enqueued.length, 1);
    const failure = enqueued[0] as {
      name: string;
      requestContext: { condition: string; approximateInvokeCount: number };
      DDBStreamBatchInfo: { batchSize: number; startSequenceNumber: string };
      responseContext?: unknown;
    };
    assert.equal(failure.name, 'failures');
    assert.equal(failure.requestContext.condition, 'MaximumRecordAgeExceeded');
    assert.equal(failure.requestContext.approximateInvokeCount, 0);
    assert.equal(failure.responseContext, undefined);
    assert.equal(failure.DDBStreamBatchInfo.batchSize, 2);
    assert.equal(
      failure.DDBStreamBatchInfo.startSequenceNumber,
      records[0]?.dynamodb.SequenceNumber,
    );
  });
});

function successResult(): InvokeResult {
  return {
    requestId: 'request-1',
    payload: Buffer.from('null'),
    contentType: 'application/json',
    functionError: undefined,
    executedVersion: '$LATEST',
    logResult: undefined,
    log: '',
    outcome: { kind: 'success' } as InvokeResult['outcome'],
  };
}
