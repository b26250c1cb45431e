import type { RangeBounds } from '../../../state/tables.js';
import { typeOf, type AttributeValue } from '../attribute-value.js';
import { getTable, type OperationHandler } from '../context.js';
import { validationError } from '../errors.js';
import type { Condition, Operand } from '../expressions/ast.js';
import { encodeKeyValue } from '../keys.js';
import type { KeyAttribute } from '../table-schema.js';
import { checkReturnOptions, projectionFrom } from './items.js';
import { checkPageOptions, indexOf, readPage, startPosition } from './read-page.js';
import { conditionFrom, expressionAttributes } from './write-plan.js';

/** One comparison of a key condition: the attribute, the operator and its values. */
interface KeyPredicate {
  name: string;
  operator: string;
  values: AttributeValue[];
}

/** Query: the items of one partition key value, in range key order, optionally from an index. */
export const query: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const table = getTable(context, input.TableName);
  const index = indexOf(table, input.IndexName);
  const attributes = expressionAttributes(input);
  const keyCondition = conditionFrom(
    input,
    attributes,
    'KeyConditionExpression',
    input.KeyConditions,
  );
  if (keyCondition === undefined) {
    throw validationError(
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  }
  const filter = conditionFrom(input, attributes, 'FilterExpression', input.QueryFilter);
  const projection = projectionFrom(input, attributes);
  attributes.checkAllUsed();

  const hashKey = index?.hashKey ?? table.hashKey;
  const rangeKey = index === undefined ? table.rangeKey : index.rangeKey;
  const { hashValue, bounds } = keyBounds(keyCondition, hashKey, rangeKey);
  if (filter !== undefined) checkFilterAttributes(filter, [hashKey, rangeKey]);
  const { limit, select } = checkPageOptions(input, index, projection);
  const forward = input.ScanIndexForward !== false;
  const after = startPosition(input, table, index);

  const encodedHash = encodeKeyValue(hashValue);
  const rows =
    index === undefined
      ? context.store.queryItems(table.name, encodedHash, bounds, forward, after)
      : context.store.queryIndex(table.name, index.name, encodedHash, bounds, forward, after);
  return readPage(rows, {
    table,
    index,
    limit,
    filter,
    projection,
    select,
    consistent: input.ConsistentRead === true,
    capacityMode: input.ReturnConsumedCapacity,
  });
};

/** Splits a key condition into the partition key value and the range key bounds. */
function keyBounds(
  condition: Condition,
  hashKey: KeyAttribute,
  rangeKey: KeyAttribute | undefined,
): { hashValue: AttributeValue; bounds: RangeBounds } {
  const predicates = flattenAnd(condition).map(toPredicate);
  const hash = predicates.find((predicate) => predicate.name === hashKey.name);
  if (hash === undefined) {
    throw validationError(`Query condition missed key schema element: ${hashKey.name}`);
  }
  if (hash.operator !== '=') throw validationError('Query key condition not supported');
  const others = predicates.filter((predicate) => predicate !== hash);
  if (others.length > 1) {
    throw validationError('KeyConditionExpressions must only contain one condition per key');
  }
  const range = others[0];
  if (range !== undefined && range.name !== rangeKey?.name) {
    throw validationError(
      `Query condition missed key schema element: ${rangeKey?.name ?? hashKey.name}`,
    );
  }
  checkType(hash, hashKey);
  if (range === undefined || rangeKey === undefined)
    return { hashValue: hash.values[0] as AttributeValue, bounds: {} };
  checkType(range, rangeKey);
  return { hashValue: hash.values[0] as AttributeValue, bounds: rangeBounds(range) };
}

function flattenAnd(condition: Condition): Condition[] {
  if (condition.type === 'and')
    return [...flattenAnd(condition.left), ...flattenAnd(condition.right)];
  return [condition];
}

function keyName(operand: Operand | undefined): string {
  if (operand?.type !== 'path' || operand.elements.length !== 1) {
    throw validationError(
      'Invalid KeyConditionExpression: Key condition must reference a key attribute by name',
    );
  }
  const element = operand.elements[0];
  if (element === undefined || !('name' in element))
    throw validationError('Query key condition not supported');
  return element.name;
}

function literalValue(operand: Operand | undefined): AttributeValue {
  if (operand?.type !== 'value') {
    throw validationError(
      'Invalid KeyConditionExpression: Key condition values must be expression attribute values',
    );
  }
  return operand.value;
}

function toPredicate(condition: Condition): KeyPredicate {
  switch (condition.type) {
    case 'compare':
      if (condition.operator === '<>') {
        throw validationError(
          'Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>',
        );
      }
      return {
        name: keyName(condition.left),
        operator: condition.operator,
        values: [literalValue(condition.right)],
      };
    case 'between':
      return {
        name: keyName(condition.operand),
        operator: 'BETWEEN',
        values: [literalValue(condition.low), literalValue(condition.high)],
      };
    case 'function':
      if (condition.name !== 'begins_with') {
        throw validationError(
          `Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: ${condition.name}`,
        );
      }
      return {
        name: keyName(condition.args[0]),
        operator: 'begins_with',
        values: [literalValue(condition.args[1])],
      };
    default:
      throw validationError(
        `Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: ${condition.type.toUpperCase()}`,
      );
  }
}

function checkType(predicate: KeyPredicate, key: KeyAttribute): void {
  for (const value of predicate.values) {
    const type = typeOf(value);
    if (predicate.operator === 'begins_with' && type === 'N') {
      throw validationError(
        'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      );
    }
    if (type !== key.type) {
      throw validationError(
        'One or more parameter values were invalid: Condition parameter type does not match schema type',
      );
    }
  }
}

function rangeBounds(predicate: KeyPredicate): RangeBounds {
  const [first, second] = predicate.values.map(encodeKeyValue) as [Buffer, Buffer | undefined];
  switch (predicate.operator) {
    case '=':
      return { lower: { key: first, inclusive: true }, upper: { key: first, inclusive: true } };
    case '<':
      return { upper: { key: first, inclusive: false } };
    case '<=':
      return { upper: { key: first, inclusive: true } };
    case '>':
      return { lower: { key: first, inclusive: false } };
    case '>=':
      return { lower: { key: first, inclusive: true } };
    case 'BETWEEN':
      if (Buffer.compare(first, second as Buffer) > 0) {
        throw validationError(
          'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound',
        );
      }
      return {
        lower: { key: first, inclusive: true },
        upper: { key: second as Buffer, inclusive: true },
      };
    default:
      return { prefix: first };
  }
}

/** Rejects a Query filter that uses a key attribute, which the key condition already selects. */
function checkFilterAttributes(filter: Condition, keys: (KeyAttribute | undefined)[]): void {
  const names = new Set(keys.filter((key) => key !== undefined).map((key) => key.name));
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as { type?: string; elements?: { name?: string }[] };
    if (record.type === 'path') {
      const first = record.elements?.[0]?.name;
      if (first !== undefined && names.has(first)) {
        throw validationError(
          `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${first}`,
        );
      }
      return;
    }
    if (record.type === 'value') return;
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else visit(value);
    }
  };
  visit(filter);
}
