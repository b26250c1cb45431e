import { randomUUID } from 'node:crypto';

import type { Logger } from '../../log.js';
import type { TableStore } from '../../state/tables.js';
import { resourceNotFound } from './errors.js';
import type { ItemWriter } from './item-writer.js';
import { checkName, type TableDefinition } from './table-schema.js';

/** What every operation handler works with. */
export interface DynamoDBContext {
  store: TableStore;
  writer: ItemWriter;
  region: string;
  account: string;
  logger: Logger;
  /** Milliseconds since the epoch; tests inject a clock to expire TTL items. */
  nowMs: () => number;
}

/** An operation: the request's JSON members in, the response's JSON members out. */
export type OperationHandler = (
  input: Record<string, unknown>,
  context: DynamoDBContext,
) => Record<string, unknown>;

/** Returns a table's definition, or undefined when no table has the name. */
export function findTable(context: DynamoDBContext, name: string): TableDefinition | undefined {
  const definition = context.store.findTable(name);
  return definition === undefined ? undefined : (JSON.parse(definition) as TableDefinition);
}

/** Returns a table's definition or raises ResourceNotFoundException. */
export function getTable(context: DynamoDBContext, name: unknown): TableDefinition {
  // A name DynamoDB could never have created is a ValidationException, not a missing table.
  const table = findTable(context, checkName(name, 'tableName'));
  if (table === undefined) throw resourceNotFound();
  return table;
}

export function saveTable(context: DynamoDBContext, table: TableDefinition): void {
  context.store.updateTable(table.name, JSON.stringify(table));
}

export function newTableId(): string {
  return randomUUID();
}
