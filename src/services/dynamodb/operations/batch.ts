import { itemSize, validateMap, type AttributeMap } from '../attribute-value.js';
import { CapacityTally, readUnits } from '../capacity.js';
import { getTable, type DynamoDBContext, type OperationHandler } from '../context.js';
import { validationError } from '../errors.js';
import { projectItem } from '../expressions/paths.js';
import { checkKey, encodeKey, keyIdentity } from '../keys.js';
import type { TableDefinition } from '../table-schema.js';
import { checkReturnOptions, projectionFrom } from './items.js';
import {
  applyWrite,
  expressionAttributes,
  itemCollectionMetrics,
  planDelete,
  planPut,
  type WritePlan,
} from './write-plan.js';

const MAX_BATCH_WRITES = 25;
const MAX_BATCH_GETS = 100;

function requestItems(input: Record<string, unknown>): [string, unknown][] {
  const items = input.RequestItems;
  if (typeof items !== 'object' || items === null || Object.keys(items).length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
    );
  }
  return Object.entries(items);
}

/** Returns the error DynamoDB sends for a request list over its length limit. */
function lengthError(tableName: string, limit: number): Error {
  return validationError(
    `1 validation error detected: Value at 'requestItems.${tableName}.member' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${limit}, Member must have length greater than or equal to 1]`,
  );
}

/**
 * BatchWriteItem: up to 25 puts and deletes over any tables, written in one transaction.
 * UnprocessedItems is always empty because no write is throttled.
 */
export const batchWriteItem: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const plans: WritePlan[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const [tableName, requests] of requestItems(input)) {
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH_WRITES) {
      throw lengthError(tableName, MAX_BATCH_WRITES);
    }
    total += requests.length;
    if (total > MAX_BATCH_WRITES)
      throw validationError('Too many items requested for the BatchWriteItem call');
    for (const request of requests as {
      PutRequest?: { Item?: unknown };
      DeleteRequest?: { Key?: unknown };
    }[]) {
      const plan = planBatchWrite(tableName, request, context);
      const identity = keyIdentity(tableName, encodeKey(plan.table, plan.key));
      if (seen.has(identity))
        throw validationError('Provided list of item keys contains duplicates');
      seen.add(identity);
      plans.push(plan);
    }
  }

  const tallies = new Map<string, CapacityTally>();
  context.store.transaction(() => {
    for (const plan of plans) {
      const tally = tallies.get(plan.table.name) ?? new CapacityTally(plan.table);
      tallies.set(plan.table.name, tally);
      applyWrite(context, plan, context.writer.read(plan.table, plan.key), tally);
    }
  });
  const response: Record<string, unknown> = { UnprocessedItems: {} };
  addCapacity(response, tallies, input.ReturnConsumedCapacity);
  const metrics = collectionMetrics(context, plans, input.ReturnItemCollectionMetrics);
  if (metrics !== undefined) response.ItemCollectionMetrics = metrics;
  return response;
};

function planBatchWrite(
  tableName: string,
  request: { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } },
  context: DynamoDBContext,
): WritePlan {
  const put = request.PutRequest;
  const remove = request.DeleteRequest;
  if ((put === undefined) === (remove === undefined)) {
    throw validationError(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  return put !== undefined
    ? planPut({ TableName: tableName, Item: put.Item }, context)
    : planDelete({ TableName: tableName, Key: remove?.Key }, context);
}

function collectionMetrics(
  context: DynamoDBContext,
  plans: WritePlan[],
  mode: unknown,
): Record<string, unknown[]> | undefined {
  const metrics: Record<string, unknown[]> = {};
  for (const plan of plans) {
    const entry = itemCollectionMetrics(context, plan.table, plan.key, mode);
    if (entry !== undefined) (metrics[plan.table.name] ??= []).push(entry);
  }
  return Object.keys(metrics).length === 0 ? undefined : metrics;
}

function addCapacity(
  response: Record<string, unknown>,
  tallies: Map<string, CapacityTally>,
  mode: unknown,
): void {
  const consumed = [...tallies.values()]
    .map((tally) => tally.toResponse(mode))
    .filter((item) => item !== undefined);
  if (consumed.length > 0) response.ConsumedCapacity = consumed;
}

/** DynamoDB's limit on the item data one BatchGetItem response returns. */
const MAX_BATCH_GET_BYTES = 16 * 1024 * 1024;

/**
 * BatchGetItem: up to 100 keys over any tables. A response returns at most 16 MB of item
 * data (item sizes as DynamoDB counts them, before projection). The keys left over come back
 * in UnprocessedKeys, each table's with its request members (ProjectionExpression,
 * ExpressionAttributeNames, AttributesToGet, ConsistentRead), so a client that sends
 * UnprocessedKeys again until it is empty reads every item.
 */
export const batchGetItem: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const tables = requestItems(input);
  let total = 0;
  for (const [tableName, value] of tables) {
    const keys = (value as { Keys?: unknown } | null | undefined)?.Keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_BATCH_GETS) {
      throw lengthError(tableName, MAX_BATCH_GETS);
    }
    total += keys.length;
  }
  if (total > MAX_BATCH_GETS)
    throw validationError('Too many items requested for the BatchGetItem call');

  const reads = tables.map(([tableName, value]) => planBatchGet(tableName, value, context));
  const responses: Record<string, AttributeMap[]> = {};
  const unprocessed: Record<string, Record<string, unknown>> = {};
  const tallies = new Map<string, CapacityTally>();
  let bytes = 0;
  for (const { table, keys, request, projection } of reads) {
    const tally = new CapacityTally(table);
    tallies.set(table.name, tally);
    const items: AttributeMap[] = [];
    const left: unknown[] = [];
    keys.forEach((key, i) => {
      if (left.length > 0) {
        left.push((request.Keys as unknown[])[i]);
        return;
      }
      const item = context.writer.read(table, key);
      const size = item === undefined ? 0 : itemSize(item);
      if (bytes + size > MAX_BATCH_GET_BYTES) {
        left.push((request.Keys as unknown[])[i]);
        return;
      }
      bytes += size;
      tally.addRead(readUnits(size, request.ConsistentRead === true));
      if (item !== undefined)
        items.push(projection === undefined ? item : projectItem(item, projection));
    });
    responses[table.name] = items;
    if (left.length > 0) unprocessed[table.name] = { ...request, Keys: left };
  }
  const response: Record<string, unknown> = { Responses: responses, UnprocessedKeys: unprocessed };
  addCapacity(response, tallies, input.ReturnConsumedCapacity);
  return response;
};

interface BatchGet {
  table: TableDefinition;
  keys: AttributeMap[];
  request: Record<string, unknown>;
  projection: ReturnType<typeof projectionFrom>;
}

/** Checks one table's part of a BatchGetItem request: its keys and its projection. */
function planBatchGet(tableName: string, value: unknown, context: DynamoDBContext): BatchGet {
  const request = (value ?? {}) as Record<string, unknown>;
  const table = getTable(context, tableName);
  const keys = request.Keys as unknown[];
  const seen = new Set<string>();
  const checked = keys.map((key) => {
    const map = checkKey(table, validateMap(key));
    const identity = keyIdentity(tableName, encodeKey(table, map));
    if (seen.has(identity)) throw validationError('Provided list of item keys contains duplicates');
    seen.add(identity);
    return map;
  });
  const attributes = expressionAttributes(request);
  const projection = projectionFrom(request, attributes);
  attributes.checkAllUsed();
  return { table, keys: checked, request, projection };
}
