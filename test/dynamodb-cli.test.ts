import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { startDynamoDB, type RunningDynamoDB } from './dynamodb-helpers.js';

const run = promisify(execFile);

/** AWS CLI v2 from Debian's awscli package. The suite is skipped where it is not installed. */
const AWS_CLI = '/usr/bin/aws';

type Json = Record<string, unknown>;
type AttributeMap = Record<string, Record<string, unknown>>;

interface CliFailure {
  code: number;
  stderr: string;
}

describe(
  'DynamoDB through the AWS CLI',
  { skip: !existsSync(AWS_CLI) && `${AWS_CLI} is not installed` },
  () => {
    let running: RunningDynamoDB;
    let workDir: string;

    function cliEnvironment(): NodeJS.ProcessEnv {
      // The CLI gets only these variables, so no profile, container credentials or pager applies.
      return {
        PATH: process.env.PATH,
        HOME: workDir,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      };
    }

    /** Runs the CLI against the platform and returns its standard output. */
    async function aws(...args: string[]): Promise<string> {
      const { stdout } = await run(
        AWS_CLI,
        ['--endpoint-url', running.endpoint, '--output', 'json', ...args],
        { env: cliEnvironment(), cwd: workDir, maxBuffer: 16 * 1024 * 1024 },
      );
      return stdout;
    }

    /** Runs the CLI and parses its JSON output. */
    async function awsJson(...args: string[]): Promise<Json> {
      const stdout = await aws(...args);
      return JSON.parse(stdout) as Json;
    }

    /** Runs a CLI command that must fail and returns its exit code and standard error. */
    async function awsFailure(...args: string[]): Promise<CliFailure> {
      try {
        await aws(...args);
      } catch (error) {
        const failure = error as { code: number; stderr: string };
        return { code: failure.code, stderr: failure.stderr };
      }
      assert.fail(`aws ${args.join(' ')} succeeded`);
    }

    function items(output: Json): AttributeMap[] {
      return output.Items as AttributeMap[];
    }

    /** Returns an item's key as `pk/sk`. */
    function keyOf(item: AttributeMap): string {
      return `${String(item.pk?.S)}/${String(item.sk?.S)}`;
    }

    before(async () => {
      running = await startDynamoDB();
      workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-dynamodb-cli-'));
    });

    after(async () => {
      await running.close();
      rmSync(workDir, { recursive: true, force: true });
    });

    it('creates, describes and waits for a table', async () => {
      const created = await awsJson(
        'dynamodb',
        'create-table',
        '--table-name',
        'cli-orders',
        '--attribute-definitions',
        'AttributeName=pk,AttributeType=S',
        'AttributeName=sk,AttributeType=S',
        'AttributeName=state,AttributeType=S',
        '--key-schema',
        'AttributeName=pk,KeyType=HASH',
        'AttributeName=sk,KeyType=RANGE',
        '--billing-mode',
        'PAY_PER_REQUEST',
        '--global-secondary-indexes',
        JSON.stringify([
          {
            IndexName: 'by-state',
            KeySchema: [
              { AttributeName: 'state', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ]),
        '--stream-specification',
        'StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES',
      );
      const description = created.TableDescription as Json;
      assert.equal(description.TableName, 'cli-orders');
      assert.match(String(description.TableArn), /:table\/cli-orders$/);

      await aws('dynamodb', 'wait', 'table-exists', '--table-name', 'cli-orders');

      const described = (await awsJson('dynamodb', 'describe-table', '--table-name', 'cli-orders'))
        .Table as Json;
      assert.equal(described.TableStatus, 'ACTIVE');
      assert.deepEqual(described.KeySchema, [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      const indexes = described.GlobalSecondaryIndexes as Json[];
      assert.equal(indexes.length, 1);
      assert.equal(indexes[0]?.IndexName, 'by-state');
      assert.equal(indexes[0]?.IndexStatus, 'ACTIVE');
      assert.deepEqual(described.StreamSpecification, {
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      assert.match(String(described.LatestStreamArn), /:table\/cli-orders\/stream\//);

      const listed = await awsJson('dynamodb', 'list-tables');
      assert.ok((listed.TableNames as string[]).includes('cli-orders'));
    });

    it('puts, gets, updates and deletes an item', async () => {
      const key = JSON.stringify({ pk: { S: 'customer-1' }, sk: { S: 'order-001' } });
      await aws(
        'dynamodb',
        'put-item',
        '--table-name',
        'cli-orders',
        '--item',
        JSON.stringify({
          pk: { S: 'customer-1' },
          sk: { S: 'order-001' },
          state: { S: 'open' },
          amount: { N: '12.50' },
          tags: { SS: ['gift', 'express'] },
        }),
      );

      const got = await awsJson(
        'dynamodb',
        'get-item',
        '--table-name',
        'cli-orders',
        '--key',
        key,
        '--consistent-read',
      );
      const item = got.Item as AttributeMap;
      assert.deepEqual(item.state, { S: 'open' });
      assert.deepEqual(item.amount, { N: '12.5' });
      assert.deepEqual(new Set(item.tags?.SS as string[]), new Set(['gift', 'express']));

      const updated = await awsJson(
        'dynamodb',
        'update-item',
        '--table-name',
        'cli-orders',
        '--key',
        key,
        '--update-expression',
        'SET #state = :shipped, amount = amount + :extra REMOVE tags',
        '--condition-expression',
        '#state = :open',
        '--expression-attribute-names',
        JSON.stringify({ '#state': 'state' }),
        '--expression-attribute-values',
        JSON.stringify({
          ':shipped': { S: 'shipped' },
          ':open': { S: 'open' },
          ':extra': { N: '2.5' },
        }),
        '--return-values',
        'ALL_NEW',
      );
      assert.deepEqual(updated.Attributes, {
        pk: { S: 'customer-1' },
        sk: { S: 'order-001' },
        state: { S: 'shipped' },
        amount: { N: '15' },
      });

      // The same condition fails now that the order has shipped, and nothing changes.
      const failure = await awsFailure(
        'dynamodb',
        'update-item',
        '--table-name',
        'cli-orders',
        '--key',
        key,
        '--update-expression',
        'SET amount = :zero',
        '--condition-expression',
        '#state = :open',
        '--expression-attribute-names',
        JSON.stringify({ '#state': 'state' }),
        '--expression-attribute-values',
        JSON.stringify({ ':zero': { N: '0' }, ':open': { S: 'open' } }),
      );
      assert.equal(failure.code, 254);
      assert.match(failure.stderr, /\(ConditionalCheckFailedException\)/);
      assert.match(failure.stderr, /The conditional request failed/);

      const deleted = await awsJson(
        'dynamodb',
        'delete-item',
        '--table-name',
        'cli-orders',
        '--key',
        key,
        '--return-values',
        'ALL_OLD',
      );
      assert.deepEqual((deleted.Attributes as AttributeMap).amount, { N: '15' });
      const afterDelete = await aws(
        'dynamodb',
        'get-item',
        '--table-name',
        'cli-orders',
        '--key',
        key,
      );
      assert.equal(afterDelete.trim(), '');
    });

    it('batch-write-item, query and paginated scan', async () => {
      // 23 orders over three customers in one batch, under DynamoDB's limit of 25 writes.
      const writes = [];
      for (let index = 0; index < 23; index += 1) {
        const customer = `customer-${index % 3}`;
        const order = `order-${String(index).padStart(3, '0')}`;
        writes.push({
          PutRequest: {
            Item: {
              pk: { S: customer },
              sk: { S: order },
              state: { S: index % 2 === 0 ? 'open' : 'closed' },
              amount: { N: String(index) },
            },
          },
        });
      }
      const batch = await awsJson(
        'dynamodb',
        'batch-write-item',
        '--request-items',
        JSON.stringify({ 'cli-orders': writes }),
      );
      assert.deepEqual(batch.UnprocessedItems, {});

      const customer = await awsJson(
        'dynamodb',
        'query',
        '--table-name',
        'cli-orders',
        '--key-condition-expression',
        'pk = :pk AND begins_with(sk, :prefix)',
        '--expression-attribute-values',
        JSON.stringify({ ':pk': { S: 'customer-1' }, ':prefix': { S: 'order-0' } }),
        '--no-scan-index-forward',
      );
      const customerOrders = items(customer).map((entry) => entry.sk?.S);
      assert.deepEqual(customerOrders, [
        'order-022',
        'order-019',
        'order-016',
        'order-013',
        'order-010',
        'order-007',
        'order-004',
        'order-001',
      ]);
      assert.equal(customer.Count, 8);

      // Through the index, three items per page: the CLI follows LastEvaluatedKey itself.
      const open = await awsJson(
        'dynamodb',
        'query',
        '--table-name',
        'cli-orders',
        '--index-name',
        'by-state',
        '--key-condition-expression',
        '#state = :open',
        '--expression-attribute-names',
        JSON.stringify({ '#state': 'state' }),
        '--expression-attribute-values',
        JSON.stringify({ ':open': { S: 'open' } }),
        '--page-size',
        '3',
      );
      assert.equal(items(open).length, 12);
      assert.equal(open.Count, 12);
      const openOrders = items(open).map((entry) => entry.sk?.S);
      assert.deepEqual(openOrders, [...openOrders].sort());

      const scanned = await awsJson(
        'dynamodb',
        'scan',
        '--table-name',
        'cli-orders',
        '--page-size',
        '4',
      );
      const keys = items(scanned).map((entry) => keyOf(entry));
      assert.equal(keys.length, 23);
      assert.equal(new Set(keys).size, 23);
      assert.equal(scanned.Count, 23);
      assert.equal(scanned.ScannedCount, 23);

      // One page of four, as the service returns it, with the key to continue from.
      const onePage = await awsJson(
        'dynamodb',
        'scan',
        '--table-name',
        'cli-orders',
        '--limit',
        '4',
        '--no-paginate',
      );
      assert.equal(items(onePage).length, 4);
      assert.equal(onePage.ScannedCount, 4);
      const lastKey = onePage.LastEvaluatedKey as AttributeMap;
      assert.deepEqual(Object.keys(lastKey).sort(), ['pk', 'sk']);
      assert.equal(keyOf(lastKey), keys[3]);

      // --max-items stops early and hands back a token that resumes where it stopped.
      const firstPage = await awsJson(
        'dynamodb',
        'scan',
        '--table-name',
        'cli-orders',
        '--page-size',
        '4',
        '--max-items',
        '10',
      );
      assert.equal(items(firstPage).length, 10);
      assert.equal(typeof firstPage.NextToken, 'string');
      const rest = await awsJson(
        'dynamodb',
        'scan',
        '--table-name',
        'cli-orders',
        '--page-size',
        '4',
        '--starting-token',
        String(firstPage.NextToken),
      );
      const resumed = [...items(firstPage), ...items(rest)].map((entry) => keyOf(entry));
      assert.deepEqual(resumed, keys);

      const filtered = await awsJson(
        'dynamodb',
        'scan',
        '--table-name',
        'cli-orders',
        '--filter-expression',
        'amount >= :from',
        '--expression-attribute-values',
        JSON.stringify({ ':from': { N: '20' } }),
        '--page-size',
        '5',
      );
      assert.equal(filtered.Count, 3);
      assert.equal(filtered.ScannedCount, 23);
    });

    it('transact-write-items commits or cancels as a whole', async () => {
      const orderKey = (order: string) => ({ pk: { S: 'customer-9' }, sk: { S: order } });
      await aws(
        'dynamodb',
        'transact-write-items',
        '--transact-items',
        JSON.stringify([
          {
            Put: {
              TableName: 'cli-orders',
              Item: { ...orderKey('order-900'), state: { S: 'open' } },
            },
          },
          {
            Put: {
              TableName: 'cli-orders',
              Item: { ...orderKey('order-901'), state: { S: 'open' } },
            },
          },
        ]),
      );

      const failure = await awsFailure(
        'dynamodb',
        'transact-write-items',
        '--transact-items',
        JSON.stringify([
          {
            Update: {
              TableName: 'cli-orders',
              Key: orderKey('order-900'),
              UpdateExpression: 'SET #state = :closed',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':closed': { S: 'closed' } },
            },
          },
          {
            ConditionCheck: {
              TableName: 'cli-orders',
              Key: orderKey('order-901'),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]),
      );
      assert.equal(failure.code, 254);
      assert.match(failure.stderr, /\(TransactionCanceledException\)/);
      assert.match(failure.stderr, /\[None, ConditionalCheckFailed\]/);

      const unchanged = await awsJson(
        'dynamodb',
        'get-item',
        '--table-name',
        'cli-orders',
        '--key',
        JSON.stringify(orderKey('order-900')),
      );
      assert.deepEqual((unchanged.Item as AttributeMap).state, { S: 'open' });

      const both = await awsJson(
        'dynamodb',
        'transact-get-items',
        '--transact-items',
        JSON.stringify([
          { Get: { TableName: 'cli-orders', Key: orderKey('order-900') } },
          { Get: { TableName: 'cli-orders', Key: orderKey('order-901') } },
        ]),
      );
      const responses = both.Responses as { Item: AttributeMap }[];
      assert.deepEqual(
        responses.map((response) => response.Item.sk?.S),
        ['order-900', 'order-901'],
      );
    });

    it('dynamodbstreams reads the table changes', async () => {
      const streams = await awsJson(
        'dynamodbstreams',
        'list-streams',
        '--table-name',
        'cli-orders',
      );
      const listed = streams.Streams as Json[];
      assert.equal(listed.length, 1);
      assert.equal(listed[0]?.TableName, 'cli-orders');
      const streamArn = String(listed[0]?.StreamArn);

      const described = (
        await awsJson('dynamodbstreams', 'describe-stream', '--stream-arn', streamArn)
      ).StreamDescription as Json;
      assert.equal(described.StreamStatus, 'ENABLED');
      assert.equal(described.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.equal(described.TableName, 'cli-orders');
      const shards = described.Shards as Json[];
      assert.equal(shards.length, 1);
      const shardId = String(shards[0]?.ShardId);

      const iterator = await awsJson(
        'dynamodbstreams',
        'get-shard-iterator',
        '--stream-arn',
        streamArn,
        '--shard-id',
        shardId,
        '--shard-iterator-type',
        'TRIM_HORIZON',
      );
      let shardIterator = iterator.ShardIterator as string | undefined;
      assert.equal(typeof shardIterator, 'string');

      // The tests before this one put, updated and deleted customer-1/order-001, then put 23
      // items in a batch and 2 in a transaction. The cancelled transaction wrote nothing.
      const records: Json[] = [];
      for (let page = 0; page < 10 && shardIterator !== undefined; page += 1) {
        const output = await awsJson(
          'dynamodbstreams',
          'get-records',
          '--shard-iterator',
          shardIterator,
          '--limit',
          '10',
        );
        const batch = output.Records as Json[];
        records.push(...batch);
        if (batch.length === 0) break;
        shardIterator = output.NextShardIterator as string | undefined;
      }
      assert.equal(records.length, 28);
      const first = records.slice(0, 3).map((record) => record.eventName);
      assert.deepEqual(first, ['INSERT', 'MODIFY', 'REMOVE']);
      const modify = records[1]?.dynamodb as Json;
      assert.deepEqual((modify.OldImage as AttributeMap).state, { S: 'open' });
      assert.deepEqual((modify.NewImage as AttributeMap).state, { S: 'shipped' });
      assert.deepEqual(modify.Keys, { pk: { S: 'customer-1' }, sk: { S: 'order-001' } });
      assert.equal(modify.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.ok(records.slice(3).every((record) => record.eventName === 'INSERT'));
      const sequenceNumbers = records.map((record) =>
        BigInt(String((record.dynamodb as Json).SequenceNumber)),
      );
      const sorted = [...sequenceNumbers].sort((left, right) => (left < right ? -1 : 1));
      assert.deepEqual(sequenceNumbers, sorted);
      assert.equal(new Set(sequenceNumbers).size, sequenceNumbers.length);
    });

    it('rejects bad input with DynamoDB errors', async () => {
      const missing = await awsFailure(
        'dynamodb',
        'describe-table',
        '--table-name',
        'no-such-table',
      );
      assert.equal(missing.code, 254);
      assert.match(missing.stderr, /\(ResourceNotFoundException\)/);

      const wrongKey = await awsFailure(
        'dynamodb',
        'get-item',
        '--table-name',
        'cli-orders',
        '--key',
        JSON.stringify({ pk: { S: 'customer-1' } }),
      );
      assert.equal(wrongKey.code, 254);
      assert.match(wrongKey.stderr, /\(ValidationException\)/);
      assert.match(wrongKey.stderr, /The provided key element does not match the schema/);
    });

    it('delete-table removes the table and its items', async () => {
      const deleted = await awsJson('dynamodb', 'delete-table', '--table-name', 'cli-orders');
      assert.equal((deleted.TableDescription as Json).TableName, 'cli-orders');
      await aws('dynamodb', 'wait', 'table-not-exists', '--table-name', 'cli-orders');
      const listed = await awsJson('dynamodb', 'list-tables');
      assert.ok(!(listed.TableNames as string[]).includes('cli-orders'));
      const missing = await awsFailure('dynamodb', 'scan', '--table-name', 'cli-orders');
      assert.match(missing.stderr, /\(ResourceNotFoundException\)/);
    });
  },
);
