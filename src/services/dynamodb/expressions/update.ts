import {
  decimalOf,
  typeOf,
  valuesEqual,
  type AttributeMap,
  type AttributeValue,
} from '../attribute-value.js';
import { addDecimals, DecimalError, formatDecimal, negateDecimal } from '../decimal.js';
import { validationError } from '../errors.js';
import type { DocumentPath, Operand, UpdateClause } from './ast.js';
import { removeValueAt, setValueAt, valueAt } from './paths.js';

/** DynamoDB's names of attribute types in operand type errors. */
const TYPE_NAMES: Record<string, string> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  BOOL: 'BOOLEAN',
  NULL: 'NULL',
  SS: 'STRING_SET',
  NS: 'NUMBER_SET',
  BS: 'BINARY_SET',
  L: 'LIST',
  M: 'MAP',
};

function incorrectDataType(): Error {
  return validationError('An operand in the update expression has an incorrect data type');
}

/**
 * Applies an update expression to a copy of an item and returns the copy with the paths
 * the expression changed. Every operand is read from the item as it was before the
 * update, as DynamoDB evaluates them.
 */
export function applyUpdate(
  item: AttributeMap,
  clauses: UpdateClause[],
): { item: AttributeMap; updatedPaths: DocumentPath[] } {
  const updated = structuredClone(item);
  const updatedPaths: DocumentPath[] = [];
  for (const clause of clauses) {
    const actions =
      clause.clause === 'REMOVE' ? [...clause.actions].sort(byLastIndexDescending) : clause.actions;
    for (const action of actions) {
      applyAction(clause.clause, action.path, action.value, item, updated);
      updatedPaths.push(action.path);
    }
  }
  return { item: updated, updatedPaths };
}

/** Removing several elements of one list uses the original indexes: remove the highest first. */
function byLastIndexDescending(a: { path: DocumentPath }, b: { path: DocumentPath }): number {
  const last = (path: DocumentPath): number => {
    const element = path.elements[path.elements.length - 1];
    return element !== undefined && 'index' in element ? element.index : -1;
  };
  return last(b.path) - last(a.path);
}

function applyAction(
  clause: string,
  path: DocumentPath,
  value: Operand | undefined,
  original: AttributeMap,
  updated: AttributeMap,
): void {
  if (clause === 'REMOVE') {
    removeValueAt(updated, path);
    return;
  }
  const operand = updateValue(value as Operand, original);
  if (clause === 'SET') setValueAt(updated, path, operand);
  else if (clause === 'ADD') add(updated, path, operand);
  else deleteFromSet(updated, path, operand);
}

/** Evaluates the value of a SET, ADD or DELETE action against the original item. */
function updateValue(operand: Operand, item: AttributeMap): AttributeValue {
  switch (operand.type) {
    case 'value':
      return operand.value;
    case 'path': {
      const value = valueAt(item, operand);
      if (value === undefined) {
        throw validationError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      }
      return value;
    }
    case 'arithmetic':
      return arithmetic(
        operand.operator,
        updateValue(operand.left, item),
        updateValue(operand.right, item),
      );
    case 'call':
      if (operand.name === 'if_not_exists') {
        return (
          valueAt(item, operand.args[0] as DocumentPath) ??
          updateValue(operand.args[1] as Operand, item)
        );
      }
      return listAppend(
        updateValue(operand.args[0] as Operand, item),
        updateValue(operand.args[1] as Operand, item),
      );
  }
}

function arithmetic(
  operator: '+' | '-',
  left: AttributeValue,
  right: AttributeValue,
): AttributeValue {
  if (left.N === undefined || right.N === undefined) throw incorrectDataType();
  const rightValue = operator === '+' ? decimalOf(right) : negateDecimal(decimalOf(right));
  return { N: formatDecimal(sumOrRaise(decimalOf(left), rightValue)) };
}

function sumOrRaise(
  a: ReturnType<typeof decimalOf>,
  b: ReturnType<typeof decimalOf>,
): ReturnType<typeof decimalOf> {
  try {
    return addDecimals(a, b);
  } catch (error) {
    if (error instanceof DecimalError) throw validationError(error.message);
    throw error;
  }
}

function listAppend(left: AttributeValue, right: AttributeValue): AttributeValue {
  if (left.L === undefined || right.L === undefined) throw incorrectDataType();
  return { L: [...left.L, ...right.L] };
}

function operandTypeError(operator: string, value: AttributeValue): Error {
  return validationError(
    `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${operator}, operand type: ${TYPE_NAMES[typeOf(value)] ?? typeOf(value)}`,
  );
}

/** ADD: adds to a number or unites sets; a missing attribute takes the value. */
function add(item: AttributeMap, path: DocumentPath, value: AttributeValue): void {
  const type = typeOf(value);
  if (type !== 'N' && type !== 'SS' && type !== 'NS' && type !== 'BS')
    throw operandTypeError('ADD', value);

  const current = valueAt(item, path);
  if (current === undefined) {
    setValueAt(item, path, value);
    return;
  }
  if (typeOf(current) !== type) throw incorrectDataType();
  if (type === 'N') {
    setValueAt(item, path, { N: formatDecimal(sumOrRaise(decimalOf(current), decimalOf(value))) });
    return;
  }
  const elements = [...(current[type] ?? [])];
  for (const element of value[type] ?? []) {
    if (!elements.some((existing) => sameSetElement(type, existing, element)))
      elements.push(element);
  }
  setValueAt(item, path, { [type]: elements });
}

/** DELETE: removes elements from a set; an emptied set removes the attribute. */
function deleteFromSet(item: AttributeMap, path: DocumentPath, value: AttributeValue): void {
  const type = typeOf(value);
  if (type !== 'SS' && type !== 'NS' && type !== 'BS') throw operandTypeError('DELETE', value);

  const current = valueAt(item, path);
  if (current === undefined) return;
  if (typeOf(current) !== type) throw incorrectDataType();
  const removed = value[type] ?? [];
  const kept = (current[type] ?? []).filter(
    (element) => !removed.some((other) => sameSetElement(type, element, other)),
  );
  if (kept.length === 0) removeValueAt(item, path);
  else setValueAt(item, path, { [type]: kept });
}

function sameSetElement(type: string, a: string, b: string): boolean {
  return type === 'NS' ? valuesEqual({ N: a }, { N: b }) : a === b;
}
