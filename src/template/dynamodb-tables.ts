import { LambdaCraftError } from '../errors.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';

/** An `AWS::DynamoDB::Table` of the template, which the platform creates at start. */
export interface TemplateTable {
  logicalId: string;
  name: string;
  /** The table as a CreateTable request: keys, billing, indexes and StreamSpecification. */
  createTable: Record<string, unknown>;
  /** The TTL attribute when TimeToLiveSpecification enables it. */
  ttlAttribute: string | undefined;
}

/** The template's tables, with the ones that could not be read and ignored properties. */
export interface DynamoDBTables {
  tables: TemplateTable[];
  /** Invalid tables and ignored properties, each naming the resource and the property. */
  errors: string[];
}

type Json = Record<string, unknown>;

/** Properties passed to CreateTable as CloudFormation names them. */
const CREATE_TABLE_PROPERTIES = [
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'DeletionProtectionEnabled',
  'Tags',
];

/** Reads the template's `AWS::DynamoDB::Table` resources. */
export function readDynamoDBTables(resources: Json, context: IntrinsicContext): DynamoDBTables {
  const result: DynamoDBTables = { tables: [], errors: [] };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (asObject(resource).Type !== 'AWS::DynamoDB::Table') continue;
    try {
      result.tables.push(readTable(logicalId, context, result.errors));
    } catch (error) {
      if (!(error instanceof LambdaCraftError)) throw error;
      result.errors.push(error.message);
    }
  }
  return result;
}

function readTable(logicalId: string, context: IntrinsicContext, errors: string[]): TemplateTable {
  const location = `resource '${logicalId}'`;
  const name = resolveIntrinsics({ Ref: logicalId }, { ...context, location }) as string;
  const resource = context.symbols?.resources.get(logicalId);
  const properties = asObject(
    resolveIntrinsics(resource?.properties ?? {}, {
      ...context,
      location,
      selfLogicalId: logicalId,
    }),
  );
  const createTable: Json = { TableName: name };
  for (const property of CREATE_TABLE_PROPERTIES) {
    if (properties[property] !== undefined) createTable[property] = properties[property];
  }
  const stream = asObject(properties.StreamSpecification);
  if (stream.StreamViewType !== undefined) {
    createTable.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: stream.StreamViewType,
    };
  }
  const ttl = asObject(properties.TimeToLiveSpecification);
  const ignored = Object.keys(properties).filter(
    (property) =>
      !CREATE_TABLE_PROPERTIES.includes(property) &&
      !['TableName', 'StreamSpecification', 'TimeToLiveSpecification'].includes(property),
  );
  for (const property of ignored) {
    errors.push(
      `${location}: property ${property} is ignored: LambdaCraft does not apply it to tables`,
    );
  }
  return {
    logicalId,
    name,
    createTable,
    ttlAttribute:
      ttl.Enabled === true && typeof ttl.AttributeName === 'string' ? ttl.AttributeName : undefined,
  };
}

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : {};
}
