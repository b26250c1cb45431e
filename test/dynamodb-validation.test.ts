import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type KeysAndAttributes,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import Database from 'better-sqlite3';

import { Platform } from '../src/platform.js';
import {
  createTable,
  rejectsWith,
  startDynamoDB,
  type RunningDynamoDB,
} from './dynamodb-helpers.js';
import { CLIENT_OPTIONS } from './helpers.js';

function client(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, ...CLIENT_OPTIONS });
}

/** Builds a transaction that adds `by` to `counter` of item `pk`, with an optional token. */
function increment(
  tableName: string,
  pk: string,
  token: string | undefined,
  by = '1',
): TransactWriteItemsCommandInput {
  return {
    ClientRequestToken: token,
    TransactItems: [
      {
        Update: {
          TableName: tableName,
          Key: { pk: { S: pk } },
          UpdateExpression: 'ADD #c :n',
          ExpressionAttributeNames: { '#c': 'counter' },
          ExpressionAttributeValues: { ':n': { N: by } },
        },
      },
    ],
  };
}

async function counterOf(dynamodb: DynamoDBClient, tableName: string, pk: string): Promise<string> {
  const read = await dynamodb.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return read.Item?.counter?.N ?? 'missing';
}

describe('DynamoDB expression validation through the SDK', () => {
  let running: RunningDynamoDB;

  before(async () => {
    running = await startDynamoDB();
    await createTable(running.dynamodb, 'people');
    await createTable(running.dynamodb, 'events', { name: 'date', type: 'S' });
    await running.dynamodb.send(
      new PutItemCommand({
        TableName: 'people',
        Item: {
          pk: { S: 'p1' },
          name: { S: 'Ada' },
          a: { N: '5' },
          scores: { L: [{ N: '1' }] },
          info: { M: { name: { S: 'inner' } } },
        },
      }),
    );
  });
  after(() => running.close());

  it('rejects reserved word in ProjectionExpression', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new GetItemCommand({
          TableName: 'people',
          Key: { pk: { S: 'p1' } },
          ProjectionExpression: 'pk, name',
        }),
      ),
      'ValidationException',
      'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name',
    );
  });

  it('reports reserved word as written', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new PutItemCommand({
          TableName: 'people',
          Item: { pk: { S: 'p2' } },
          ConditionExpression: 'attribute_not_exists(Status)',
        }),
      ),
      'ValidationException',
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Status',
    );
    const read = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'people', Key: { pk: { S: 'p2' } } }),
    );
    assert.equal(read.Item, undefined);
  });

  it('rejects reserved word in FilterExpression', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new ScanCommand({
          TableName: 'people',
          FilterExpression: 'a > :n AND COUNT = :n',
          ExpressionAttributeValues: { ':n': { N: '1' } },
        }),
      ),
      'ValidationException',
      'Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: COUNT',
    );
  });

  it('rejects reserved word in KeyConditionExpression', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new QueryCommand({
          TableName: 'events',
          KeyConditionExpression: 'pk = :p AND date > :d',
          ExpressionAttributeValues: { ':p': { S: 'x' }, ':d': { S: '2024' } },
        }),
      ),
      'ValidationException',
      'Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: date',
    );
  });

  it('rejects reserved word in UpdateExpression', async () => {
    const cases: [string, string][] = [
      ['SET info.name = :v', 'name'],
      ['SET a = :v REMOVE ttl', 'ttl'],
      ['SET #x = :v, Value = :v', 'Value'],
    ];
    for (const [expression, word] of cases) {
      await rejectsWith(
        running.dynamodb.send(
          new UpdateItemCommand({
            TableName: 'people',
            Key: { pk: { S: 'p1' } },
            UpdateExpression: expression,
            ExpressionAttributeValues: { ':v': { S: 'changed' } },
            ...(expression.includes('#x') ? { ExpressionAttributeNames: { '#x': 'x' } } : {}),
          }),
        ),
        'ValidationException',
        `Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: ${word}`,
      );
    }
    const read = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'people', Key: { pk: { S: 'p1' } } }),
    );
    assert.deepEqual(read.Item?.info, { M: { name: { S: 'inner' } } });
  });

  it('reports unknown function before reserved word', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new ScanCommand({ TableName: 'people', FilterExpression: 'name = a AND lower(a)' }),
      ),
      'ValidationException',
      'Invalid FilterExpression: Invalid function name; function: lower',
    );
  });

  it('accepts reserved word through placeholder', async () => {
    await running.dynamodb.send(
      new UpdateItemCommand({
        TableName: 'people',
        Key: { pk: { S: 'p1' } },
        UpdateExpression: 'SET #n = :v, info.#n = :v',
        ConditionExpression: '#n = :old AND nameLength <> :old',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':v': { S: 'Grace' }, ':old': { S: 'Ada' } },
      }),
    );
    const read = await running.dynamodb.send(
      new GetItemCommand({
        TableName: 'people',
        Key: { pk: { S: 'p1' } },
        ProjectionExpression: '#n, info',
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    );
    assert.equal(read.Item?.name?.S, 'Grace');
    assert.equal(read.Item?.info?.M?.name?.S, 'Grace');
  });

  it('rejects ordering comparison with set value', async () => {
    const cases: [string, Record<string, AttributeValue>, string][] = [
      ['a < :v', { ':v': { SS: ['x'] } }, '<, operand type: SS'],
      [':v >= a', { ':v': { L: [] } }, '>=, operand type: L'],
      ['a > :v', { ':v': { BOOL: true } }, '>, operand type: BOOL'],
      ['a <= :v', { ':v': { NULL: true } }, '<=, operand type: NULL'],
      ['a BETWEEN :v AND :w', { ':v': { M: {} }, ':w': { N: '1' } }, 'BETWEEN, operand type: M'],
    ];
    for (const [expression, values, detail] of cases) {
      await rejectsWith(
        running.dynamodb.send(
          new PutItemCommand({
            TableName: 'people',
            Item: { pk: { S: 'typed' } },
            ConditionExpression: expression,
            ExpressionAttributeValues: values,
          }),
        ),
        'ValidationException',
        `Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: ${detail}`,
      );
    }
  });

  it('rejects BETWEEN bounds of two types', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new ScanCommand({
          TableName: 'people',
          FilterExpression: 'a BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':low': { N: '1' }, ':high': { S: 'a' } },
        }),
      ),
      'ValidationException',
      'Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}',
    );
  });

  it('rejects BETWEEN bounds out of order', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new ScanCommand({
          TableName: 'people',
          FilterExpression: 'a BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':low': { S: 'b' }, ':high': { S: 'a' } },
        }),
      ),
      'ValidationException',
      'Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}',
    );
  });

  it('rejects function operands of wrong type', async () => {
    const cases: [string, Record<string, AttributeValue>, string][] = [
      ['size(:v) > a', { ':v': { N: '1' } }, 'size, operand type: N'],
      ['size(:v) > a', { ':v': { BOOL: true } }, 'size, operand type: BOOL'],
      ['size(size(a)) > :v', { ':v': { N: '1' } }, 'size, operand type: N'],
      ['begins_with(a, :v)', { ':v': { N: '1' } }, 'begins_with, operand type: N'],
      ['begins_with(a, :v)', { ':v': { SS: ['x'] } }, 'begins_with, operand type: SS'],
      ['begins_with(a, size(a)) AND a = :v', { ':v': { N: '1' } }, 'begins_with, operand type: N'],
      ['attribute_type(a, :v)', { ':v': { N: '1' } }, 'attribute_type, operand type: N'],
    ];
    for (const [expression, values, detail] of cases) {
      await rejectsWith(
        running.dynamodb.send(
          new ScanCommand({
            TableName: 'people',
            FilterExpression: expression,
            ExpressionAttributeValues: values,
          }),
        ),
        'ValidationException',
        `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: ${detail}`,
      );
    }
  });

  it('rejects unknown attribute type name', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new ScanCommand({
          TableName: 'people',
          FilterExpression: 'attribute_type(a, :t)',
          ExpressionAttributeValues: { ':t': { S: 'STRING' } },
        }),
      ),
      'ValidationException',
      'Invalid FilterExpression: Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}',
    );
  });

  it('evaluates size of a value', async () => {
    const scanned = await running.dynamodb.send(
      new ScanCommand({
        TableName: 'people',
        FilterExpression: 'size(:s) = :three AND pk = :pk',
        ExpressionAttributeValues: {
          ':s': { S: 'abc' },
          ':three': { N: '3' },
          ':pk': { S: 'p1' },
        },
      }),
    );
    assert.equal(scanned.Count, 1);
  });

  it('treats attribute of wrong type as false', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new PutItemCommand({
          TableName: 'people',
          Item: { pk: { S: 'p1' } },
          ConditionExpression: 'scores < :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
  });
});

describe('DynamoDB TransactWriteItems tokens through the SDK', () => {
  let running: RunningDynamoDB;

  before(async () => {
    running = await startDynamoDB();
    await createTable(running.dynamodb, 'counters');
  });
  after(() => running.close());

  it('applies a repeated token once', async () => {
    const first = await running.dynamodb.send(
      new TransactWriteItemsCommand({
        ...increment('counters', 'once', 'token-once'),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(first.ConsumedCapacity?.[0]?.CapacityUnits, 2);
    const again = await running.dynamodb.send(
      new TransactWriteItemsCommand({
        ...increment('counters', 'once', 'token-once'),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(again.ConsumedCapacity?.[0]?.CapacityUnits, 1);
    assert.equal(await counterOf(running.dynamodb, 'counters', 'once'), '1');
  });

  it('rejects a token reused for another request', async () => {
    await running.dynamodb.send(
      new TransactWriteItemsCommand(increment('counters', 'mismatch', 'token-mismatch')),
    );
    await assert.rejects(
      running.dynamodb.send(
        new TransactWriteItemsCommand(increment('counters', 'mismatch', 'token-mismatch', '5')),
      ),
      (error: Error) => {
        assert.equal(error.name, 'IdempotentParameterMismatchException');
        return true;
      },
    );
    assert.equal(await counterOf(running.dynamodb, 'counters', 'mismatch'), '1');
  });

  it('applies every request without token', async () => {
    const input = increment('counters', 'untokened', undefined);
    await running.dynamodb.send(new TransactWriteItemsCommand(input));
    await running.dynamodb.send(new TransactWriteItemsCommand(input));
    assert.equal(await counterOf(running.dynamodb, 'counters', 'untokened'), '2');
  });

  it('keeps no token of a cancelled transaction', async () => {
    const input = increment('counters', 'cancelled', 'token-cancelled');
    const conditional: TransactWriteItemsCommandInput = {
      ...input,
      TransactItems: [
        {
          Update: {
            ...input.TransactItems?.[0]?.Update,
            ConditionExpression: 'attribute_exists(pk)',
          } as NonNullable<
            NonNullable<TransactWriteItemsCommandInput['TransactItems']>[0]['Update']
          >,
        },
      ],
    };
    await assert.rejects(running.dynamodb.send(new TransactWriteItemsCommand(conditional)), {
      name: 'TransactionCanceledException',
    });
    await running.dynamodb.send(new TransactWriteItemsCommand(input));
    assert.equal(await counterOf(running.dynamodb, 'counters', 'cancelled'), '1');
  });

  it('checks token length', async () => {
    const long = 'x'.repeat(37);
    await rejectsWith(
      running.dynamodb.send(new TransactWriteItemsCommand(increment('counters', 'long', long))),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`,
    );
    await running.dynamodb.send(
      new TransactWriteItemsCommand(increment('counters', 'long', 'y'.repeat(36))),
    );
    assert.equal(await counterOf(running.dynamodb, 'counters', 'long'), '1');
  });
});

describe('DynamoDB TransactWriteItems tokens across restarts', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-tokens-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function withPlatform(work: (dynamodb: DynamoDBClient) => Promise<void>): Promise<void> {
    const platform = await Platform.start({ dataDir, functions: [], spares: false });
    const dynamodb = client(await platform.listen(0, '127.0.0.1'));
    try {
      await work(dynamodb);
    } finally {
      dynamodb.destroy();
      await platform.close();
    }
  }

  it('keeps tokens for 10 minutes', async () => {
    await withPlatform(async (dynamodb) => {
      await createTable(dynamodb, 'counters');
      await dynamodb.send(new TransactWriteItemsCommand(increment('counters', 'kept', 'kept')));
    });

    await withPlatform(async (dynamodb) => {
      await dynamodb.send(new TransactWriteItemsCommand(increment('counters', 'kept', 'kept')));
      assert.equal(await counterOf(dynamodb, 'counters', 'kept'), '1');
      await assert.rejects(
        dynamodb.send(new TransactWriteItemsCommand(increment('counters', 'kept', 'kept', '2'))),
        { name: 'IdempotentParameterMismatchException' },
      );
    });

    // Age the stored token past the 10-minute window while the platform is stopped.
    const db = new Database(path.join(dataDir, 'state.db'));
    const aged = db
      .prepare(
        'UPDATE dynamodb_transaction_tokens SET completed_at_ms = completed_at_ms - 600001 WHERE token = ?',
      )
      .run('kept').changes;
    db.close();
    assert.equal(aged, 1);

    await withPlatform(async (dynamodb) => {
      await dynamodb.send(
        new TransactWriteItemsCommand(increment('counters', 'kept', 'kept', '2')),
      );
      assert.equal(await counterOf(dynamodb, 'counters', 'kept'), '3');
    });
  });
});

describe('DynamoDB BatchGetItem limits through the SDK', () => {
  let running: RunningDynamoDB;
  const payload = 'p'.repeat(350 * 1024);
  const count = 100;

  before(async () => {
    running = await startDynamoDB();
    await createTable(running.dynamodb, 'blobs');
    await createTable(running.dynamodb, 'other');
    for (let start = 0; start < count; start += 25) {
      const requests = Array.from({ length: 25 }, (_, i) => ({
        PutRequest: {
          Item: {
            pk: { S: `item${start + i}` },
            data: { S: payload },
            n: { N: String(start + i) },
          },
        },
      }));
      const written = await running.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { blobs: requests } }),
      );
      assert.deepEqual(written.UnprocessedItems, {});
    }
  });
  after(() => running.close());

  it('rejects more than 100 keys', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => ({ pk: { S: `item${i}` } }));
    await rejectsWith(
      running.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: { blobs: { Keys: keys }, other: { Keys: [{ pk: { S: 'x' } }] } },
        }),
      ),
      'ValidationException',
      'Too many items requested for the BatchGetItem call',
    );
  });

  it('returns the rest past 16 MB', async () => {
    let request: Record<string, KeysAndAttributes> = {
      blobs: {
        Keys: Array.from({ length: count }, (_, i) => ({ pk: { S: `item${i}` } })),
        ProjectionExpression: 'pk, #d',
        ExpressionAttributeNames: { '#d': 'data' },
        ConsistentRead: true,
      },
    };
    const seen = new Set<string>();
    const pages: number[] = [];
    while (Object.keys(request).length > 0) {
      const response = await running.dynamodb.send(
        new BatchGetItemCommand({ RequestItems: request }),
      );
      const items = response.Responses?.blobs ?? [];
      pages.push(items.length);
      for (const item of items) {
        assert.equal(item.data?.S?.length, payload.length);
        assert.equal(item.n, undefined);
        seen.add(item.pk?.S ?? '');
      }
      const left = response.UnprocessedKeys ?? {};
      if (left.blobs !== undefined) {
        assert.equal(left.blobs.ProjectionExpression, 'pk, #d');
        assert.deepEqual(left.blobs.ExpressionAttributeNames, { '#d': 'data' });
        assert.equal(left.blobs.ConsistentRead, true);
      }
      request = left;
      assert.ok(pages.length <= count, 'UnprocessedKeys never empties');
    }
    assert.ok(pages.length >= 3, `expected at least 3 pages, got ${pages.join(', ')}`);
    assert.ok((pages[0] ?? 0) < count);
    assert.equal(seen.size, count);
  });
});
