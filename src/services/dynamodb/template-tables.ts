import type { TemplateTable } from '../../template/dynamodb-tables.js';
import { findTable, type DynamoDBContext } from './context.js';
import { OPERATIONS } from './operations/index.js';
import type { TableDefinition } from './table-schema.js';

/**
 * Creates the template's tables that do not exist, with their stream and TTL. A table that
 * exists keeps its definition and its items; where the template defines it differently,
 * the difference is logged and returned. Returns one line per table that could not be
 * created or differs.
 */
export function createTemplateTables(
  tables: TemplateTable[],
  context: DynamoDBContext,
  created: (tableName: string) => void,
): string[] {
  const problems: string[] = [];
  for (const table of tables) {
    const existing = findTable(context, table.name);
    if (existing !== undefined) {
      const difference = describeDifference(existing, table);
      if (difference !== undefined) {
        const line = `table ${table.name} differs from the template (${difference}); the existing table and its items are kept`;
        context.logger.warn(
          { tableName: table.name, difference },
          'table differs from the template',
        );
        problems.push(line);
      }
      continue;
    }
    try {
      OPERATIONS.CreateTable?.(table.createTable, context);
      if (table.ttlAttribute !== undefined) {
        OPERATIONS.UpdateTimeToLive?.(
          {
            TableName: table.name,
            TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute },
          },
          context,
        );
      }
      created(table.name);
      context.logger.info({ tableName: table.name }, 'table of the template created');
    } catch (error) {
      context.logger.warn(
        { tableName: table.name, err: error },
        'table of the template not created',
      );
      problems.push(`table ${table.name} not created: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Names the first part where a stored table and its template definition differ. */
function describeDifference(existing: TableDefinition, table: TemplateTable): string | undefined {
  const input = table.createTable;
  const keySchema = [{ AttributeName: existing.hashKey.name, KeyType: 'HASH' }];
  if (existing.rangeKey !== undefined) {
    keySchema.push({ AttributeName: existing.rangeKey.name, KeyType: 'RANGE' });
  }
  if (JSON.stringify(keySchema) !== JSON.stringify(input.KeySchema)) return 'KeySchema';
  if (existing.billingMode !== (input.BillingMode ?? 'PROVISIONED')) return 'BillingMode';
  const viewType = (input.StreamSpecification as { StreamViewType?: string } | undefined)
    ?.StreamViewType;
  if (existing.stream?.StreamViewType !== viewType) return 'StreamSpecification';
  if (existing.ttlAttribute !== table.ttlAttribute) return 'TimeToLiveSpecification';
  const indexNames = (key: string): string =>
    ((input[key] as { IndexName?: string }[] | undefined) ?? [])
      .map((index) => index.IndexName)
      .sort()
      .join(',');
  const existingNames = (global: boolean): string =>
    existing.indexes
      .filter((index) => index.global === global)
      .map((index) => index.name)
      .sort()
      .join(',');
  if (indexNames('GlobalSecondaryIndexes') !== existingNames(true)) return 'GlobalSecondaryIndexes';
  if (indexNames('LocalSecondaryIndexes') !== existingNames(false)) return 'LocalSecondaryIndexes';
  return undefined;
}
