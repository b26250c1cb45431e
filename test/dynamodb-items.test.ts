import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import {
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  CreateTableCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

import type { ItemChange } from '../src/services/dynamodb/item-writer.js';
import {
  createTable,
  rejectsWith,
  startDynamoDB,
  type RunningDynamoDB,
} from './dynamodb-helpers.js';

describe('DynamoDB tables and items through the SDK', () => {
  let running: RunningDynamoDB;
  const changes: ItemChange[] = [];

  before(async () => {
    running = await startDynamoDB();
    running.platform.dynamodb.addWriteListener((change) => changes.push(change));
    await createTable(running.dynamodb, 'items');
    await createTable(running.dynamodb, 'ranges', { name: 'sk', type: 'N' });
  });
  after(() => running.close());

  it('serves unsigned JSON requests, not S3', async () => {
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.DescribeTable',
      },
      body: JSON.stringify({ TableName: 'missing' }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/x-amz-json-1.0');
    assert.equal(response.headers.get('x-amz-crc32'), String(crc32(body)));
    assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(body.toString()), {
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found',
    });
  });

  it('describes and lists tables', async () => {
    const described = await running.dynamodb.send(
      new DescribeTableCommand({ TableName: 'ranges' }),
    );
    assert.equal(described.Table?.TableStatus, 'ACTIVE');
    assert.deepEqual(described.Table?.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.equal(described.Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(described.Table?.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/ranges');

    const first = await running.dynamodb.send(new ListTablesCommand({ Limit: 1 }));
    assert.deepEqual(first.TableNames, ['items']);
    assert.equal(first.LastEvaluatedTableName, 'items');
    const second = await running.dynamodb.send(
      new ListTablesCommand({ ExclusiveStartTableName: 'items' }),
    );
    assert.deepEqual(second.TableNames, ['ranges']);
    assert.equal(second.LastEvaluatedTableName, undefined);
  });

  it('rejects a second table with one name', async () => {
    await rejectsWith(
      createTable(running.dynamodb, 'items'),
      'ResourceInUseException',
      'Table already exists: items',
    );
  });

  it('deletes a table and its items', async () => {
    await createTable(running.dynamodb, 'doomed');
    await running.dynamodb.send(
      new PutItemCommand({ TableName: 'doomed', Item: { pk: { S: 'a' } } }),
    );
    const deleted = await running.dynamodb.send(new DeleteTableCommand({ TableName: 'doomed' }));
    assert.equal(deleted.TableDescription?.TableStatus, 'DELETING');
    await rejectsWith(
      running.dynamodb.send(new DescribeTableCommand({ TableName: 'doomed' })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    await createTable(running.dynamodb, 'doomed');
    const item = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'doomed', Key: { pk: { S: 'a' } } }),
    );
    assert.equal(item.Item, undefined);
  });

  it('puts, gets and deletes an item of every type', async () => {
    const item = {
      pk: { S: 'types' },
      s: { S: 'text' },
      n: { N: '-0012.500' },
      b: { B: Buffer.from([1, 2, 3]) },
      bool: { BOOL: true },
      nul: { NULL: true },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2.50'] },
      bs: { BS: [Buffer.from([9])] },
      l: { L: [{ S: 'x' }, { N: '1' }] },
      m: { M: { inner: { S: 'y' } } },
    };
    await running.dynamodb.send(new PutItemCommand({ TableName: 'items', Item: item }));
    const got = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'types' } } }),
    );
    assert.equal(got.Item?.n?.N, '-12.5');
    assert.deepEqual(got.Item?.ns?.NS, ['1', '2.5']);
    assert.deepEqual(Buffer.from(got.Item?.b?.B ?? []), Buffer.from([1, 2, 3]));
    assert.deepEqual(got.Item?.m, { M: { inner: { S: 'y' } } });
    assert.deepEqual(got.Item?.nul, { NULL: true });

    const deleted = await running.dynamodb.send(
      new DeleteItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'types' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    assert.equal(deleted.Attributes?.s?.S, 'text');
    const gone = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'types' } } }),
    );
    assert.equal(gone.Item, undefined);
  });

  it('keeps 38 significant digits exactly', async () => {
    const big = '12345678901234567890123456789012345678';
    await running.documents.send(new PutCommand({ TableName: 'items', Item: { pk: 'digits' } }));
    await running.dynamodb.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'digits' } },
        UpdateExpression: 'SET n = :big, f = :tenth ADD f2 :tenth',
        ExpressionAttributeValues: { ':big': { N: big }, ':tenth': { N: '0.1' } },
      }),
    );
    const updated = await running.dynamodb.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'digits' } },
        UpdateExpression: 'SET n = n - :one, f = f + :fifth',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':fifth': { N: '0.2' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    assert.equal(updated.Attributes?.n?.N, '12345678901234567890123456789012345677');
    assert.equal(updated.Attributes?.f?.N, '0.3');
  });

  it('rejects bad keys and values', async () => {
    const put = (Item: Record<string, unknown>): Promise<unknown> =>
      running.dynamodb.send(new PutItemCommand({ TableName: 'ranges', Item: Item as never }));
    await rejectsWith(
      put({ pk: { S: 'a' } }),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key sk in the item',
    );
    await rejectsWith(
      put({ pk: { N: '1' }, sk: { N: '1' } }),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
    );
    await rejectsWith(
      put({ pk: { S: '' }, sk: { N: '1' } }),
      'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    );
    await rejectsWith(
      put({ pk: { S: 'a' }, sk: { N: '1234567890123456789012345678901234567890' } }),
      'ValidationException',
      'Attempting to store more than 38 significant digits in a Number',
    );
    await rejectsWith(
      put({ pk: { S: 'a' }, sk: { N: '1' }, set: { SS: [] } }),
      'ValidationException',
      'One or more parameter values were invalid: An string set  may not be empty',
    );
    await rejectsWith(
      put({ pk: { S: 'a' }, sk: { N: '1' }, big: { S: 'x'.repeat(400 * 1024) } }),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    await rejectsWith(
      running.dynamodb.send(new GetItemCommand({ TableName: 'ranges', Key: { pk: { S: 'a' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    const nested = (levels: number): Record<string, unknown> =>
      levels === 0 ? { S: 'leaf' } : { M: { n: nested(levels - 1) } };
    await put({ pk: { S: 'deep' }, sk: { N: '1' }, deep: nested(32) });
    await rejectsWith(
      put({ pk: { S: 'deep' }, sk: { N: '2' }, deep: nested(33) }),
      'ValidationException',
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    );
    const hashKeyTooLong =
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes';
    await rejectsWith(
      put({ pk: { S: 'k'.repeat(2049) }, sk: { N: '1' } }),
      'ValidationException',
      hashKeyTooLong,
    );
    await rejectsWith(
      running.dynamodb.send(
        new GetItemCommand({
          TableName: 'ranges',
          Key: { pk: { S: 'k'.repeat(2049) }, sk: { N: '1' } },
        }),
      ),
      'ValidationException',
      hashKeyTooLong,
    );
    await createTable(running.dynamodb, 'text-ranges', { name: 'sk', type: 'S' });
    await rejectsWith(
      running.dynamodb.send(
        new PutItemCommand({
          TableName: 'text-ranges',
          Item: { pk: { S: 'k'.repeat(2048) }, sk: { S: 's'.repeat(1025) } },
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
    );
    await running.dynamodb.send(
      new PutItemCommand({
        TableName: 'text-ranges',
        Item: { pk: { S: 'k'.repeat(2048) }, sk: { S: 's'.repeat(1024) } },
      }),
    );
    await rejectsWith(
      running.dynamodb.send(new GetItemCommand({ TableName: 'missing', Key: { pk: { S: 'a' } } })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
    await rejectsWith(
      running.dynamodb.send(new GetItemCommand({ TableName: 'a b', Key: { pk: { S: 'a' } } })),
      'ValidationException',
      "1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    const scan = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'ranges', Key: { pk: { S: 'a' }, sk: { N: '1' } } }),
    );
    assert.equal(scan.Item, undefined);
  });

  it('accepts an item of exactly 400 KB', async () => {
    // Attribute names count: 'pk' (2) + 'a' (1) + 'big' (3) + 'x' values.
    const size = 400 * 1024 - 2 - 1 - 3 - 1;
    await running.dynamodb.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { pk: { S: 'a' }, big: { S: 'x'.repeat(size) } },
      }),
    );
  });

  it('checks conditions and returns the old item on failure', async () => {
    await running.documents.send(
      new PutCommand({ TableName: 'items', Item: { pk: 'cond', price: 10, tags: ['x'] } }),
    );
    await rejectsWith(
      running.documents.send(
        new PutCommand({
          TableName: 'items',
          Item: { pk: 'cond' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    await assert.rejects(
      running.dynamodb.send(
        new DeleteItemCommand({
          TableName: 'items',
          Key: { pk: { S: 'cond' } },
          ConditionExpression: 'price > :limit',
          ExpressionAttributeValues: { ':limit': { N: '10' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
      (error: Error & { Item?: Record<string, unknown> }) => {
        assert.equal(error.name, 'ConditionalCheckFailedException');
        assert.deepEqual(error.Item?.price, { N: '10' });
        return true;
      },
    );
    await running.dynamodb.send(
      new DeleteItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'cond' } },
        ConditionExpression: 'price BETWEEN :low AND :high AND size(tags) = :one',
        ExpressionAttributeValues: { ':low': { N: '5' }, ':high': { N: '10' }, ':one': { N: '1' } },
      }),
    );
  });

  it('evaluates each condition form', async () => {
    const item = {
      pk: 'forms',
      Price: 500,
      Color: ['Black', 'Red'],
      ProductCategory: 'Sporting Goods',
      Description: 'Ten speed bicycle',
      Pictures: { FrontView: 'front.jpg', SideView: 'side.jpg' },
      ProductReviews: { FiveStar: ['Excellent'], OneStar: ['Terrible'] },
      Flag: null,
    };
    await running.documents.send(new PutCommand({ TableName: 'items', Item: item }));
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['Price = :v', { ':v': 500 }, true],
      ['Price <> :v', { ':v': 500 }, false],
      ['Price < :v', { ':v': 600 }, true],
      ['Price >= :v', { ':v': 501 }, false],
      ['Price BETWEEN :a AND :b', { ':a': 100, ':b': 500 }, true],
      ['ProductCategory IN (:a, :b)', { ':a': 'Bicycles', ':b': 'Sporting Goods' }, true],
      ['attribute_exists(Pictures.SideView)', {}, true],
      ['attribute_not_exists(Manufacturer)', {}, true],
      ['attribute_type(Flag, :t)', { ':t': 'NULL' }, true],
      ['attribute_type(Color, :t)', { ':t': 'L' }, true],
      ['begins_with(Pictures.FrontView, :p)', { ':p': 'front' }, true],
      ['contains(Color, :c)', { ':c': 'Red' }, true],
      ['contains(Description, :c)', { ':c': 'speed' }, true],
      ['size(Description) > :n', { ':n': 10 }, true],
      ['size(ProductReviews.FiveStar) = :n', { ':n': 1 }, true],
      ['Price = :a OR Price = :b AND Price = :c', { ':a': 500, ':b': 1, ':c': 2 }, true],
      ['(Price = :a OR Price = :b) AND Price = :c', { ':a': 500, ':b': 1, ':c': 2 }, false],
      ['NOT Price = :a AND Price = :b', { ':a': 1, ':b': 500 }, true],
      ['Unset < :v', { ':v': 1 }, false],
      ['Price < :v', { ':v': 'text' }, false],
      ['ProductReviews.OneStar[0] = :v', { ':v': 'Terrible' }, true],
    ];
    for (const [expression, values, expected] of cases) {
      const request = running.documents.send(
        new UpdateCommand({
          TableName: 'items',
          Key: { pk: 'forms' },
          UpdateExpression: 'SET Checked = :true',
          ConditionExpression: expression,
          ExpressionAttributeValues: { ...values, ':true': true },
        }),
      );
      if (expected) await request;
      else await assert.rejects(request, { name: 'ConditionalCheckFailedException' }, expression);
    }
  });

  it('applies the update expression examples', async () => {
    await running.documents.send(
      new PutCommand({
        TableName: 'items',
        Item: {
          pk: 'product',
          Price: 650,
          Color: new Set(['Red', 'Black']),
          RelatedItems: ['Hammer', 'Nails', 'Screwdriver'],
          ProductReviews: { FiveStar: ['Great'] },
          Brand: 'Acme',
          InStock: true,
        },
      }),
    );
    const update = async (
      expression: string,
      values?: Record<string, unknown>,
      names?: Record<string, string>,
    ): Promise<Record<string, unknown>> => {
      const result = await running.documents.send(
        new UpdateCommand({
          TableName: 'items',
          Key: { pk: 'product' },
          UpdateExpression: expression,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ?? {};
    };

    let item = await update('SET ProductCategory = :c, Price = :p', { ':c': 'Hardware', ':p': 60 });
    assert.equal(item.ProductCategory, 'Hardware');
    assert.equal(item.Price, 60);
    item = await update(
      'SET #pr.FiveStar[1] = :r5, #pr.ThreeStar = :r3',
      { ':r5': 'Good', ':r3': ['OK'] },
      { '#pr': 'ProductReviews' },
    );
    assert.deepEqual(item.ProductReviews, { FiveStar: ['Great', 'Good'], ThreeStar: ['OK'] });
    item = await update('SET Price = Price - :p', { ':p': 15 });
    assert.equal(item.Price, 45);
    item = await update(
      'SET #ri = list_append(#ri, :vals)',
      { ':vals': ['Chisel'] },
      { '#ri': 'RelatedItems' },
    );
    assert.deepEqual(item.RelatedItems, ['Hammer', 'Nails', 'Screwdriver', 'Chisel']);
    item = await update(
      'SET #ri = list_append(:vals, #ri)',
      { ':vals': ['Saw'] },
      { '#ri': 'RelatedItems' },
    );
    assert.deepEqual(item.RelatedItems, ['Saw', 'Hammer', 'Nails', 'Screwdriver', 'Chisel']);
    item = await update('SET Price = if_not_exists(Price, :p), Stock = if_not_exists(Stock, :p)', {
      ':p': 100,
    });
    assert.equal(item.Price, 45);
    assert.equal(item.Stock, 100);
    item = await update('REMOVE Brand, InStock, RelatedItems[1], RelatedItems[2]');
    assert.equal(item.Brand, undefined);
    assert.equal(item.InStock, undefined);
    assert.deepEqual(item.RelatedItems, ['Saw', 'Screwdriver', 'Chisel']);
    item = await update('ADD QuantityOnHand :q, Color :c', {
      ':q': 5,
      ':c': new Set(['Orange', 'Purple']),
    });
    assert.equal(item.QuantityOnHand, 5);
    assert.deepEqual(item.Color, new Set(['Red', 'Black', 'Orange', 'Purple']));
    item = await update('DELETE Color :p', { ':p': new Set(['Yellow', 'Purple']) });
    assert.deepEqual(item.Color, new Set(['Red', 'Black', 'Orange']));
    item = await update('DELETE Color :p', { ':p': new Set(['Red', 'Black', 'Orange']) });
    assert.equal(item.Color, undefined);
  });

  it('returns each ReturnValues mode', async () => {
    await running.documents.send(
      new PutCommand({ TableName: 'items', Item: { pk: 'rv', a: 1, b: 2 } }),
    );
    const update = async (mode: string): Promise<Record<string, unknown> | undefined> =>
      (
        await running.documents.send(
          new UpdateCommand({
            TableName: 'items',
            Key: { pk: 'rv' },
            UpdateExpression: 'SET a = a + :one',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: mode as 'NONE',
          }),
        )
      ).Attributes;
    assert.equal(await update('NONE'), undefined);
    assert.deepEqual(await update('ALL_OLD'), { pk: 'rv', a: 2, b: 2 });
    assert.deepEqual(await update('UPDATED_OLD'), { a: 3 });
    assert.deepEqual(await update('ALL_NEW'), { pk: 'rv', a: 5, b: 2 });
    assert.deepEqual(await update('UPDATED_NEW'), { a: 6 });
    await rejectsWith(
      running.documents.send(
        new PutCommand({ TableName: 'items', Item: { pk: 'rv' }, ReturnValues: 'ALL_NEW' }),
      ),
      'ValidationException',
      'Return values set to invalid value',
    );
  });

  it('projects nested paths and list elements', async () => {
    await running.documents.send(
      new PutCommand({
        TableName: 'items',
        Item: { pk: 'proj', a: { b: [10, 20, 30], c: 'x' }, d: 'y', e: 'z' },
      }),
    );
    const got = await running.documents.send(
      new GetCommand({
        TableName: 'items',
        Key: { pk: 'proj' },
        ProjectionExpression: 'a.b[2], a.b[0], #d',
        ExpressionAttributeNames: { '#d': 'd' },
      }),
    );
    assert.deepEqual(got.Item, { a: { b: [10, 30] }, d: 'y' });
    const legacy = await running.dynamodb.send(
      new GetItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'proj' } },
        AttributesToGet: ['e'],
      }),
    );
    assert.deepEqual(legacy.Item, { e: { S: 'z' } });
  });

  it('rejects expressions as DynamoDB does', async () => {
    const update = (input: Record<string, unknown>): Promise<unknown> =>
      running.dynamodb.send(
        new UpdateItemCommand({
          TableName: 'items',
          Key: { pk: { S: 'bad' } },
          ...(input as Partial<UpdateItemCommandInput>),
        }),
      );
    await rejectsWith(
      update({ UpdateExpression: 'SET a = :v x', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'Invalid UpdateExpression: Syntax error; token: "x", near: ":v x"',
    );
    await rejectsWith(
      update({ UpdateExpression: 'SET a =', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v',
        ExpressionAttributeValues: { ':v': { N: '1' }, ':w': { N: '2' } },
      }),
      'ValidationException',
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :missing',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :missing',
    );
    await rejectsWith(
      update({ UpdateExpression: 'SET #a = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }),
      'ValidationException',
      'Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v',
        ExpressionAttributeValues: { ':v': { N: '1' } },
        ExpressionAttributeNames: { '#b': 'b' },
      }),
      'ValidationException',
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v, a.b = :v',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v SET b = :v',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
    );
    await rejectsWith(
      update({ UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': { S: '1' } } }),
      'ValidationException',
      'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = b + :v',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'The provided expression refers to an attribute that does not exist in the item',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :s + :v',
        ExpressionAttributeValues: { ':v': { N: '1' }, ':s': { S: 'x' } },
      }),
      'ValidationException',
      'An operand in the update expression has an incorrect data type',
    );
    await rejectsWith(
      update({ UpdateExpression: 'ADD a :s', ExpressionAttributeValues: { ':s': { S: 'x' } } }),
      'ValidationException',
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v',
        ConditionExpression: 'foo(a)',
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'Invalid ConditionExpression: Invalid function name; function: foo',
    );
    await rejectsWith(
      update({
        UpdateExpression: 'SET a = :v',
        Expected: { a: { Exists: false } },
        ExpressionAttributeValues: { ':v': { N: '1' } },
      }),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {UpdateExpression}',
    );
    const stored = await running.dynamodb.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'bad' } } }),
    );
    assert.equal(stored.Item, undefined);
  });

  it('applies the legacy parameters', async () => {
    await running.dynamodb.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'legacy' } },
        AttributeUpdates: {
          count: { Action: 'ADD', Value: { N: '2' } },
          name: { Action: 'PUT', Value: { S: 'old' } },
        },
        Expected: { pk: { Exists: false } },
      }),
    );
    const updated = await running.dynamodb.send(
      new UpdateItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'legacy' } },
        AttributeUpdates: {
          name: { Action: 'DELETE' },
          count: { Action: 'ADD', Value: { N: '3' } },
        },
        Expected: { count: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '2' }] } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    assert.deepEqual(updated.Attributes, { pk: { S: 'legacy' }, count: { N: '5' } });
    await rejectsWith(
      running.dynamodb.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: { S: 'legacy' } },
          Expected: { count: { Value: { N: '4' } } },
        }),
      ),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
  });

  it('reports consumed capacity', async () => {
    const put = await running.dynamodb.send(
      new PutItemCommand({
        TableName: 'items',
        Item: { pk: { S: 'cap' }, data: { S: 'x'.repeat(3000) } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(put.ConsumedCapacity, {
      TableName: 'items',
      CapacityUnits: 3,
      WriteCapacityUnits: 3,
    });
    const get = await running.dynamodb.send(
      new GetItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'cap' } },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    assert.equal(get.ConsumedCapacity?.CapacityUnits, 0.5);
    assert.deepEqual(get.ConsumedCapacity?.Table, { CapacityUnits: 0.5, ReadCapacityUnits: 0.5 });
    const consistent = await running.dynamodb.send(
      new GetItemCommand({
        TableName: 'items',
        Key: { pk: { S: 'cap' } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.equal(consistent.ConsumedCapacity?.CapacityUnits, 1);
  });

  it('tells write listeners about each change', async () => {
    changes.length = 0;
    await running.documents.send(
      new PutCommand({ TableName: 'items', Item: { pk: 'seen', v: 1 } }),
    );
    await running.documents.send(
      new PutCommand({ TableName: 'items', Item: { pk: 'seen', v: 2 } }),
    );
    await running.dynamodb.send(
      new DeleteItemCommand({ TableName: 'items', Key: { pk: { S: 'seen' } } }),
    );
    assert.deepEqual(
      changes.map((change) => change.eventName),
      ['INSERT', 'MODIFY', 'REMOVE'],
    );
    assert.deepEqual(changes[1]?.oldImage, { pk: { S: 'seen' }, v: { N: '1' } });
    assert.deepEqual(changes[1]?.newImage, { pk: { S: 'seen' }, v: { N: '2' } });
    assert.deepEqual(changes[2]?.keys, { pk: { S: 'seen' } });
  });

  it('turns streams on and off', async () => {
    const enabled = await running.dynamodb.send(
      new UpdateTableCommand({
        TableName: 'items',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    assert.equal(
      enabled.TableDescription?.StreamSpecification?.StreamViewType,
      'NEW_AND_OLD_IMAGES',
    );
    assert.match(
      enabled.TableDescription?.LatestStreamArn ?? '',
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/items\/stream\/\d{4}-/,
    );
    const disabled = await running.dynamodb.send(
      new UpdateTableCommand({ TableName: 'items', StreamSpecification: { StreamEnabled: false } }),
    );
    assert.equal(disabled.TableDescription?.StreamSpecification, undefined);
  });

  it('validates CreateTable input', async () => {
    await rejectsWith(
      running.dynamodb.send(
        new CreateTableCommand({
          TableName: 'extra',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'unused', AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
    await rejectsWith(
      running.dynamodb.send(
        new CreateTableCommand({
          TableName: 'noThroughput',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      ),
      'ValidationException',
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  });
});
