import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { silentLogger } from '../../log.js';
import type { StreamRecord } from '../../services/dynamodb/streams/stream-source.js';
import { StateStore } from '../../state/store.js';
import { ShardPoller } from './shard-poller.js';
import {
  fixedSource,
  invokeResult,
  MAPPING_UUID,
  SHARD_ID,
  streamMapping,
  streamRecord,
} from './shard-test-fixtures.js';

/** Builds a record whose key is `key-<sequence>`, written at `createdSeconds`. */
function record(sequence: number, createdSeconds: number): StreamRecord {
  return streamRecord(sequence, `key-${sequence}`, createdSeconds);
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
      mapping: streamMapping({
        maximumRecordAgeInSeconds: 60,
        onFailureDestination: 'arn:aws:lambda:us-east-1:000000000000:function:failures',
      }),
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      shardId: SHARD_ID,
      source: fixedSource(records),
      table: store.eventSourceMappings,
      invoker: {
        invoke: (_name, payload) => {
          const event = JSON.parse(payload.toString()) as { Records: StreamRecord[] };
          invoked.push(event.Records.map((item) => item.dynamodb.SequenceNumber));
          return Promise.resolve(invokeResult(false));
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
    while (store.eventSourceMappings.checkpoint(MAPPING_UUID, SHARD_ID) !== last) {
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
