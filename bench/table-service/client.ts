// The DynamoDB requests of the table service benchmark, each checking its response.
import http from 'node:http';

import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

/**
 * The access key and secret of the platform's test credentials. The platform accepts
 * requests signed with them, so the benchmark includes the signature check.
 */
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** Size of each benchmark item by DynamoDB's rule: attribute name lengths plus value sizes. */
export const ITEM_BYTES = 200;
/** Items per BatchWriteItem request, DynamoDB's maximum. */
export const BATCH_WRITE_ITEMS = 25;
/** How often a BatchWriteItem request resends its UnprocessedItems before the batch fails. */
const MAX_BATCH_RESENDS = 5;

export type Item = Record<string, AttributeValue>;

/**
 * Returns a DynamoDB client for `endpoint` with no retries and one keep-alive agent of at
 * most `maxSockets` connections. The SDK reads neither environment credentials nor instance
 * metadata, because the credentials are given here.
 */
export function benchDynamoDBClient(endpoint: string, maxSockets: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets }) },
  });
}

/** Zero-pads `index` to 6 digits, so that sort keys sort as their numbers do. */
export function paddedIndex(index: number): string {
  return String(index).padStart(6, '0');
}

/**
 * Builds an item of ITEM_BYTES - 2 to ITEM_BYTES by DynamoDB's size rule: `pk` and `n` plus
 * a `payload` string that fills the rest. `sk` is set for tables with a sort key.
 */
export function benchItem(pk: string, index: number, sk?: string): Item {
  const item: Item = { pk: { S: pk }, n: { N: String(index) } };
  if (sk !== undefined) item.sk = { S: sk };
  // A number takes about one byte per two significant digits plus one. Counting every digit
  // as significant can overestimate it by a byte or two, so the item may come out smaller.
  const numberBytes = Math.ceil(String(index).length / 2) + 1;
  const keyBytes = 'pk'.length + pk.length + (sk === undefined ? 0 : 'sk'.length + sk.length);
  const used = keyBytes + 'n'.length + numberBytes + 'payload'.length;
  item.payload = { S: 'x'.repeat(Math.max(1, ITEM_BYTES - used)) };
  return item;
}

export async function putItem(client: DynamoDBClient, table: string, item: Item): Promise<void> {
  const response = await client.send(new PutItemCommand({ TableName: table, Item: item }));
  if (response.$metadata.httpStatusCode !== 200) {
    throw new Error(`PutItem ${table} returned status ${response.$metadata.httpStatusCode}`);
  }
}

/** Reads an item with a strongly consistent GetItem and checks that it equals `expected`. */
export async function getItem(
  client: DynamoDBClient,
  table: string,
  expected: Item,
): Promise<void> {
  const key = { pk: expected.pk as AttributeValue };
  const response = await client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  const found = response.Item;
  if (found === undefined) throw new Error(`GetItem ${table} ${expected.pk?.S} found no item`);
  if (found.payload?.S !== expected.payload?.S || found.n?.N !== expected.n?.N) {
    throw new Error(`GetItem ${table} ${expected.pk?.S} returned another item`);
  }
}

/**
 * Writes `items` (at most BATCH_WRITE_ITEMS) with BatchWriteItem, resending what comes back
 * in UnprocessedItems. Returns how many resends were needed.
 */
export async function batchWrite(
  client: DynamoDBClient,
  table: string,
  items: Item[],
): Promise<number> {
  let requests: WriteRequest[] = items.map((item) => ({ PutRequest: { Item: item } }));
  for (let resends = 0; resends <= MAX_BATCH_RESENDS; resends += 1) {
    const response = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
    );
    requests = response.UnprocessedItems?.[table] ?? [];
    if (requests.length === 0) return resends;
  }
  throw new Error(
    `BatchWriteItem ${table}: ${requests.length} items still unprocessed after ${MAX_BATCH_RESENDS} resends`,
  );
}

/** One Query page: its items' sort keys, and where the next page starts. */
export interface QueryPage {
  sortKeys: string[];
  lastEvaluatedKey: Item | undefined;
}

/** Queries one page of partition `pk` with `sk` above `after` (all when undefined). */
export async function queryPage(
  client: DynamoDBClient,
  table: string,
  pk: string,
  options: { after?: string; limit?: number; exclusiveStartKey?: Item },
): Promise<QueryPage> {
  const values: Item = { ':pk': { S: pk } };
  let condition = 'pk = :pk';
  if (options.after !== undefined) {
    condition += ' AND sk > :after';
    values[':after'] = { S: options.after };
  }
  const response = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      Limit: options.limit,
      ExclusiveStartKey: options.exclusiveStartKey,
    }),
  );
  const items = response.Items ?? [];
  if (response.Count !== items.length) {
    throw new Error(`Query ${table} returned Count ${response.Count} with ${items.length} items`);
  }
  return {
    sortKeys: items.map((item) => item.sk?.S ?? ''),
    lastEvaluatedKey: response.LastEvaluatedKey,
  };
}
