import {
  checkIndexes,
  checkName,
  parseAttributeDefinitions,
  parseIndex,
  parseKeySchema,
  parseStreamSpecification,
  type IndexDefinition,
  type KeyAttribute,
  type KeyType,
  type TableDefinition,
} from '../table-schema.js';
import {
  findTable,
  getTable,
  newTableId,
  saveTable,
  type DynamoDBContext,
  type OperationHandler,
} from '../context.js';
import { resourceInUse, validationError } from '../errors.js';
import { decimalOf } from '../attribute-value.js';
import { checkIndexKey, encodeKey, indexEntriesOf } from '../keys.js';
import type { AttributeMap } from '../attribute-value.js';

const MAX_LIST_TABLES = 100;

/** CreateTable: stores the definition; the table is ACTIVE at once. */
export const createTable: OperationHandler = (input, context) => {
  const name = checkName(input.TableName, 'tableName');
  const types = parseAttributeDefinitions(input.AttributeDefinitions);
  const keys = parseKeySchema(input.KeySchema, types, 'keySchema');
  const billingMode = parseBillingMode(input.BillingMode, input.ProvisionedThroughput);
  const table = { ...keys, billingMode };
  const indexes = [
    ...listOf(input.LocalSecondaryIndexes).map((item) => parseIndex(item, false, types, table)),
    ...listOf(input.GlobalSecondaryIndexes).map((item) => parseIndex(item, true, types, table)),
  ];
  checkIndexes(indexes);
  checkAllDefinitionsUsed(types, keys, indexes);
  const stream = parseStreamSpecification(input.StreamSpecification);

  const nowMs = context.nowMs();
  const definition: TableDefinition = {
    name,
    tableId: newTableId(),
    arn: `arn:aws:dynamodb:${context.region}:${context.account}:table/${name}`,
    createdAtS: nowMs / 1000,
    ...keys,
    attributeDefinitions: [...types].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    indexes,
    billingMode,
    provisionedThroughput: throughputOf(input.ProvisionedThroughput),
    stream: stream?.StreamEnabled === true ? stream : undefined,
    streamLabel: stream?.StreamEnabled === true ? streamLabel(nowMs) : undefined,
    ttlAttribute: undefined,
    tags: listOf(input.Tags) as { Key: string; Value: string }[],
    deletionProtection: input.DeletionProtectionEnabled === true,
  };
  if (findTable(context, name) !== undefined) throw resourceInUse(`Table already exists: ${name}`);
  context.store.insertTable(name, JSON.stringify(definition));
  context.logger.info({ tableName: name }, 'table created');
  return { TableDescription: describe(definition, context) };
};

/** DescribeTable. */
export const describeTable: OperationHandler = (input, context) => ({
  Table: describe(getTable(context, input.TableName), context),
});

/** ListTables, in name order, paginated by ExclusiveStartTableName and Limit (at most 100). */
export const listTables: OperationHandler = (input, context) => {
  const limit = input.Limit === undefined ? MAX_LIST_TABLES : Number(input.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_TABLES) {
    throw validationError(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const after = input.ExclusiveStartTableName as string | undefined;
  const names = context.store.listTableNames(after, limit + 1);
  const page = names.slice(0, limit);
  return names.length > limit
    ? { TableNames: page, LastEvaluatedTableName: page[page.length - 1] }
    : { TableNames: page };
};

/** DeleteTable: removes the table, its items and index entries; returns its last description. */
export const deleteTable: OperationHandler = (input, context) => {
  const table = getTable(context, input.TableName);
  if (table.deletionProtection) {
    throw validationError(
      `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`,
    );
  }
  const description = { ...describe(table, context), TableStatus: 'DELETING' };
  context.store.deleteTable(table.name);
  context.logger.info({ tableName: table.name }, 'table deleted');
  return { TableDescription: description };
};

/**
 * UpdateTable: billing mode and throughput, streams on or off, deletion protection, and
 * global secondary index creation (filled from the existing items), update and deletion.
 */
export const updateTable: OperationHandler = (input, context) => {
  const table = getTable(context, input.TableName);
  let changed = false;
  if (input.BillingMode !== undefined || input.ProvisionedThroughput !== undefined) {
    table.billingMode = parseBillingMode(
      input.BillingMode ?? table.billingMode,
      input.ProvisionedThroughput ??
        (input.BillingMode === 'PAY_PER_REQUEST' ? undefined : table.provisionedThroughput),
    );
    table.provisionedThroughput =
      table.billingMode === 'PROVISIONED'
        ? (throughputOf(input.ProvisionedThroughput) ?? table.provisionedThroughput)
        : undefined;
    changed = true;
  }
  if (input.StreamSpecification !== undefined) {
    updateStream(table, input.StreamSpecification, context.nowMs());
    changed = true;
  }
  if (typeof input.DeletionProtectionEnabled === 'boolean') {
    table.deletionProtection = input.DeletionProtectionEnabled;
    changed = true;
  }
  if (input.GlobalSecondaryIndexUpdates !== undefined) {
    context.store.transaction(() => {
      applyIndexUpdates(table, input, context);
    });
    changed = true;
  }
  if (!changed) {
    throw validationError(
      'At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required',
    );
  }
  saveTable(context, table);
  return { TableDescription: describe(table, context) };
};

function updateStream(table: TableDefinition, input: unknown, nowMs: number): void {
  const stream = parseStreamSpecification(input);
  if (stream?.StreamEnabled === true) {
    if (table.stream !== undefined) {
      throw validationError(`Table already has an enabled stream: TableName: ${table.name}`);
    }
    table.stream = stream;
    table.streamLabel = streamLabel(nowMs);
    return;
  }
  if (table.stream === undefined) {
    throw validationError(`Table already has no stream enabled: TableName: ${table.name}`);
  }
  table.stream = undefined;
}

function applyIndexUpdates(
  table: TableDefinition,
  input: Record<string, unknown>,
  context: DynamoDBContext,
): void {
  const types = new Map<string, KeyType>(
    table.attributeDefinitions.map((item) => [item.AttributeName, item.AttributeType]),
  );
  for (const [name, type] of input.AttributeDefinitions === undefined
    ? []
    : parseAttributeDefinitions(input.AttributeDefinitions)) {
    types.set(name, type);
  }
  for (const update of listOf(input.GlobalSecondaryIndexUpdates)) {
    const create = update.Create as Record<string, unknown> | undefined;
    const remove = update.Delete as { IndexName?: unknown } | undefined;
    const change = update.Update as
      { IndexName?: unknown; ProvisionedThroughput?: unknown } | undefined;
    if (create !== undefined) {
      const index = parseIndex(create, true, types, table);
      if (table.indexes.some((item) => item.name === index.name)) {
        throw validationError(
          `One or more parameter values were invalid: Index ${index.name} already exists`,
        );
      }
      table.indexes.push(index);
      checkIndexes(table.indexes);
      fillIndex(table, index, context);
    } else if (remove !== undefined) {
      const index = findGlobalIndex(table, remove.IndexName);
      table.indexes = table.indexes.filter((item) => item !== index);
      context.store.deleteIndex(table.name, index.name);
    } else if (change !== undefined) {
      findGlobalIndex(table, change.IndexName).provisionedThroughput =
        change.ProvisionedThroughput as Record<string, unknown>;
    }
  }
  const used = new Set([table.hashKey.name, table.rangeKey?.name]);
  for (const index of table.indexes) used.add(index.hashKey.name).add(index.rangeKey?.name);
  table.attributeDefinitions = [...types]
    .filter(([name]) => used.has(name))
    .map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function findGlobalIndex(table: TableDefinition, name: unknown): IndexDefinition {
  const index = table.indexes.find((item) => item.global && item.name === name);
  if (index === undefined)
    throw validationError(`Requested resource not found: Index: ${String(name)} not found`);
  return index;
}

/** Adds the entries of a new index for every item; items with a mistyped key are left out. */
function fillIndex(table: TableDefinition, index: IndexDefinition, context: DynamoDBContext): void {
  const alone = { ...table, indexes: [index] };
  const rows = [...context.store.allItems(table.name)];
  for (const row of rows) {
    const item = JSON.parse(row.item) as AttributeMap;
    try {
      checkIndexKey(index, item);
    } catch {
      continue;
    }
    const others = indexEntriesOf(
      { ...table, indexes: table.indexes.filter((item) => item !== index) },
      item,
    );
    context.store.replaceIndexEntries(table.name, encodeKey(table, item), [
      ...others,
      ...indexEntriesOf(alone, item),
    ]);
  }
}

/** UpdateTimeToLive: enables or disables expiry on one number attribute. */
export const updateTimeToLive: OperationHandler = (input, context) => {
  const table = getTable(context, input.TableName);
  const spec = (input.TimeToLiveSpecification ?? {}) as {
    Enabled?: unknown;
    AttributeName?: unknown;
  };
  if (
    typeof spec.Enabled !== 'boolean' ||
    typeof spec.AttributeName !== 'string' ||
    spec.AttributeName === ''
  ) {
    throw validationError(
      '1 validation error detected: TimeToLiveSpecification must contain Enabled and a non-empty AttributeName',
    );
  }
  if (spec.Enabled && table.ttlAttribute !== undefined) {
    throw validationError('TimeToLive is already enabled');
  }
  if (!spec.Enabled && table.ttlAttribute === undefined) {
    throw validationError('TimeToLive is already disabled');
  }
  const attribute = spec.AttributeName;
  context.store.transaction(() => {
    table.ttlAttribute = spec.Enabled === true ? attribute : undefined;
    saveTable(context, table);
    for (const row of [...context.store.allItems(table.name)]) {
      const value = (JSON.parse(row.item) as AttributeMap)[attribute];
      const expiry =
        table.ttlAttribute === undefined || value?.N === undefined
          ? undefined
          : epochSeconds(value);
      context.store.setExpiry(table.name, row, expiry);
    }
  });
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: attribute } };
};

function epochSeconds(value: { N?: string }): number {
  const decimal = decimalOf(value);
  return Number(decimal.coefficient) * 10 ** decimal.exponent;
}

/** DescribeTimeToLive. */
export const describeTimeToLive: OperationHandler = (input, context) => {
  const table = getTable(context, input.TableName);
  return {
    TimeToLiveDescription:
      table.ttlAttribute === undefined
        ? { TimeToLiveStatus: 'DISABLED' }
        : { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute },
  };
};

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

function parseBillingMode(mode: unknown, throughput: unknown): 'PROVISIONED' | 'PAY_PER_REQUEST' {
  const billingMode = mode ?? 'PROVISIONED';
  if (billingMode !== 'PROVISIONED' && billingMode !== 'PAY_PER_REQUEST') {
    throw validationError(
      `1 validation error detected: Value '${String(mode)}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`,
    );
  }
  if (billingMode === 'PROVISIONED' && throughputOf(throughput) === undefined) {
    throw validationError(
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  }
  if (billingMode === 'PAY_PER_REQUEST' && throughput !== undefined) {
    throw validationError(
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    );
  }
  return billingMode;
}

function throughputOf(input: unknown): TableDefinition['provisionedThroughput'] {
  const throughput = input as
    { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown } | undefined;
  const read = Number(throughput?.ReadCapacityUnits);
  const write = Number(throughput?.WriteCapacityUnits);
  if (!(read >= 1) || !(write >= 1)) return undefined;
  return { ReadCapacityUnits: read, WriteCapacityUnits: write };
}

function checkAllDefinitionsUsed(
  types: Map<string, KeyType>,
  keys: { hashKey: KeyAttribute; rangeKey: KeyAttribute | undefined },
  indexes: IndexDefinition[],
): void {
  const used = new Set([keys.hashKey.name, keys.rangeKey?.name]);
  for (const index of indexes) used.add(index.hashKey.name).add(index.rangeKey?.name);
  if ([...types.keys()].some((name) => !used.has(name))) {
    throw validationError(
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
}

/** DynamoDB's stream label: the creation time in ISO 8601 without the zone. */
function streamLabel(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/Z$/, '');
}

function keySchemaOf(keys: {
  hashKey: KeyAttribute;
  rangeKey: KeyAttribute | undefined;
}): object[] {
  const schema: object[] = [{ AttributeName: keys.hashKey.name, KeyType: 'HASH' }];
  if (keys.rangeKey !== undefined)
    schema.push({ AttributeName: keys.rangeKey.name, KeyType: 'RANGE' });
  return schema;
}

/** Builds DescribeTable's TableDescription, with item counts and sizes read now. */
export function describe(
  table: TableDefinition,
  context: DynamoDBContext,
): Record<string, unknown> {
  const size = context.store.tableSize(table.name);
  const throughput = {
    NumberOfDecreasesToday: 0,
    ReadCapacityUnits: 0,
    WriteCapacityUnits: 0,
    ...table.provisionedThroughput,
  };
  const description: Record<string, unknown> = {
    AttributeDefinitions: table.attributeDefinitions,
    TableName: table.name,
    KeySchema: keySchemaOf(table),
    TableStatus: 'ACTIVE',
    CreationDateTime: table.createdAtS,
    ProvisionedThroughput: throughput,
    TableSizeBytes: size.sizeBytes,
    ItemCount: size.itemCount,
    TableArn: table.arn,
    TableId: table.tableId,
    BillingModeSummary: { BillingMode: table.billingMode },
    DeletionProtectionEnabled: table.deletionProtection,
  };
  const local = table.indexes.filter((index) => !index.global);
  const global = table.indexes.filter((index) => index.global);
  if (local.length > 0)
    description.LocalSecondaryIndexes = local.map((index) => describeIndex(table, index, context));
  if (global.length > 0)
    description.GlobalSecondaryIndexes = global.map((index) =>
      describeIndex(table, index, context),
    );
  if (table.stream !== undefined) description.StreamSpecification = table.stream;
  if (table.streamLabel !== undefined) {
    description.LatestStreamLabel = table.streamLabel;
    description.LatestStreamArn = `${table.arn}/stream/${table.streamLabel}`;
  }
  return description;
}

function describeIndex(
  table: TableDefinition,
  index: IndexDefinition,
  context: DynamoDBContext,
): Record<string, unknown> {
  const size = context.store.indexSize(table.name, index.name);
  const description: Record<string, unknown> = {
    IndexName: index.name,
    KeySchema: keySchemaOf(index),
    Projection: index.projection,
    IndexSizeBytes: size.sizeBytes,
    ItemCount: size.itemCount,
    IndexArn: `${table.arn}/index/${index.name}`,
  };
  if (index.global) {
    description.IndexStatus = 'ACTIVE';
    description.ProvisionedThroughput = {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: 0,
      WriteCapacityUnits: 0,
      ...index.provisionedThroughput,
    };
  }
  return description;
}
