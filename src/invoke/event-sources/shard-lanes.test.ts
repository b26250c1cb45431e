import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { silentLogger } from '../../log.js';
import type { StreamRecord } from '../../services/dynamodb/streams/stream-source.js';
import { StateStore } from '../../state/store.js';
import { MappingRunner } from './mapping-runner.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { laneOf, ShardCheckpoint } from './shard-lanes.js';
import {
  fixedSource,
  invokeResult,
  MAPPING_UUID,
  sequenceOf,
  SHARD_ID,
  streamMapping,
  streamRecord,
} from './shard-test-fixtures.js';

/** Returns keys, in the order found, whose records fall into distinct lanes of `laneCount`. */
function keysInDistinctLanes(laneCount: number, count: number): string[] {
  const keys: string[] = [];
  const lanes = new Set<number>();
  for (let index = 0; keys.length < count; index += 1) {
    const key = `key-${index}`;
    const lane = laneOf(streamRecord(1, key).dynamodb.Keys, laneCount);
    if (lanes.has(lane)) continue;
    lanes.add(lane);
    keys.push(key);
  }
  return keys;
}

/** One invocation as the fake function saw it. */
interface Invocation {
  keys: string[];
  sequences: string[];
  startMs: number;
  endMs: number;
}

/**
 * Runs a mapping over `records` with a function that takes `durationMs` per batch and fails
 * every batch that contains a key of `failingKeys`. Stops once `done` returns true.
 */
async function runMapping(options: {
  store: StateStore;
  records: StreamRecord[];
  settings: Partial<EventSourceMapping['settings']>;
  durationMs: number;
  failingKeys?: string[];
  done: (invocations: Invocation[]) => boolean;
}): Promise<Invocation[]> {
  const invocations: Invocation[] = [];
  const runner = new MappingRunner({
    mapping: streamMapping(options.settings),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
    source: fixedSource(options.records),
    table: options.store.eventSourceMappings,
    invoker: {
      invoke: async (_name, payload) => {
        const event = JSON.parse(payload.toString()) as { Records: StreamRecord[] };
        const keys = event.Records.map((item) => item.dynamodb.Keys.pk?.S ?? '');
        const sequences = event.Records.map((item) => item.dynamodb.SequenceNumber);
        const startMs = performance.now();
        await sleep(options.durationMs);
        invocations.push({ keys, sequences, startMs, endMs: performance.now() });
        const fails = keys.some((key) => options.failingKeys?.includes(key) ?? false);
        return invokeResult(fails);
      },
      enqueue: () => Promise.resolve('request-1'),
    },
    logger: silentLogger(),
    nowMs: () => Date.now(),
  });
  runner.start();
  const deadline = Date.now() + 10_000;
  try {
    while (!options.done(invocations)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the invocations');
      await sleep(5);
    }
  } finally {
    await runner.stop();
  }
  return invocations;
}

function overlaps(a: Invocation, b: Invocation): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

function delivered(invocations: Invocation[]): number {
  return invocations.reduce((total, invocation) => total + invocation.keys.length, 0);
}

describe('shard lanes', () => {
  it('laneOf ignores attribute order', () => {
    for (let count = 1; count <= 10; count += 1) {
      const ordered = laneOf({ pk: { S: 'x' }, sk: { N: '1' } }, count);
      const reordered = laneOf({ sk: { N: '1' }, pk: { S: 'x' } }, count);
      assert.equal(ordered, reordered, `lane count ${count}`);
    }
    assert.equal(laneOf({ pk: { S: 'x' } }, 1), 0);
  });

  it('laneOf spreads keys over every lane', () => {
    const lanes = new Set<number>();
    for (let index = 0; index < 200; index += 1) {
      const lane = laneOf(streamRecord(index, `key-${index}`).dynamodb.Keys, 10);
      assert.ok(lane >= 0, `lane ${lane} of key-${index}`);
      assert.ok(lane < 10, `lane ${lane} of key-${index}`);
      lanes.add(lane);
    }
    assert.equal(lanes.size, 10);
  });

  it('checkpoint follows the slowest lane', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const table = store.eventSourceMappings;
    const checkpoint = new ShardCheckpoint(table, MAPPING_UUID, SHARD_ID, 3);
    checkpoint.advance(0, sequenceOf(10));
    checkpoint.advance(1, sequenceOf(4));
    assert.equal(table.checkpoint(MAPPING_UUID, SHARD_ID), undefined, 'lane 2 has not started');
    checkpoint.advance(2, sequenceOf(7));
    assert.equal(table.checkpoint(MAPPING_UUID, SHARD_ID), sequenceOf(4));
    checkpoint.advance(1, sequenceOf(12));
    assert.equal(table.checkpoint(MAPPING_UUID, SHARD_ID), sequenceOf(7));
    checkpoint.advance(2, sequenceOf(5));
    assert.equal(
      table.checkpoint(MAPPING_UUID, SHARD_ID),
      sequenceOf(7),
      'a lane never moves back',
    );
    assert.equal(new ShardCheckpoint(table, MAPPING_UUID, SHARD_ID, 3).committed, sequenceOf(7));
    store.close();
  });

  it('factor 4 overlaps batches of different keys', async () => {
    const store = StateStore.open(':memory:', silentLogger());
    const keys = keysInDistinctLanes(4, 4);
    const records: StreamRecord[] = [];
    for (let version = 0; version < 6; version += 1) {
      keys.forEach((key, index) => records.push(streamRecord(version * 4 + index + 1, key)));
    }
    const invocations = await runMapping({
      store,
      records,
      settings: { parallelizationFactor: 4, batchSize: 2 },
      durationMs: 60,
      done: (seen) => delivered(seen) === records.length,
    });
    const last = records.at(-1)?.dynamodb.SequenceNumber;
    assert.equal(store.eventSourceMappings.checkpoint(MAPPING_UUID, SHARD_ID), last);
    store.close();

    for (const invocation of invocations) {
      assert.equal(
        new Set(invocation.keys).size,
        1,
        `one lane per batch: ${invocation.keys.join()}`,
      );
    }
    const overlapping = invocations.some((a, i) =>
      invocations.some((b, j) => i !== j && a.keys[0] !== b.keys[0] && overlaps(a, b)),
    );
    assert.ok(overlapping, 'batches of different keys ran at the same time');
    for (const key of keys) {
      const ofKey = invocations.filter((invocation) => invocation.keys.includes(key));
      ofKey.forEach((a, i) => {
        ofKey.slice(i + 1).forEach((b) => {
          assert.ok(!overlaps(a, b), `two batches of ${key} ran at the same time`);
        });
      });
      const sequences = ofKey.flatMap((invocation) => invocation.sequences);
      const expected = records
        .filter((item) => item.dynamodb.Keys.pk?.S === key)
        .map((item) => item.dynamodb.SequenceNumber);
      assert.deepEqual(sequences, expected, `records of ${key} in order`);
    }
  });

  it('factor 1 runs one batch at a time', async () => {
    const store = StateStore.open(':memory:', silentLogger());
    const keys = keysInDistinctLanes(4, 4);
    const records = keys.flatMap((key, index) => [
      streamRecord(index * 2 + 1, key),
      streamRecord(index * 2 + 2, key),
    ]);
    const invocations = await runMapping({
      store,
      records,
      settings: { parallelizationFactor: 1, batchSize: 3 },
      durationMs: 20,
      done: (seen) => delivered(seen) === records.length,
    });
    store.close();

    invocations.forEach((a, i) => {
      invocations.slice(i + 1).forEach((b) => {
        assert.ok(!overlaps(a, b), 'two batches ran at the same time');
      });
    });
    assert.deepEqual(
      invocations.flatMap((invocation) => invocation.sequences),
      records.map((item) => item.dynamodb.SequenceNumber),
    );
    assert.deepEqual(
      invocations.map((invocation) => invocation.sequences.length),
      [3, 3, 2],
    );
  });

  it('failing lane holds the checkpoint back', async () => {
    const store = StateStore.open(':memory:', silentLogger());
    const [bad, ...good] = keysInDistinctLanes(4, 4) as [string, ...string[]];
    // Positions 1 to 3 and 5 to 10 are good keys, and position 4 is the failing key.
    const records = [
      ...good.map((key, index) => streamRecord(index + 1, key)),
      streamRecord(4, bad),
      ...good.map((key, index) => streamRecord(index + 5, key)),
      ...good.map((key, index) => streamRecord(index + 8, key)),
    ];
    const goodCount = records.length - 1;
    const goodDelivered = (seen: Invocation[]) =>
      delivered(seen.filter((invocation) => !invocation.keys.includes(bad)));
    const first = await runMapping({
      store,
      records,
      settings: { parallelizationFactor: 4, batchSize: 1 },
      durationMs: 10,
      failingKeys: [bad],
      done: (seen) => goodDelivered(seen) === goodCount,
    });
    assert.ok(first.some((invocation) => invocation.keys.includes(bad)));
    assert.equal(store.eventSourceMappings.checkpoint(MAPPING_UUID, SHARD_ID), sequenceOf(3));

    // A restart delivers the records after the checkpoint again, failing one included.
    const second = await runMapping({
      store,
      records,
      settings: { parallelizationFactor: 4, batchSize: 1 },
      durationMs: 10,
      failingKeys: [bad],
      done: (seen) => goodDelivered(seen) === goodCount - 3,
    });
    assert.equal(store.eventSourceMappings.checkpoint(MAPPING_UUID, SHARD_ID), sequenceOf(3));
    store.close();
    const redelivered = second
      .filter((invocation) => !invocation.keys.includes(bad))
      .flatMap((invocation) => invocation.sequences)
      .sort();
    assert.deepEqual(
      redelivered,
      [5, 6, 7, 8, 9, 10].map((position) => sequenceOf(position)),
    );
    assert.ok(second.some((invocation) => invocation.keys.includes(bad)));
  });
});
