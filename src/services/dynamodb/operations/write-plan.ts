import { itemSize, MAX_ITEM_BYTES, validateMap, type AttributeMap } from '../attribute-value.js';
import { CapacityTally, writeUnits } from '../capacity.js';
import { getTable, type DynamoDBContext } from '../context.js';
import { conditionalCheckFailed, DynamoDBError, validationError, showValue } from '../errors.js';
import type { Condition, DocumentPath, UpdateClause } from '../expressions/ast.js';
import { evaluateCondition } from '../expressions/condition.js';
import {
  ExpressionAttributes,
  parseCondition,
  parseUpdate,
  type ExpressionKind,
} from '../expressions/parse.js';
import { applyUpdate } from '../expressions/update.js';
import { checkIndexKey, checkItemKey, checkKey, encodeKey, indexEntriesOf } from '../keys.js';
import { legacyCondition, legacyUpdate } from '../legacy.js';
import type { TableDefinition } from '../table-schema.js';

/** DynamoDB's limit on the items of one partition key value in a table with an LSI. */
const MAX_ITEM_COLLECTION_BYTES = 10 * 1024 ** 3;

const EXPRESSION_PARAMETERS = [
  'ConditionExpression',
  'UpdateExpression',
  'ProjectionExpression',
  'KeyConditionExpression',
  'FilterExpression',
];
const LEGACY_PARAMETERS = [
  'Expected',
  'AttributeUpdates',
  'AttributesToGet',
  'ConditionalOperator',
  'KeyConditions',
  'QueryFilter',
  'ScanFilter',
];

/**
 * Reads ExpressionAttributeNames and ExpressionAttributeValues after checking that the
 * request does not mix expressions with the legacy parameters.
 */
export function expressionAttributes(input: Record<string, unknown>): ExpressionAttributes {
  const present = (names: string[]): string[] =>
    names.filter((name) => input[name] !== undefined && input[name] !== null);
  const expressions = present(EXPRESSION_PARAMETERS);
  const legacy = present(LEGACY_PARAMETERS);
  if (expressions.length > 0 && legacy.length > 0) {
    throw validationError(
      `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${legacy.join(', ')}} Expression parameters: {${expressions.join(', ')}}`,
    );
  }
  const attributes = new ExpressionAttributes(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  if (expressions.length === 0) {
    if (input.ExpressionAttributeNames !== undefined) {
      throw validationError(
        'ExpressionAttributeNames can only be specified when using expressions',
      );
    }
    if (input.ExpressionAttributeValues !== undefined) {
      throw validationError(
        'ExpressionAttributeValues can only be specified when using expressions',
      );
    }
  }
  return attributes;
}

/** Reads a condition from an expression parameter or the legacy conditions map. */
export function conditionFrom(
  input: Record<string, unknown>,
  attributes: ExpressionAttributes,
  kind: ExpressionKind,
  legacy: unknown,
): Condition | undefined {
  const text = input[kind];
  if (text !== undefined && text !== null) return parseCondition(showValue(text), kind, attributes);
  return legacyCondition(legacy, input.ConditionalOperator);
}

/** A checked write of one item: what PutItem, UpdateItem, DeleteItem and transactions run. */
export interface WritePlan {
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  table: TableDefinition;
  /** The key attributes (the item itself for Put). */
  key: AttributeMap;
  item: AttributeMap | undefined;
  update: UpdateClause[] | undefined;
  condition: Condition | undefined;
  /** ReturnValuesOnConditionCheckFailure is ALL_OLD. */
  returnOldOnFailure: boolean;
}

/** The item before and after one write. */
export interface WriteResult {
  oldItem: AttributeMap | undefined;
  newItem: AttributeMap | undefined;
  /** The paths an update expression changed, for UPDATED_OLD and UPDATED_NEW. */
  updatedPaths: DocumentPath[];
}

function returnOldOnFailure(input: Record<string, unknown>): boolean {
  const mode = input.ReturnValuesOnConditionCheckFailure;
  if (mode !== undefined && mode !== 'ALL_OLD' && mode !== 'NONE') {
    throw validationError(
      `1 validation error detected: Value '${showValue(mode)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
    );
  }
  return mode === 'ALL_OLD';
}

export function checkItemSize(item: AttributeMap): void {
  if (itemSize(item) > MAX_ITEM_BYTES) {
    throw validationError('Item size has exceeded the maximum allowed size');
  }
}

/** Checks a PutItem request (or a transaction's Put). */
export function planPut(input: Record<string, unknown>, context: DynamoDBContext): WritePlan {
  const table = getTable(context, input.TableName);
  if (input.Item === undefined || input.Item === null) {
    throw validationError(
      "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
    );
  }
  const item = validateMap(input.Item);
  checkItemKey(table, item);
  checkItemSize(item);
  const attributes = expressionAttributes(input);
  const condition = conditionFrom(input, attributes, 'ConditionExpression', input.Expected);
  attributes.checkAllUsed();
  return {
    kind: 'Put',
    table,
    key: item,
    item,
    update: undefined,
    condition,
    returnOldOnFailure: returnOldOnFailure(input),
  };
}

/** Checks a DeleteItem request (or a transaction's Delete). */
export function planDelete(input: Record<string, unknown>, context: DynamoDBContext): WritePlan {
  const table = getTable(context, input.TableName);
  const key = checkKey(table, validateMap(input.Key ?? {}));
  const attributes = expressionAttributes(input);
  const condition = conditionFrom(input, attributes, 'ConditionExpression', input.Expected);
  attributes.checkAllUsed();
  return {
    kind: 'Delete',
    table,
    key,
    item: undefined,
    update: undefined,
    condition,
    returnOldOnFailure: returnOldOnFailure(input),
  };
}

/** Checks a transaction's ConditionCheck, which requires a ConditionExpression. */
export function planConditionCheck(
  input: Record<string, unknown>,
  context: DynamoDBContext,
): WritePlan {
  const table = getTable(context, input.TableName);
  const key = checkKey(table, validateMap(input.Key ?? {}));
  if (typeof input.ConditionExpression !== 'string') {
    throw validationError(
      "1 validation error detected: Value null at 'transactItems.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
    );
  }
  const attributes = expressionAttributes(input);
  const condition = conditionFrom(input, attributes, 'ConditionExpression', undefined);
  attributes.checkAllUsed();
  return {
    kind: 'ConditionCheck',
    table,
    key,
    item: undefined,
    update: undefined,
    condition,
    returnOldOnFailure: returnOldOnFailure(input),
  };
}

/** Checks an UpdateItem request (or a transaction's Update). */
export function planUpdate(input: Record<string, unknown>, context: DynamoDBContext): WritePlan {
  const table = getTable(context, input.TableName);
  const key = checkKey(table, validateMap(input.Key ?? {}));
  const attributes = expressionAttributes(input);
  const update =
    typeof input.UpdateExpression === 'string'
      ? parseUpdate(input.UpdateExpression, attributes)
      : legacyUpdate(input.AttributeUpdates);
  const condition = conditionFrom(input, attributes, 'ConditionExpression', input.Expected);
  attributes.checkAllUsed();
  for (const clause of update) {
    for (const action of clause.actions) {
      const first = action.path.elements[0];
      if (
        first !== undefined &&
        'name' in first &&
        (first.name === table.hashKey.name || first.name === table.rangeKey?.name)
      ) {
        throw validationError(
          `One or more parameter values were invalid: Cannot update attribute ${first.name}. This attribute is part of the key`,
        );
      }
    }
  }
  return {
    kind: 'Update',
    table,
    key,
    item: undefined,
    update,
    condition,
    returnOldOnFailure: returnOldOnFailure(input),
  };
}

/**
 * Reads the current item and evaluates the plan's condition. Returns the item, or throws
 * ConditionalCheckFailedException. Call inside a transaction.
 */
export function checkCondition(
  context: DynamoDBContext,
  plan: WritePlan,
): AttributeMap | undefined {
  const old = context.writer.read(plan.table, plan.key);
  if (plan.condition !== undefined && !evaluateCondition(plan.condition, old ?? {})) {
    throw conditionalCheckFailed(plan.returnOldOnFailure ? old : undefined);
  }
  return old;
}

/** Applies a plan whose condition held to the item `old`. Call inside a transaction. */
export function applyWrite(
  context: DynamoDBContext,
  plan: WritePlan,
  old: AttributeMap | undefined,
  capacity: CapacityTally | undefined,
): WriteResult {
  let result: WriteResult = { oldItem: old, newItem: undefined, updatedPaths: [] };
  if (plan.kind === 'Put') {
    context.writer.put(plan.table, plan.item as AttributeMap);
    result.newItem = plan.item;
  } else if (plan.kind === 'Delete') {
    context.writer.delete(plan.table, plan.key);
  } else if (plan.kind === 'Update') {
    const updated = applyUpdate(old ?? structuredClone(plan.key), plan.update ?? []);
    for (const index of plan.table.indexes) checkIndexKey(index, updated.item);
    checkItemKey(plan.table, updated.item);
    checkItemSize(updated.item);
    context.writer.put(plan.table, updated.item);
    result = { oldItem: old, newItem: updated.item, updatedPaths: updated.updatedPaths };
  } else {
    result.newItem = old;
  }
  if (plan.kind !== 'ConditionCheck') {
    checkItemCollection(context, plan.table, result.newItem);
    if (capacity !== undefined) tallyWrite(capacity, plan.table, result);
  }
  return result;
}

/** Runs one write in its own transaction: check the condition, then apply. */
export function executeWrite(
  context: DynamoDBContext,
  plan: WritePlan,
  capacity: CapacityTally | undefined,
): WriteResult {
  return context.store.transaction(() =>
    applyWrite(context, plan, checkCondition(context, plan), capacity),
  );
}

function tallyWrite(capacity: CapacityTally, table: TableDefinition, result: WriteResult): void {
  const oldSize = result.oldItem === undefined ? 0 : itemSize(result.oldItem);
  const newSize = result.newItem === undefined ? 0 : itemSize(result.newItem);
  capacity.addWrite(writeUnits(Math.max(oldSize, newSize)));
  const touched = new Set<string>();
  for (const item of [result.oldItem, result.newItem]) {
    if (item === undefined) continue;
    for (const entry of indexEntriesOf(table, item)) touched.add(entry.indexName);
  }
  for (const indexName of touched)
    capacity.addWrite(writeUnits(Math.max(oldSize, newSize)), indexName);
}

/** Raises ItemCollectionSizeLimitExceededException when an LSI table's collection passes 10 GB. */
function checkItemCollection(
  context: DynamoDBContext,
  table: TableDefinition,
  item: AttributeMap | undefined,
): void {
  if (item === undefined || !table.indexes.some((index) => !index.global)) return;
  const size = context.store.collectionSizeBytes(table.name, encodeKey(table, item).hashKey);
  if (size > MAX_ITEM_COLLECTION_BYTES) {
    throw new DynamoDBError(
      'ItemCollectionSizeLimitExceededException',
      'Item collection size limit exceeded',
    );
  }
}

/** Returns ItemCollectionMetrics for a table with an LSI when ReturnItemCollectionMetrics is SIZE. */
export function itemCollectionMetrics(
  context: DynamoDBContext,
  table: TableDefinition,
  key: AttributeMap,
  mode: unknown,
): Record<string, unknown> | undefined {
  if (mode !== 'SIZE' || !table.indexes.some((index) => !index.global)) return undefined;
  const hashValue = key[table.hashKey.name];
  if (hashValue === undefined) return undefined;
  const sizeGb =
    context.store.collectionSizeBytes(table.name, encodeKey(table, key).hashKey) / 1024 ** 3;
  return {
    ItemCollectionKey: { [table.hashKey.name]: hashValue },
    SizeEstimateRangeGB: [Math.floor(sizeGb), Math.floor(sizeGb) + 1],
  };
}
