import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';

import type { ItemChange } from '../src/services/dynamodb/item-writer.js';
import {
  createTable,
  rejectsWith,
  startDynamoDB,
  type RunningDynamoDB,
} from './dynamodb-helpers.js';

function putRequests(
  count: number,
  prefix: string,
): { PutRequest: { Item: Record<string, { S: string }> } }[] {
  return Array.from({ length: count }, (_, i) => ({
    PutRequest: { Item: { pk: { S: `${prefix}${i}` } } },
  }));
}

describe('DynamoDB batches, transactions and TTL through the SDK', () => {
  let running: RunningDynamoDB;

  before(async () => {
    running = await startDynamoDB();
    await createTable(running.dynamodb, 'orders');
    await createTable(running.dynamodb, 'stock');
  });
  after(() => running.close());

  async function count(tableName: string): Promise<number> {
    return (
      (await running.dynamodb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' })))
        .Count ?? -1
    );
  }

  it('writes and reads batches over two tables', async () => {
    const written = await running.dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { orders: putRequests(20, 'o'), stock: putRequests(5, 's') },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(written.UnprocessedItems, {});
    assert.equal(written.ConsumedCapacity?.length, 2);
    const read = await running.dynamodb.send(
      new BatchGetItemCommand({
        RequestItems: {
          orders: { Keys: [{ pk: { S: 'o1' } }, { pk: { S: 'o19' } }, { pk: { S: 'none' } }] },
          stock: { Keys: [{ pk: { S: 's4' } }], ProjectionExpression: 'pk' },
        },
      }),
    );
    assert.equal(read.Responses?.orders?.length, 2);
    assert.deepEqual(read.Responses?.stock, [{ pk: { S: 's4' } }]);
    assert.deepEqual(read.UnprocessedKeys, {});
    await running.dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { stock: [{ DeleteRequest: { Key: { pk: { S: 's4' } } } }] },
      }),
    );
    assert.equal(await count('stock'), 4);
  });

  it('rejects 26 writes and duplicate keys without writing', async () => {
    const before = await count('orders');
    await rejectsWith(
      running.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { orders: putRequests(26, 'x') } }),
      ),
      'ValidationException',
      "1 validation error detected: Value at 'requestItems.orders.member' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
    );
    await rejectsWith(
      running.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: { orders: [...putRequests(2, 'd'), ...putRequests(1, 'd')] },
        }),
      ),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    await rejectsWith(
      running.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: { orders: { Keys: [{ pk: { S: 'o1' } }, { pk: { S: 'o1' } }] } },
        }),
      ),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    assert.equal(await count('orders'), before);
  });

  it('commits a transaction of every action kind', async () => {
    await running.documents.send(
      new PutCommand({ TableName: 'stock', Item: { pk: 'widget', quantity: 5 } }),
    );
    await running.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: 'orders',
              Item: { pk: { S: 'order-1' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: 'stock',
              Key: { pk: { S: 'widget' } },
              UpdateExpression: 'SET quantity = quantity - :one',
              ConditionExpression: 'quantity >= :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          { Delete: { TableName: 'orders', Key: { pk: { S: 'o0' } } } },
          {
            ConditionCheck: {
              TableName: 'stock',
              Key: { pk: { S: 's0' } },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );
    const widget = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'stock', Key: { pk: { S: 'widget' } } }),
    );
    assert.equal(widget.Item?.quantity?.N, '4');
    const got = await running.dynamodb.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: 'orders', Key: { pk: { S: 'order-1' } } } },
          { Get: { TableName: 'orders', Key: { pk: { S: 'o0' } } } },
        ],
      }),
    );
    assert.deepEqual(got.Responses, [{ Item: { pk: { S: 'order-1' } } }, {}]);
  });

  it('cancels a transaction with reasons in order', async () => {
    const changes: ItemChange[] = [];
    const unsubscribe = running.platform.dynamodb.addWriteListener((change) =>
      changes.push(change),
    );
    try {
      await assert.rejects(
        running.dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: 'orders', Item: { pk: { S: 'order-2' } } } },
              {
                Update: {
                  TableName: 'stock',
                  Key: { pk: { S: 'widget' } },
                  UpdateExpression: 'SET quantity = quantity - :many',
                  ConditionExpression: 'quantity >= :many',
                  ExpressionAttributeValues: { ':many': { N: '100' } },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        ),
        (error: Error & { CancellationReasons?: { Code?: string; Item?: unknown }[] }) => {
          assert.equal(error.name, 'TransactionCanceledException');
          assert.equal(
            error.message,
            'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
          );
          assert.deepEqual(
            error.CancellationReasons?.map((reason) => reason.Code),
            ['None', 'ConditionalCheckFailed'],
          );
          assert.deepEqual(error.CancellationReasons?.[1]?.Item, {
            pk: { S: 'widget' },
            quantity: { N: '4' },
          });
          return true;
        },
      );
    } finally {
      unsubscribe();
    }
    const order = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'order-2' } } }),
    );
    assert.equal(order.Item, undefined);
    assert.deepEqual(changes, []);
  });

  it('rejects invalid transactions without writing', async () => {
    const puts = (count: number): TransactWriteItem[] =>
      Array.from({ length: count }, (_, i) => ({
        Put: { TableName: 'orders', Item: { pk: { S: `t${i}` } } },
      }));
    await rejectsWith(
      running.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: puts(101) })),
      'ValidationException',
      "1 validation error detected: Value '[101 items]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
    await rejectsWith(
      running.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            ...puts(1),
            { Delete: { TableName: 'orders', Key: { pk: { S: 't0' } } } },
          ],
        }),
      ),
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    );
    const item = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 't0' } } }),
    );
    assert.equal(item.Item, undefined);
  });

  it('expires items through the TTL sweep', async () => {
    await createTable(running.dynamodb, 'sessions');
    const nowS = Math.floor(Date.now() / 1000);
    await running.documents.send(
      new PutCommand({ TableName: 'sessions', Item: { pk: 'old', expiresAt: nowS - 10 } }),
    );
    await running.documents.send(
      new PutCommand({ TableName: 'sessions', Item: { pk: 'new', expiresAt: nowS + 3600 } }),
    );
    await running.documents.send(
      new PutCommand({ TableName: 'sessions', Item: { pk: 'text', expiresAt: 'soon' } }),
    );
    await running.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'sessions',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    const described = await running.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: 'sessions' }),
    );
    assert.deepEqual(described.TimeToLiveDescription, {
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    await running.documents.send(
      new PutCommand({ TableName: 'sessions', Item: { pk: 'later', expiresAt: nowS - 5 } }),
    );

    const changes: ItemChange[] = [];
    const unsubscribe = running.platform.dynamodb.addWriteListener((change) =>
      changes.push(change),
    );
    try {
      assert.equal(running.platform.dynamodb.sweepExpiredItems(), 2);
    } finally {
      unsubscribe();
    }
    assert.deepEqual(
      changes.map((change) => [change.eventName, change.byService]),
      [
        ['REMOVE', true],
        ['REMOVE', true],
      ],
    );
    assert.equal(await count('sessions'), 2);
    await rejectsWith(
      running.dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: 'sessions',
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
        }),
      ),
      'ValidationException',
      'TimeToLive is already enabled',
    );
  });
});
