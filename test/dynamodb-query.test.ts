import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  QueryCommand as DocumentQuery,
  ScanCommand as DocumentScan,
} from '@aws-sdk/lib-dynamodb';

import {
  createTable,
  rejectsWith,
  startDynamoDB,
  type RunningDynamoDB,
} from './dynamodb-helpers.js';

describe('DynamoDB Query and Scan through the SDK', () => {
  let running: RunningDynamoDB;

  before(async () => {
    running = await startDynamoDB();
    await createTable(
      running.dynamodb,
      'numbers',
      { name: 'n', type: 'N' },
      {
        AttributeDefinitions: [
          { AttributeName: 'color', AttributeType: 'S' },
          { AttributeName: 'rank', AttributeType: 'N' },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byRank',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'rank', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byColor',
            KeySchema: [{ AttributeName: 'color', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['label'] },
          },
        ],
      },
    );
    await createTable(running.dynamodb, 'words', { name: 'w', type: 'S' });
    const numbers = ['-10', '-2.5', '-1', '0', '0.001', '1', '2', '10', '100', '1e3'];
    for (const [i, n] of numbers.entries()) {
      const item: Record<string, unknown> = {
        pk: 'p',
        n: Number(n),
        rank: 100 - i,
        label: `item ${i}`,
        extra: 'x',
      };
      if (i % 2 === 0) item.color = i % 4 === 0 ? 'red' : 'blue';
      await running.documents.send(
        new BatchWriteCommand({ RequestItems: { numbers: [{ PutRequest: { Item: item } }] } }),
      );
    }
    await running.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          words: ['apple', 'apricot', 'banana', 'Zebra', 'äpfel', 'ab'].map((w) => ({
            PutRequest: { Item: { pk: 'p', w } },
          })),
        },
      }),
    );
  });
  after(() => running.close());

  const numbersOf = (items: Record<string, unknown>[] | undefined): unknown[] =>
    (items ?? []).map((item) => item.n);

  it('sorts number range keys numerically', async () => {
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'p' },
      }),
    );
    assert.deepEqual(numbersOf(result.Items), [-10, -2.5, -1, 0, 0.001, 1, 2, 10, 100, 1000]);
    const backward = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'p' },
        ScanIndexForward: false,
        Limit: 3,
      }),
    );
    assert.deepEqual(numbersOf(backward.Items), [1000, 100, 10]);
  });

  it('sorts string range keys by bytes', async () => {
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'words',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'p' },
      }),
    );
    assert.deepEqual(
      (result.Items ?? []).map((item): unknown => item.w),
      ['Zebra', 'ab', 'apple', 'apricot', 'banana', 'äpfel'],
    );
    const prefixed = await running.documents.send(
      new DocumentQuery({
        TableName: 'words',
        KeyConditionExpression: 'pk = :p AND begins_with(w, :a)',
        ExpressionAttributeValues: { ':p': 'p', ':a': 'ap' },
      }),
    );
    assert.deepEqual(
      (prefixed.Items ?? []).map((item): unknown => item.w),
      ['apple', 'apricot'],
    );
  });

  it('applies each range key condition', async () => {
    const cases: [string, Record<string, unknown>, number[]][] = [
      ['n = :a', { ':a': 0 }, [0]],
      ['n < :a', { ':a': -1 }, [-10, -2.5]],
      ['n <= :a', { ':a': -1 }, [-10, -2.5, -1]],
      ['n > :a', { ':a': 10 }, [100, 1000]],
      ['n >= :a', { ':a': 10 }, [10, 100, 1000]],
      ['n BETWEEN :a AND :b', { ':a': -1, ':b': 1 }, [-1, 0, 0.001, 1]],
    ];
    for (const [condition, values, expected] of cases) {
      const result = await running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          KeyConditionExpression: `pk = :p AND ${condition}`,
          ExpressionAttributeValues: { ':p': 'p', ...values },
        }),
      );
      assert.deepEqual(numbersOf(result.Items), expected, condition);
    }
  });

  it('pages with Limit and ExclusiveStartKey', async () => {
    const seen: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': 'p' },
          Limit: 4,
          ExclusiveStartKey: start,
        }),
      );
      seen.push(...numbersOf(page.Items));
      start = page.LastEvaluatedKey;
      pages += 1;
    } while (start !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [-10, -2.5, -1, 0, 0.001, 1, 2, 10, 100, 1000]);
  });

  it('filters after Limit and counts', async () => {
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        KeyConditionExpression: 'pk = :p',
        FilterExpression: '#r < :r',
        ExpressionAttributeNames: { '#r': 'rank' },
        ExpressionAttributeValues: { ':p': 'p', ':r': 97 },
        Limit: 6,
      }),
    );
    assert.equal(result.Count, 2);
    assert.equal(result.ScannedCount, 6);
    assert.deepEqual(numbersOf(result.Items), [0.001, 1]);
    assert.deepEqual(result.LastEvaluatedKey, { pk: 'p', n: 1 });
    const counted = await running.dynamodb.send(
      new QueryCommand({
        TableName: 'numbers',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'p' } },
        Select: 'COUNT',
      }),
    );
    assert.equal(counted.Count, 10);
    assert.equal(counted.Items, undefined);
  });

  it('queries a local index with its projection', async () => {
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        IndexName: 'byRank',
        KeyConditionExpression: 'pk = :p AND #r > :r',
        ExpressionAttributeNames: { '#r': 'rank' },
        ExpressionAttributeValues: { ':p': 'p', ':r': 97 },
      }),
    );
    assert.deepEqual(result.Items, [
      { pk: 'p', n: -1, rank: 98 },
      { pk: 'p', n: -2.5, rank: 99 },
      { pk: 'p', n: -10, rank: 100 },
    ]);
    const all = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        IndexName: 'byRank',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'p' },
        Select: 'ALL_ATTRIBUTES',
        Limit: 1,
      }),
    );
    assert.equal(all.Items?.[0]?.extra, 'x');
    assert.deepEqual(all.LastEvaluatedKey, { pk: 'p', n: 1000, rank: 91 });
  });

  it('queries a sparse global index', async () => {
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        IndexName: 'byColor',
        KeyConditionExpression: 'color = :c',
        ExpressionAttributeValues: { ':c': 'red' },
      }),
    );
    assert.deepEqual(numbersOf(result.Items).sort(), [-10, 0.001, 100].sort());
    assert.deepEqual(Object.keys(result.Items?.[0] ?? {}).sort(), ['color', 'label', 'n', 'pk']);
    await rejectsWith(
      running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          IndexName: 'byColor',
          KeyConditionExpression: 'color = :c',
          ExpressionAttributeValues: { ':c': 'red' },
          ConsistentRead: true,
        }),
      ),
      'ValidationException',
      'Consistent reads are not supported on global secondary indexes',
    );
  });

  it('keeps indexes current on writes', async () => {
    await running.documents.send(
      new BatchWriteCommand({
        RequestItems: { numbers: [{ PutRequest: { Item: { pk: 'q', n: 1, color: 'green' } } }] },
      }),
    );
    const query = (color: string): Promise<{ Count?: number }> =>
      running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          IndexName: 'byColor',
          KeyConditionExpression: 'color = :c',
          ExpressionAttributeValues: { ':c': color },
        }),
      );
    assert.equal((await query('green')).Count, 1);
    await running.dynamodb.send(
      new PutItemCommand({
        TableName: 'numbers',
        Item: { pk: { S: 'q' }, n: { N: '1' }, color: { S: 'teal' } },
      }),
    );
    assert.equal((await query('green')).Count, 0);
    assert.equal((await query('teal')).Count, 1);
  });

  it('creates and deletes a global index on a full table', async () => {
    const created = await running.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'numbers',
        AttributeDefinitions: [{ AttributeName: 'label', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: 'byLabel',
              KeySchema: [{ AttributeName: 'label', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
    const index = created.TableDescription?.GlobalSecondaryIndexes?.find(
      (item) => item.IndexName === 'byLabel',
    );
    assert.equal(index?.ItemCount, 10);
    const result = await running.documents.send(
      new DocumentQuery({
        TableName: 'numbers',
        IndexName: 'byLabel',
        KeyConditionExpression: 'label = :l',
        ExpressionAttributeValues: { ':l': 'item 3' },
      }),
    );
    assert.deepEqual(numbersOf(result.Items), [0]);
    await running.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'numbers',
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'byLabel' } }],
      }),
    );
    await rejectsWith(
      running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          IndexName: 'byLabel',
          KeyConditionExpression: 'label = :l',
          ExpressionAttributeValues: { ':l': 'item 3' },
        }),
      ),
      'ValidationException',
      'The table does not have the specified index: byLabel',
    );
  });

  it('rejects bad key conditions', async () => {
    const query = (expression: string, values: Record<string, unknown>): Promise<unknown> =>
      running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          KeyConditionExpression: expression,
          ExpressionAttributeValues: values,
        }),
      );
    await rejectsWith(
      query('n = :n', { ':n': 1 }),
      'ValidationException',
      'Query condition missed key schema element: pk',
    );
    await rejectsWith(
      query('pk = :p OR n = :n', { ':p': 'p', ':n': 1 }),
      'ValidationException',
      'Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR',
    );
    await rejectsWith(
      query('pk = :p AND n = :n', { ':p': 'p', ':n': 'one' }),
      'ValidationException',
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
    await rejectsWith(
      query('pk = :p AND', { ':p': 'p' }),
      'ValidationException',
      'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"',
    );
    await rejectsWith(
      running.documents.send(
        new DocumentQuery({
          TableName: 'numbers',
          KeyConditionExpression: 'pk = :p',
          FilterExpression: 'n > :n',
          ExpressionAttributeValues: { ':p': 'p', ':n': 1 },
        }),
      ),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: n',
    );
  });

  it('scans with filters, pages and segments', async () => {
    const all = await running.documents.send(new DocumentScan({ TableName: 'numbers' }));
    assert.equal(all.Count, 11);
    const filtered = await running.documents.send(
      new DocumentScan({
        TableName: 'numbers',
        FilterExpression: 'n >= :ten',
        ExpressionAttributeValues: { ':ten': 10 },
      }),
    );
    assert.deepEqual(numbersOf(filtered.Items), [10, 100, 1000]);

    const paged: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await running.documents.send(
        new DocumentScan({ TableName: 'numbers', Limit: 3, ExclusiveStartKey: start }),
      );
      paged.push(...(page.Items ?? []).map((item) => `${String(item.pk)}/${String(item.n)}`));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    assert.equal(paged.length, 11);
    assert.equal(new Set(paged).size, 11);

    const segments: string[] = [];
    for (let segment = 0; segment < 4; segment += 1) {
      const page = await running.documents.send(
        new DocumentScan({ TableName: 'numbers', Segment: segment, TotalSegments: 4 }),
      );
      segments.push(...(page.Items ?? []).map((item) => `${String(item.pk)}/${String(item.n)}`));
    }
    assert.deepEqual(segments.sort(), [...paged].sort());

    const legacy = await running.dynamodb.send(
      new ScanCommand({
        TableName: 'numbers',
        ScanFilter: { n: { ComparisonOperator: 'LT', AttributeValueList: [{ N: '-1' }] } },
      }),
    );
    assert.equal(legacy.Count, 2);
    await rejectsWith(
      running.documents.send(
        new DocumentScan({ TableName: 'numbers', Segment: 4, TotalSegments: 4 }),
      ),
      'ValidationException',
      'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4',
    );
  });

  it('stops a page at 1 MB', async () => {
    await createTable(running.dynamodb, 'large', { name: 'n', type: 'N' });
    const blob = 'x'.repeat(100 * 1024);
    for (let batch = 0; batch < 2; batch += 1) {
      const requests = Array.from({ length: 8 }, (_, i) => ({
        PutRequest: { Item: { pk: 'big', n: batch * 8 + i, blob } },
      }));
      await running.documents.send(new BatchWriteCommand({ RequestItems: { large: requests } }));
    }
    const first = await running.documents.send(
      new DocumentQuery({
        TableName: 'large',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'big' },
      }),
    );
    assert.equal(first.Count, 11);
    assert.deepEqual(first.LastEvaluatedKey, { pk: 'big', n: 10 });
    const rest = await running.documents.send(
      new DocumentQuery({
        TableName: 'large',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'big' },
        ExclusiveStartKey: first.LastEvaluatedKey,
      }),
    );
    assert.equal(rest.Count, 5);
    assert.equal(rest.LastEvaluatedKey, undefined);
  });
});
