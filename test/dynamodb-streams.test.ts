import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetRecordsCommandOutput,
  ListStreamsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';

import type { StreamRecord } from '../src/services/dynamodb/streams/stream-source.js';
import { startStreamsServer, type StreamsServer } from './dynamodb-streams-server.js';
import { rejectsWith, startDynamoDB } from './dynamodb-helpers.js';

const FIXTURE = JSON.parse(
  readFileSync('/work/shared/fixtures/events/aws-lambda-go/dynamodb-event.json', 'utf8'),
) as { Records: Record<string, unknown>[] };

/** The keys and value types of an object, one level deep, with `dynamodb` expanded. */
function shapeOf(record: Record<string, unknown>): Record<string, string> {
  const shape: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'eventSourceARN') continue;
    shape[key] = typeof value;
    if (key === 'dynamodb' || key === 'userIdentity') {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
        shape[`${key}.${inner}`] = typeof innerValue;
      }
    }
  }
  return shape;
}

async function createStreamTable(
  server: StreamsServer,
  tableName: string,
  viewType: StreamViewType,
): Promise<string> {
  const output = await server.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
    }),
  );
  const streamArn = output.TableDescription?.LatestStreamArn;
  assert.ok(streamArn !== undefined);
  return streamArn;
}

async function onlyShardId(server: StreamsServer, streamArn: string): Promise<string> {
  const output = await server.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = output.StreamDescription?.Shards?.[0]?.ShardId;
  assert.ok(shardId !== undefined);
  return shardId;
}

async function iteratorOf(
  server: StreamsServer,
  streamArn: string,
  type: ShardIteratorType,
  sequenceNumber?: string,
): Promise<string> {
  const shardId = await onlyShardId(server, streamArn);
  const output = await server.streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      SequenceNumber: sequenceNumber,
    }),
  );
  assert.ok(output.ShardIterator !== undefined);
  return output.ShardIterator;
}

/** Reads every record of a stream's shard through the StreamSource interface. */
function readAll(server: StreamsServer, streamArn: string): StreamRecord[] {
  const [shard] = server.service.streams.shards(streamArn);
  assert.ok(shard !== undefined);
  return server.service.streams.read(streamArn, shard.shardId, undefined, 1000);
}

async function writeInsertModifyRemove(server: StreamsServer, tableName: string): Promise<void> {
  await server.dynamodb.send(
    new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'a' }, n: { N: '1' } } }),
  );
  await server.dynamodb.send(
    new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'a' }, n: { N: '1' } } }),
  );
  await server.dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: 'a' } },
      UpdateExpression: 'SET n = :two',
      ExpressionAttributeValues: { ':two': { N: '2' } },
    }),
  );
  await server.dynamodb.send(
    new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'a' } } }),
  );
}

describe('DynamoDB stream records', () => {
  let server: StreamsServer;

  before(async () => {
    server = await startStreamsServer();
  });
  after(() => server.close());

  const images: Record<StreamViewType, { newImage: boolean; oldImage: boolean }> = {
    KEYS_ONLY: { newImage: false, oldImage: false },
    NEW_IMAGE: { newImage: true, oldImage: false },
    OLD_IMAGE: { newImage: false, oldImage: true },
    NEW_AND_OLD_IMAGES: { newImage: true, oldImage: true },
  };
  for (const [viewType, expected] of Object.entries(images)) {
    it(`${viewType} records insert, modify and remove`, async () => {
      const tableName = `view-${viewType.toLowerCase()}`;
      const streamArn = await createStreamTable(server, tableName, viewType as StreamViewType);
      await writeInsertModifyRemove(server, tableName);

      const records = readAll(server, streamArn);
      assert.deepEqual(
        records.map((record) => record.eventName),
        ['INSERT', 'MODIFY', 'REMOVE'],
      );
      const [insert, modify, remove] = records as [StreamRecord, StreamRecord, StreamRecord];
      for (const record of records) {
        assert.deepEqual(record.dynamodb.Keys, { pk: { S: 'a' } });
        assert.equal(record.dynamodb.StreamViewType, viewType);
        assert.equal(record.eventVersion, '1.1');
        assert.equal(record.eventSource, 'aws:dynamodb');
        assert.equal(record.awsRegion, 'us-east-1');
        assert.match(record.eventID, /^[0-9a-f]{32}$/);
        assert.match(record.dynamodb.SequenceNumber, /^\d{21}$/);
        assert.equal(record.dynamodb.ApproximateCreationDateTime, server.clock.nowMs / 1000);
        assert.equal(record.userIdentity, undefined);
      }
      const newOf = (record: StreamRecord): unknown => record.dynamodb.NewImage;
      const oldOf = (record: StreamRecord): unknown => record.dynamodb.OldImage;
      const item1 = { pk: { S: 'a' }, n: { N: '1' } };
      const item2 = { pk: { S: 'a' }, n: { N: '2' } };
      assert.deepEqual(newOf(insert), expected.newImage ? item1 : undefined);
      assert.deepEqual(oldOf(insert), undefined);
      assert.deepEqual(newOf(modify), expected.newImage ? item2 : undefined);
      assert.deepEqual(oldOf(modify), expected.oldImage ? item1 : undefined);
      assert.deepEqual(newOf(remove), undefined);
      assert.deepEqual(oldOf(remove), expected.oldImage ? item2 : undefined);

      // Keys `pk`+`a` is 3 bytes; an image adds `n` and a one-digit number (1 + 2 bytes).
      const keysBytes = 3;
      const imageBytes = 6;
      assert.equal(insert.dynamodb.SizeBytes, keysBytes + (expected.newImage ? imageBytes : 0));
      assert.equal(
        modify.dynamodb.SizeBytes,
        keysBytes + (expected.newImage ? imageBytes : 0) + (expected.oldImage ? imageBytes : 0),
      );
    });
  }

  it('record shape matches Lambda event', async () => {
    const streamArn = await createStreamTable(server, 'shape', 'NEW_AND_OLD_IMAGES');
    await server.dynamodb.send(
      new PutItemCommand({
        TableName: 'shape',
        Item: { pk: { S: 'k' }, b: { B: new Uint8Array([1]) } },
      }),
    );
    const [record] = readAll(server, streamArn);
    assert.ok(record !== undefined);
    const fixture = FIXTURE.Records[1];
    assert.ok(fixture !== undefined);
    assert.deepEqual(shapeOf(record as unknown as Record<string, unknown>), shapeOf(fixture));
  });

  it('sequence numbers increase strictly', async () => {
    const streamArn = await createStreamTable(server, 'ordered', 'KEYS_ONLY');
    for (let i = 0; i < 5; i += 1) {
      await server.dynamodb.send(
        new PutItemCommand({ TableName: 'ordered', Item: { pk: { S: `k${i}` } } }),
      );
    }
    const sequences = readAll(server, streamArn).map((record) => record.dynamodb.SequenceNumber);
    assert.equal(sequences.length, 5);
    for (let i = 1; i < sequences.length; i += 1) {
      assert.ok((sequences[i] ?? '') > (sequences[i - 1] ?? ''));
      assert.ok(BigInt(sequences[i] ?? '0') > BigInt(sequences[i - 1] ?? '0'));
    }
  });

  it('TTL deletion carries service userIdentity', async () => {
    const streamArn = await createStreamTable(server, 'expiring', 'NEW_AND_OLD_IMAGES');
    await server.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'expiring',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    const expiresAt = String(server.clock.nowMs / 1000 - 60);
    await server.dynamodb.send(
      new PutItemCommand({
        TableName: 'expiring',
        Item: { pk: { S: 'old' }, expiresAt: { N: expiresAt } },
      }),
    );
    assert.equal(server.service.sweepExpiredItems(), 1);

    const records = readAll(server, streamArn);
    const remove = records[1];
    assert.equal(remove?.eventName, 'REMOVE');
    assert.deepEqual(remove.userIdentity, {
      type: 'Service',
      principalId: 'dynamodb.amazonaws.com',
    });
    assert.equal(records[0]?.userIdentity, undefined);
    const fixture = FIXTURE.Records[0];
    assert.ok(fixture !== undefined);
    const expected = shapeOf(fixture);
    delete expected['dynamodb.NewImage'];
    expected['dynamodb.OldImage'] = 'object';
    const actual = shapeOf(remove as unknown as Record<string, unknown>);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    assert.deepEqual(actual, { ...actual, ...expected });
  });

  it('cancelled transaction writes no record', async () => {
    const streamArn = await createStreamTable(server, 'transactional', 'NEW_IMAGE');
    await assert.rejects(
      server.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'transactional', Item: { pk: { S: 'one' } } } },
            {
              Put: {
                TableName: 'transactional',
                Item: { pk: { S: 'two' } },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      ),
      { name: 'TransactionCanceledException' },
    );
    assert.deepEqual(readAll(server, streamArn), []);
  });

  it('table without stream writes no record', async () => {
    await server.dynamodb.send(
      new CreateTableCommand({
        TableName: 'plain',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'plain', Item: { pk: { S: 'x' } } }),
    );
    assert.equal(server.service.streams.streamArnOf('plain'), undefined);
    const listed = await server.streams.send(new ListStreamsCommand({ TableName: 'plain' }));
    assert.deepEqual(listed.Streams, []);
  });
});

describe('DynamoDB Streams API', () => {
  let server: StreamsServer;
  let streamArn: string;
  let sequences: string[];

  before(async () => {
    server = await startStreamsServer();
    streamArn = await createStreamTable(server, 'api', 'NEW_IMAGE');
    for (let i = 0; i < 5; i += 1) {
      await server.dynamodb.send(
        new PutItemCommand({ TableName: 'api', Item: { pk: { S: `k${i}` } } }),
      );
    }
    sequences = readAll(server, streamArn).map((record) => record.dynamodb.SequenceNumber);
  });
  after(() => server.close());

  it('ListStreams filters and pages', async () => {
    const other = await createStreamTable(server, 'zeta', 'KEYS_ONLY');
    const all = await server.streams.send(new ListStreamsCommand({}));
    assert.deepEqual(
      all.Streams?.map((stream) => stream.StreamArn),
      [streamArn, other],
    );
    const first = await server.streams.send(new ListStreamsCommand({ Limit: 1 }));
    assert.equal(first.Streams?.length, 1);
    assert.equal(first.LastEvaluatedStreamArn, streamArn);
    const second = await server.streams.send(
      new ListStreamsCommand({ Limit: 1, ExclusiveStartStreamArn: first.LastEvaluatedStreamArn }),
    );
    assert.equal(second.Streams?.[0]?.StreamArn, other);
    assert.equal(second.Streams?.[0]?.TableName, 'zeta');
    const filtered = await server.streams.send(new ListStreamsCommand({ TableName: 'api' }));
    assert.deepEqual(
      filtered.Streams?.map((stream) => stream.StreamArn),
      [streamArn],
    );
  });

  it('DescribeStream returns the stream', async () => {
    const output = await server.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const description = output.StreamDescription;
    assert.equal(description?.StreamArn, streamArn);
    assert.equal(description.StreamStatus, 'ENABLED');
    assert.equal(description.StreamViewType, 'NEW_IMAGE');
    assert.equal(description.TableName, 'api');
    assert.match(streamArn, /^arn:aws:dynamodb:us-east-1:000000000000:table\/api\/stream\//);
    assert.equal(streamArn.endsWith(`/stream/${description.StreamLabel ?? ''}`), true);
    assert.deepEqual(description.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    assert.equal(description.Shards?.length, 1);
    const shard = description.Shards?.[0];
    assert.match(shard?.ShardId ?? '', /^shardId-\d{20}-[0-9a-f]{8}$/);
    assert.equal(shard?.SequenceNumberRange?.StartingSequenceNumber, sequences[0]);
    assert.equal(shard?.SequenceNumberRange?.EndingSequenceNumber, undefined);
  });

  it('TRIM_HORIZON pages with NextShardIterator', async () => {
    let iterator: string | undefined = await iteratorOf(server, streamArn, 'TRIM_HORIZON');
    const read: string[] = [];
    for (let page = 0; page < 3 && iterator !== undefined; page += 1) {
      const output: GetRecordsCommandOutput = await server.streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 2 }),
      );
      assert.ok((output.Records?.length ?? 0) <= 2);
      read.push(...(output.Records ?? []).map((record) => record.dynamodb?.SequenceNumber ?? ''));
      iterator = output.NextShardIterator;
    }
    assert.deepEqual(read, sequences);
    assert.ok(iterator !== undefined);
    const empty = await server.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    assert.deepEqual(empty.Records, []);
    assert.ok(empty.NextShardIterator !== undefined);
  });

  it('GetRecords returns the record fields', async () => {
    const iterator = await iteratorOf(server, streamArn, 'TRIM_HORIZON');
    const output = await server.streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }),
    );
    const record = output.Records?.[0];
    assert.equal(record?.eventName, 'INSERT');
    assert.equal(record.eventSource, 'aws:dynamodb');
    assert.deepEqual(record.dynamodb?.Keys, { pk: { S: 'k0' } });
    assert.deepEqual(record.dynamodb?.NewImage, { pk: { S: 'k0' } });
    assert.equal(record.dynamodb?.ApproximateCreationDateTime?.getTime(), server.clock.nowMs);
    assert.equal((record as Record<string, unknown>).eventSourceARN, undefined);
  });

  it('LATEST reads only later records', async () => {
    const iterator = await iteratorOf(server, streamArn, 'LATEST');
    const before = await server.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    assert.deepEqual(before.Records, []);
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'api', Item: { pk: { S: 'late' } } }),
    );
    const after = await server.streams.send(
      new GetRecordsCommand({ ShardIterator: before.NextShardIterator }),
    );
    assert.deepEqual(
      after.Records?.map((record) => record.dynamodb?.Keys),
      [{ pk: { S: 'late' } }],
    );
  });

  it('AT and AFTER_SEQUENCE_NUMBER position the iterator', async () => {
    const at = await iteratorOf(server, streamArn, 'AT_SEQUENCE_NUMBER', sequences[2]);
    const atOutput = await server.streams.send(
      new GetRecordsCommand({ ShardIterator: at, Limit: 1 }),
    );
    assert.equal(atOutput.Records?.[0]?.dynamodb?.SequenceNumber, sequences[2]);
    const afterIterator = await iteratorOf(
      server,
      streamArn,
      'AFTER_SEQUENCE_NUMBER',
      sequences[2],
    );
    const afterOutput = await server.streams.send(
      new GetRecordsCommand({ ShardIterator: afterIterator, Limit: 1 }),
    );
    assert.equal(afterOutput.Records?.[0]?.dynamodb?.SequenceNumber, sequences[3]);
  });

  it('expired iterator is rejected', async () => {
    const iterator = await iteratorOf(server, streamArn, 'TRIM_HORIZON');
    server.clock.nowMs += 15 * 60 * 1000 + 1;
    try {
      await assert.rejects(
        server.streams.send(new GetRecordsCommand({ ShardIterator: iterator })),
        {
          name: 'ExpiredIteratorException',
        },
      );
    } finally {
      server.clock.nowMs -= 15 * 60 * 1000 + 1;
    }
  });

  it('unknown stream and bad iterator are rejected', async () => {
    await assert.rejects(
      server.streams.send(new DescribeStreamCommand({ StreamArn: `${streamArn.slice(0, -3)}999` })),
      { name: 'ResourceNotFoundException' },
    );
    await assert.rejects(
      server.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: 'shardId-00000000000000000000-00000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      ),
      { name: 'ResourceNotFoundException' },
    );
    await assert.rejects(
      server.streams.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })),
      { name: 'ValidationException' },
    );
  });
});

describe('DynamoDB stream lifecycle and retention', () => {
  let server: StreamsServer;

  before(async () => {
    server = await startStreamsServer();
  });
  after(() => server.close());

  it('disabling closes the stream, enabling makes a new one', async () => {
    const first = await createStreamTable(server, 'toggled', 'KEYS_ONLY');
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'toggled', Item: { pk: { S: 'a' } } }),
    );
    await server.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'toggled',
        StreamSpecification: { StreamEnabled: false },
      }),
    );
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'toggled', Item: { pk: { S: 'b' } } }),
    );

    const closed = await server.streams.send(new DescribeStreamCommand({ StreamArn: first }));
    assert.equal(closed.StreamDescription?.StreamStatus, 'DISABLED');
    const range = closed.StreamDescription?.Shards?.[0]?.SequenceNumberRange;
    assert.ok(range?.EndingSequenceNumber !== undefined);
    assert.equal(range.EndingSequenceNumber, range.StartingSequenceNumber);
    assert.equal(server.service.streams.streamArnOf('toggled'), undefined);

    const iterator = await iteratorOf(server, first, 'TRIM_HORIZON');
    const output = await server.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    assert.equal(output.Records?.length, 1);
    assert.equal(output.NextShardIterator, undefined);

    server.clock.nowMs += 1000;
    const enabled = await server.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'toggled',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const second = enabled.TableDescription?.LatestStreamArn;
    assert.ok(second !== undefined);
    assert.notEqual(second, first);
    assert.equal(server.service.streams.streamArnOf('toggled'), second);
    const listed = await server.streams.send(new ListStreamsCommand({ TableName: 'toggled' }));
    assert.deepEqual(
      listed.Streams?.map((stream) => stream.StreamArn),
      [first, second],
    );
  });

  it('deleting the table disables its stream', async () => {
    const streamArn = await createStreamTable(server, 'deleted', 'KEYS_ONLY');
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'deleted', Item: { pk: { S: 'a' } } }),
    );
    await server.dynamodb.send(new DeleteTableCommand({ TableName: 'deleted' }));
    const output = await server.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    assert.equal(output.StreamDescription?.StreamStatus, 'DISABLED');
    assert.equal(readAll(server, streamArn).length, 1);
  });

  it('sweep removes records older than 24 hours', async () => {
    const streamArn = await createStreamTable(server, 'retained', 'KEYS_ONLY');
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'retained', Item: { pk: { S: 'old' } } }),
    );
    const [old] = readAll(server, streamArn);
    assert.ok(old !== undefined);
    const oldIterator = await iteratorOf(
      server,
      streamArn,
      'AT_SEQUENCE_NUMBER',
      old.dynamodb.SequenceNumber,
    );

    server.clock.nowMs += 23 * 60 * 60 * 1000;
    await server.dynamodb.send(
      new PutItemCommand({ TableName: 'retained', Item: { pk: { S: 'new' } } }),
    );
    server.clock.nowMs += 2 * 60 * 60 * 1000;
    assert.deepEqual(
      readAll(server, streamArn).map((record) => record.dynamodb.Keys),
      [{ pk: { S: 'new' } }],
    );
    assert.ok(server.service.streams.sweep() >= 1);
    assert.equal(readAll(server, streamArn).length, 1);

    await assert.rejects(
      server.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: await onlyShardId(server, streamArn),
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: old.dynamodb.SequenceNumber,
        }),
      ),
      { name: 'TrimmedDataAccessException' },
    );
    await assert.rejects(
      server.streams.send(new GetRecordsCommand({ ShardIterator: oldIterator })),
      {
        name: 'ExpiredIteratorException',
      },
    );
    const horizon = await iteratorOf(server, streamArn, 'TRIM_HORIZON');
    const output = await server.streams.send(new GetRecordsCommand({ ShardIterator: horizon }));
    assert.deepEqual(
      output.Records?.map((record) => record.dynamodb?.Keys),
      [{ pk: { S: 'new' } }],
    );
  });

  it('sweep removes streams disabled 24 hours ago', async () => {
    const streamArn = await createStreamTable(server, 'forgotten', 'KEYS_ONLY');
    await server.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'forgotten',
        StreamSpecification: { StreamEnabled: false },
      }),
    );
    server.clock.nowMs += 25 * 60 * 60 * 1000;
    server.service.streams.sweep();
    await rejectsWith(
      server.streams.send(new DescribeStreamCommand({ StreamArn: streamArn })),
      'ResourceNotFoundException',
      `Requested resource not found: Stream: ${streamArn} not found`,
    );
  });
});

describe('DynamoDB Streams on the platform endpoint', () => {
  it('serves the Streams API beside DynamoDB', async () => {
    const running = await startDynamoDB();
    const { DynamoDBStreamsClient } = await import('@aws-sdk/client-dynamodb-streams');
    const streams = new DynamoDBStreamsClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
      maxAttempts: 1,
    });
    try {
      const created = await running.dynamodb.send(
        new CreateTableCommand({
          TableName: 'endpoint',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
      const listed = await streams.send(new ListStreamsCommand({}));
      assert.deepEqual(
        listed.Streams?.map((stream) => stream.StreamArn),
        [created.TableDescription?.LatestStreamArn],
      );
    } finally {
      streams.destroy();
      await running.close();
    }
  });
});
