import { itemSize, validateMap, type AttributeMap } from '../attribute-value.js';
import { CapacityTally, isCapacityMode, readUnits } from '../capacity.js';
import { getTable, type OperationHandler } from '../context.js';
import { validationError, showValue } from '../errors.js';
import type { DocumentPath } from '../expressions/ast.js';
import { parseProjection, type ExpressionAttributes } from '../expressions/parse.js';
import { projectItem } from '../expressions/paths.js';
import { checkKey } from '../keys.js';
import { legacyProjection } from '../legacy.js';
import {
  executeWrite,
  expressionAttributes,
  itemCollectionMetrics,
  planDelete,
  planPut,
  planUpdate,
  type WriteResult,
} from './write-plan.js';

const RETURN_VALUES = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'];

/** Checks ReturnValues against the modes an operation allows. */
function checkReturnValues(value: unknown, allowed: string[]): string {
  const mode = value ?? 'NONE';
  if (typeof mode !== 'string' || !RETURN_VALUES.includes(mode)) {
    throw validationError(
      `1 validation error detected: Value '${showValue(mode)}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]`,
    );
  }
  if (!allowed.includes(mode)) throw validationError('Return values set to invalid value');
  return mode;
}

/** Checks ReturnConsumedCapacity and ReturnItemCollectionMetrics. */
export function checkReturnOptions(input: Record<string, unknown>): void {
  if (!isCapacityMode(input.ReturnConsumedCapacity)) {
    throw validationError(
      `1 validation error detected: Value '${String(input.ReturnConsumedCapacity)}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]`,
    );
  }
  const metrics = input.ReturnItemCollectionMetrics;
  if (metrics !== undefined && metrics !== 'SIZE' && metrics !== 'NONE') {
    throw validationError(
      `1 validation error detected: Value '${showValue(metrics)}' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]`,
    );
  }
}

/** Reads ProjectionExpression or AttributesToGet; undefined selects every attribute. */
export function projectionFrom(
  input: Record<string, unknown>,
  attributes: ExpressionAttributes,
): DocumentPath[] | undefined {
  if (typeof input.ProjectionExpression === 'string') {
    return parseProjection(input.ProjectionExpression, attributes);
  }
  return legacyProjection(input.AttributesToGet);
}

function writeResponse(
  input: Record<string, unknown>,
  attributes: AttributeMap | undefined,
  capacity: CapacityTally,
  metrics: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  if (attributes !== undefined && Object.keys(attributes).length > 0)
    response.Attributes = attributes;
  const consumed = capacity.toResponse(input.ReturnConsumedCapacity);
  if (consumed !== undefined) response.ConsumedCapacity = consumed;
  if (metrics !== undefined) response.ItemCollectionMetrics = metrics;
  return response;
}

/** PutItem. */
export const putItem: OperationHandler = (input, context) =>
  writeWholeItem(input, context, planPut);

/** DeleteItem. */
export const deleteItem: OperationHandler = (input, context) =>
  writeWholeItem(input, context, planDelete);

/** Runs a PutItem or DeleteItem: both return nothing or the old item (`ALL_OLD`). */
function writeWholeItem(
  input: Parameters<OperationHandler>[0],
  context: Parameters<OperationHandler>[1],
  plan: typeof planPut | typeof planDelete,
): ReturnType<OperationHandler> {
  const returnValues = checkReturnValues(input.ReturnValues, ['NONE', 'ALL_OLD']);
  checkReturnOptions(input);
  const write = plan(input, context);
  const capacity = new CapacityTally(write.table);
  const result = executeWrite(context, write, capacity);
  const metrics = itemCollectionMetrics(
    context,
    write.table,
    write.key,
    input.ReturnItemCollectionMetrics,
  );
  return writeResponse(
    input,
    returnValues === 'ALL_OLD' ? result.oldItem : undefined,
    capacity,
    metrics,
  );
}

/** UpdateItem; creates the item from its key when it does not exist. */
export const updateItem: OperationHandler = (input, context) => {
  const returnValues = checkReturnValues(input.ReturnValues, RETURN_VALUES);
  checkReturnOptions(input);
  const plan = planUpdate(input, context);
  const capacity = new CapacityTally(plan.table);
  const result = executeWrite(context, plan, capacity);
  const metrics = itemCollectionMetrics(
    context,
    plan.table,
    plan.key,
    input.ReturnItemCollectionMetrics,
  );
  return writeResponse(input, updateReturnValues(returnValues, result), capacity, metrics);
};

function updateReturnValues(mode: string, result: WriteResult): AttributeMap | undefined {
  switch (mode) {
    case 'ALL_OLD':
      return result.oldItem;
    case 'ALL_NEW':
      return result.newItem;
    case 'UPDATED_OLD':
      return result.oldItem === undefined
        ? undefined
        : projectItem(result.oldItem, result.updatedPaths);
    case 'UPDATED_NEW':
      return result.newItem === undefined
        ? undefined
        : projectItem(result.newItem, result.updatedPaths);
    default:
      return undefined;
  }
}

/** GetItem. ConsistentRead changes only the capacity reported: every read is consistent. */
export const getItem: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const table = getTable(context, input.TableName);
  const key = checkKey(table, validateMap(input.Key ?? {}));
  const attributes = expressionAttributes(input);
  const projection = projectionFrom(input, attributes);
  attributes.checkAllUsed();

  const item = context.writer.read(table, key);
  const capacity = new CapacityTally(table);
  capacity.addRead(
    readUnits(item === undefined ? 0 : itemSize(item), input.ConsistentRead === true),
  );
  const response: Record<string, unknown> = {};
  if (item !== undefined)
    response.Item = projection === undefined ? item : projectItem(item, projection);
  const consumed = capacity.toResponse(input.ReturnConsumedCapacity);
  if (consumed !== undefined) response.ConsumedCapacity = consumed;
  return response;
};
