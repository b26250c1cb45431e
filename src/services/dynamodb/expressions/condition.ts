import {
  ATTRIBUTE_TYPES,
  compareScalars,
  typeOf,
  valuesEqual,
  type AttributeMap,
  type AttributeValue,
} from '../attribute-value.js';
import { validationError } from '../errors.js';
import type { Condition, Operand } from './ast.js';
import { valueAt } from './paths.js';

/**
 * Evaluates a condition against an item (an empty map when the item does not exist). As in
 * DynamoDB, a comparison with a missing attribute or between different types is false,
 * except `<>`, which is true.
 */
export function evaluateCondition(condition: Condition, item: AttributeMap): boolean {
  switch (condition.type) {
    case 'and':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'or':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'not':
      return !evaluateCondition(condition.operand, item);
    case 'compare':
      return compare(
        condition.operator,
        operandValue(condition.left, item),
        operandValue(condition.right, item),
      );
    case 'between': {
      const value = operandValue(condition.operand, item);
      return (
        compare('>=', value, operandValue(condition.low, item)) &&
        compare('<=', value, operandValue(condition.high, item))
      );
    }
    case 'in': {
      const value = operandValue(condition.operand, item);
      return condition.list.some((entry) => compare('=', value, operandValue(entry, item)));
    }
    case 'function':
      return evaluateFunction(condition.name, condition.args, item);
  }
}

/** Returns an operand's value for a condition: a path's value, a literal, or `size(path)`. */
export function operandValue(operand: Operand, item: AttributeMap): AttributeValue | undefined {
  switch (operand.type) {
    case 'path':
      return valueAt(item, operand);
    case 'value':
      return operand.value;
    case 'call': {
      const value = operandValue(operand.args[0] as Operand, item);
      const size = value === undefined ? undefined : sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
    case 'arithmetic':
      return undefined;
  }
}

/** `size()`: characters of a string, bytes of binary, elements of sets, lists and maps. */
function sizeOf(value: AttributeValue): number | undefined {
  if (value.S !== undefined) return [...value.S].length;
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  const collection = value.SS ?? value.NS ?? value.BS ?? value.L;
  if (collection !== undefined) return collection.length;
  if (value.M !== undefined) return Object.keys(value.M).length;
  return undefined;
}

function compare(
  operator: string,
  left: AttributeValue | undefined,
  right: AttributeValue | undefined,
): boolean {
  // A missing attribute equals nothing, so `<>` with one is true and every other comparison false.
  if (left === undefined || right === undefined) return operator === '<>';
  if (operator === '=') return valuesEqual(left, right);
  if (operator === '<>') return !valuesEqual(left, right);

  const order = compareScalars(left, right);
  if (order === undefined) return false;
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

function evaluateFunction(name: string, args: Operand[], item: AttributeMap): boolean {
  const target = operandValue(args[0] as Operand, item);
  const argument = args[1] === undefined ? undefined : operandValue(args[1], item);
  switch (name) {
    case 'attribute_exists':
      return target !== undefined;
    case 'attribute_not_exists':
      return target === undefined;
    case 'attribute_type':
      return target !== undefined && typeOf(target) === attributeTypeName(argument);
    case 'begins_with':
      return beginsWith(target, argument);
    default:
      return contains(target, argument);
  }
}

function attributeTypeName(value: AttributeValue | undefined): string {
  const name = value?.S;
  if (name === undefined || !(ATTRIBUTE_TYPES as readonly string[]).includes(name)) {
    throw validationError(
      `Invalid ConditionExpression: Invalid attribute type name found; type: ${name ?? typeOf(value ?? { NULL: true })}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
    );
  }
  return name;
}

function beginsWith(
  target: AttributeValue | undefined,
  prefix: AttributeValue | undefined,
): boolean {
  if (target?.S !== undefined && prefix?.S !== undefined) return target.S.startsWith(prefix.S);
  if (target?.B !== undefined && prefix?.B !== undefined) {
    const bytes = Buffer.from(target.B, 'base64');
    const start = Buffer.from(prefix.B, 'base64');
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(
  target: AttributeValue | undefined,
  operand: AttributeValue | undefined,
): boolean {
  if (target === undefined || operand === undefined) return false;
  if (target.S !== undefined && operand.S !== undefined) return target.S.includes(operand.S);
  if (target.B !== undefined && operand.B !== undefined) {
    return Buffer.from(target.B, 'base64').includes(Buffer.from(operand.B, 'base64'));
  }
  if (target.SS !== undefined && operand.S !== undefined) return target.SS.includes(operand.S);
  if (target.BS !== undefined && operand.B !== undefined) return target.BS.includes(operand.B);
  if (target.NS !== undefined && operand.N !== undefined) {
    return target.NS.some((element) => valuesEqual({ N: element }, operand));
  }
  if (target.L !== undefined) return target.L.some((element) => valuesEqual(element, operand));
  return false;
}
