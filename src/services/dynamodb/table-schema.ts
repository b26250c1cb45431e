import { validationError, showValue } from './errors.js';

export type KeyType = 'S' | 'N' | 'B';

/** One key attribute of a table or index. */
export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface Projection {
  ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  NonKeyAttributes?: string[];
}

/** A local or global secondary index. */
export interface IndexDefinition {
  name: string;
  global: boolean;
  hashKey: KeyAttribute;
  rangeKey: KeyAttribute | undefined;
  projection: Projection;
  provisionedThroughput: Record<string, unknown> | undefined;
}

export interface StreamSpecification {
  StreamEnabled: boolean;
  StreamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

/** Everything stored about a table; DescribeTable's TableDescription is built from it. */
export interface TableDefinition {
  name: string;
  tableId: string;
  arn: string;
  createdAtS: number;
  hashKey: KeyAttribute;
  rangeKey: KeyAttribute | undefined;
  attributeDefinitions: { AttributeName: string; AttributeType: KeyType }[];
  indexes: IndexDefinition[];
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  provisionedThroughput: { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined;
  stream: StreamSpecification | undefined;
  /** The label of the current stream (an ISO time without zone), when streams are or were on. */
  streamLabel: string | undefined;
  /** The TTL attribute name while TTL is enabled. */
  ttlAttribute: string | undefined;
  tags: { Key: string; Value: string }[];
  deletionProtection: boolean;
}

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const MAX_LOCAL_INDEXES = 5;
const MAX_GLOBAL_INDEXES = 20;
const MAX_PROJECTED_ATTRIBUTES = 100;

/** Checks a TableName or IndexName as DynamoDB does: 3 to 255 of `a-z A-Z 0-9 _ . -`. */
export function checkName(name: unknown, member: string): string {
  if (typeof name !== 'string') {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (name.length < 3 || name.length > 255) {
    const limit = name.length < 3 ? 'greater than or equal to 3' : 'less than or equal to 255';
    throw validationError(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length ${limit}`,
    );
  }
  if (!TABLE_NAME.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  return name;
}

/** Reads a KeySchema: one HASH element, then optionally one RANGE element. */
export function parseKeySchema(
  schema: unknown,
  types: Map<string, KeyType>,
  where: string,
): { hashKey: KeyAttribute; rangeKey: KeyAttribute | undefined } {
  if (!Array.isArray(schema) || schema.length < 1 || schema.length > 2) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(schema)}' at '${where}' failed to satisfy constraint: Member must have length less than or equal to 2`,
    );
  }
  const elements = schema as { AttributeName?: unknown; KeyType?: unknown }[];
  const [hash, range] = elements;
  if (hash?.KeyType !== 'HASH' || (range !== undefined && range.KeyType !== 'RANGE')) {
    throw validationError('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  }
  const attribute = (element: { AttributeName?: unknown }): KeyAttribute => {
    const name = String(element.AttributeName);
    const type = types.get(name);
    if (type === undefined) {
      throw validationError(
        `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${elements.map((item) => String(item.AttributeName)).join(', ')}], AttributeDefinitions: [${[...types.keys()].join(', ')}]`,
      );
    }
    return { name, type };
  };
  if (range !== undefined && range.AttributeName === hash.AttributeName) {
    throw validationError('Invalid KeySchema: Some index key attribute have no definition');
  }
  return { hashKey: attribute(hash), rangeKey: range === undefined ? undefined : attribute(range) };
}

/** Reads AttributeDefinitions into a name-to-type map. */
export function parseAttributeDefinitions(definitions: unknown): Map<string, KeyType> {
  const types = new Map<string, KeyType>();
  if (!Array.isArray(definitions)) {
    throw validationError(
      "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null",
    );
  }
  for (const definition of definitions as { AttributeName?: unknown; AttributeType?: unknown }[]) {
    const type = definition.AttributeType;
    if (type !== 'S' && type !== 'N' && type !== 'B') {
      throw validationError(
        `1 validation error detected: Value '${showValue(type)}' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`,
      );
    }
    const name = String(definition.AttributeName);
    if (types.has(name)) {
      throw validationError(
        `Cannot have two attributes with the same name; attribute name: ${name}`,
      );
    }
    types.set(name, type);
  }
  return types;
}

/** Reads one LocalSecondaryIndexes or GlobalSecondaryIndexes element. */
export function parseIndex(
  input: Record<string, unknown>,
  global: boolean,
  types: Map<string, KeyType>,
  table: { hashKey: KeyAttribute; rangeKey: KeyAttribute | undefined; billingMode: string },
): IndexDefinition {
  const name = checkName(input.IndexName, 'indexName');
  const keys = parseKeySchema(input.KeySchema, types, 'keySchema');
  if (!global) {
    if (table.rangeKey === undefined) {
      throw validationError(
        'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
      );
    }
    if (keys.hashKey.name !== table.hashKey.name || keys.rangeKey === undefined) {
      throw validationError(
        `One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ${name}. index hash key: ${keys.hashKey.name}, table hash key: ${table.hashKey.name}`,
      );
    }
  }
  const throughput = input.ProvisionedThroughput as Record<string, unknown> | undefined;
  if (global && table.billingMode === 'PROVISIONED' && throughput === undefined) {
    throw validationError(
      `One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ${name}`,
    );
  }
  return {
    name,
    global,
    ...keys,
    projection: parseProjection(input.Projection, name),
    provisionedThroughput: throughput,
  };
}

function parseProjection(input: unknown, indexName: string): Projection {
  const projection = (input ?? {}) as { ProjectionType?: unknown; NonKeyAttributes?: unknown };
  const type = projection.ProjectionType ?? 'ALL';
  if (type !== 'ALL' && type !== 'KEYS_ONLY' && type !== 'INCLUDE') {
    throw validationError(
      `1 validation error detected: Value '${showValue(type)}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]`,
    );
  }
  const nonKey = projection.NonKeyAttributes;
  if (nonKey !== undefined && type !== 'INCLUDE') {
    throw validationError(
      `One or more parameter values were invalid: ProjectionType is ${type}, but NonKeyAttributes is specified`,
    );
  }
  if (type === 'INCLUDE') {
    if (!Array.isArray(nonKey) || nonKey.length === 0) {
      throw validationError(
        `One or more parameter values were invalid: NonKeyAttributes must be specified for index ${indexName} when ProjectionType is INCLUDE`,
      );
    }
    if (nonKey.length > MAX_PROJECTED_ATTRIBUTES) {
      throw validationError(
        'One or more parameter values were invalid: The number of projected attributes in all indexes of the table exceeds 100',
      );
    }
    return { ProjectionType: type, NonKeyAttributes: nonKey.map(String) };
  }
  return { ProjectionType: type };
}

/** Checks the index counts and that no two indexes share a name. */
export function checkIndexes(indexes: IndexDefinition[]): void {
  const local = indexes.filter((index) => !index.global).length;
  if (local > MAX_LOCAL_INDEXES) {
    throw validationError(
      `One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of ${MAX_LOCAL_INDEXES}`,
    );
  }
  if (indexes.length - local > MAX_GLOBAL_INDEXES) {
    throw validationError(
      `One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of ${MAX_GLOBAL_INDEXES}`,
    );
  }
  const names = new Set<string>();
  for (const index of indexes) {
    if (names.has(index.name)) {
      throw validationError(
        `One or more parameter values were invalid: Duplicate index name: ${index.name}`,
      );
    }
    names.add(index.name);
  }
}

/** Returns the key attribute names of a table, then of each index, without repeats. */
export function keyAttributeNames(
  table: Pick<TableDefinition, 'hashKey' | 'rangeKey' | 'indexes'>,
): string[] {
  const names = new Set<string>();
  for (const key of [table.hashKey, table.rangeKey]) if (key !== undefined) names.add(key.name);
  for (const index of table.indexes) {
    names.add(index.hashKey.name);
    if (index.rangeKey !== undefined) names.add(index.rangeKey.name);
  }
  return [...names];
}

/** Reads a StreamSpecification: a view type is required exactly when streams are enabled. */
export function parseStreamSpecification(input: unknown): StreamSpecification | undefined {
  if (input === undefined || input === null) return undefined;
  const spec = input as { StreamEnabled?: unknown; StreamViewType?: unknown };
  if (typeof spec.StreamEnabled !== 'boolean') {
    throw validationError(
      'One or more parameter values were invalid: StreamSpecification must contain StreamEnabled',
    );
  }
  if (!spec.StreamEnabled) {
    if (spec.StreamViewType !== undefined) {
      throw validationError(
        'One or more parameter values were invalid: Stream view type cannot be specified when streams are disabled',
      );
    }
    return { StreamEnabled: false };
  }
  const viewType = spec.StreamViewType;
  if (
    viewType !== 'KEYS_ONLY' &&
    viewType !== 'NEW_IMAGE' &&
    viewType !== 'OLD_IMAGE' &&
    viewType !== 'NEW_AND_OLD_IMAGES'
  ) {
    throw validationError(
      'One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream',
    );
  }
  return { StreamEnabled: true, StreamViewType: viewType };
}
