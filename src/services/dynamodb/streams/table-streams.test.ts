import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { silentLogger } from '../../../log.js';
import { StateStore } from '../../../state/store.js';
import { ItemWriter } from '../item-writer.js';
import type { TableDefinition } from '../table-schema.js';
import { TableStreams } from './table-streams.js';

const NOW_MS = Date.parse('2026-12-04T20:00:00.000Z');

function tableDefinition(name: string): TableDefinition {
  return {
    name,
    tableId: 'id',
    arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
    createdAtS: NOW_MS / 1000,
    hashKey: { name: 'pk', type: 'S' },
    rangeKey: undefined,
    attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    indexes: [],
    billingMode: 'PAY_PER_REQUEST',
    provisionedThroughput: undefined,
    stream: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    streamLabel: '2026-12-04T20:00:00.000',
    ttlAttribute: undefined,
    tags: [],
    deletionProtection: false,
  };
}

describe('TableStreams as StreamSource', () => {
  let store: StateStore;
  let streams: TableStreams;
  let writer: ItemWriter;
  const table = tableDefinition('orders');

  before(() => {
    store = StateStore.open(':memory:', silentLogger());
    store.tables.insertTable(table.name, JSON.stringify(table));
    streams = new TableStreams({
      table: store.streams,
      tables: store.tables,
      region: 'us-east-1',
      logger: silentLogger(),
      nowMs: () => NOW_MS,
    });
    streams.syncTable(table.name);
    writer = new ItemWriter(store.tables);
    writer.addListener((change) => streams.recordChange(change));
  });
  after(() => store.close());

  it('streamArnOf names the enabled stream', () => {
    assert.equal(streams.streamArnOf('orders'), `${table.arn}/stream/${table.streamLabel ?? ''}`);
    assert.equal(streams.streamArnOf('missing'), undefined);
  });

  it('read, latestSequence and onAppend agree', async () => {
    const streamArn = streams.streamArnOf('orders') ?? '';
    const [shard] = streams.shards(streamArn);
    assert.ok(shard !== undefined);
    assert.equal(streams.latestSequence(streamArn, shard.shardId), undefined);

    const appended: string[] = [];
    const unsubscribe = streams.onAppend((arn) => appended.push(arn));
    store.tables.transaction(() => {
      writer.put(table, { pk: { S: 'a' } });
      writer.put(table, { pk: { S: 'b' } });
    });
    assert.deepEqual(appended, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(appended, [streamArn]);

    const records = streams.read(streamArn, shard.shardId, undefined, 10);
    assert.equal(records.length, 2);
    const [first, second] = records;
    assert.equal(streams.latestSequence(streamArn, shard.shardId), second?.dynamodb.SequenceNumber);
    assert.equal(
      streams.shards(streamArn)[0]?.startingSequenceNumber,
      first?.dynamodb.SequenceNumber,
    );
    assert.deepEqual(streams.read(streamArn, shard.shardId, first?.dynamodb.SequenceNumber, 10), [
      second,
    ]);
    assert.equal(streams.read(streamArn, shard.shardId, undefined, 1).length, 1);
    unsubscribe();
  });

  it('onAppend stays silent after a rollback', async () => {
    const streamArn = streams.streamArnOf('orders') ?? '';
    const appended: string[] = [];
    const unsubscribe = streams.onAppend((arn) => appended.push(arn));
    assert.throws(() =>
      store.tables.transaction(() => {
        writer.put(table, { pk: { S: 'rolled-back' } });
        throw new Error('cancelled');
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(appended, []);
    const [shard] = streams.shards(streamArn);
    assert.equal(streams.read(streamArn, shard?.shardId ?? '', undefined, 10).length, 2);
    unsubscribe();
  });

  it('unknown stream raises ResourceNotFoundException', () => {
    assert.throws(() => streams.shards(`${table.arn}/stream/2000-01-01T00:00:00.000`), {
      code: 'ResourceNotFoundException',
    });
  });
});
