import { validateValue, type AttributeValue } from './attribute-value.js';
import { validationError, showValue } from './errors.js';
import type {
  Condition,
  DocumentPath,
  Operand,
  UpdateClause,
  UpdateClauseName,
} from './expressions/ast.js';

/**
 * The parameters from before expressions existed (Expected, KeyConditions, QueryFilter,
 * ScanFilter, AttributeUpdates, AttributesToGet), translated into the expression trees.
 */

const OPERAND_COUNTS: Record<string, number> = {
  EQ: 1,
  NE: 1,
  LE: 1,
  LT: 1,
  GE: 1,
  GT: 1,
  NOT_NULL: 0,
  NULL: 0,
  CONTAINS: 1,
  NOT_CONTAINS: 1,
  BEGINS_WITH: 1,
  BETWEEN: 2,
};

const COMPARATORS: Record<string, '=' | '<=' | '<' | '>=' | '>'> = {
  EQ: '=',
  LE: '<=',
  LT: '<',
  GE: '>=',
  GT: '>',
};

function attributePath(name: string): DocumentPath {
  return { type: 'path', elements: [{ name }] };
}

function literal(value: AttributeValue): Operand {
  return { type: 'value', name: '', value };
}

interface LegacyCondition {
  ComparisonOperator?: string;
  AttributeValueList?: unknown[];
  Exists?: boolean;
  Value?: unknown;
}

/**
 * Translates a map of attribute conditions (Expected, KeyConditions, QueryFilter,
 * ScanFilter) joined by ConditionalOperator (AND unless OR). Returns undefined for none.
 */
export function legacyCondition(
  conditions: unknown,
  conditionalOperator: unknown,
): Condition | undefined {
  if (conditions === undefined || conditions === null) return undefined;
  if (
    conditionalOperator !== undefined &&
    conditionalOperator !== 'AND' &&
    conditionalOperator !== 'OR'
  ) {
    throw validationError(
      `1 validation error detected: Value '${showValue(conditionalOperator)}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]`,
    );
  }
  const parts = Object.entries(conditions as Record<string, LegacyCondition>).map(
    ([name, condition]) => translate(name, condition),
  );
  if (parts.length === 0) return undefined;
  const join = conditionalOperator === 'OR' ? 'or' : 'and';
  return parts.reduce((left, right) => ({ type: join, left, right }));
}

function translate(name: string, condition: LegacyCondition): Condition {
  const path = attributePath(name);
  if (condition.ComparisonOperator === undefined) return translateExists(name, condition);

  const operator = condition.ComparisonOperator;
  const values = (condition.AttributeValueList ?? []).map((value) => literal(validateValue(value)));
  const count = OPERAND_COUNTS[operator];
  if (operator !== 'IN' && count === undefined) {
    throw validationError(
      `1 validation error detected: Value '${operator}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]`,
    );
  }
  if (
    (count !== undefined && values.length !== count) ||
    (operator === 'IN' && values.length === 0)
  ) {
    throw validationError(
      `One or more parameter values were invalid: Invalid number of argument(s) for the ${operator} ComparisonOperator`,
    );
  }
  const comparator = COMPARATORS[operator];
  if (comparator !== undefined)
    return { type: 'compare', operator: comparator, left: path, right: values[0] as Operand };
  switch (operator) {
    case 'NE':
      return {
        type: 'not',
        operand: { type: 'compare', operator: '=', left: path, right: values[0] as Operand },
      };
    case 'NOT_NULL':
      return { type: 'function', name: 'attribute_exists', args: [path] };
    case 'NULL':
      return { type: 'function', name: 'attribute_not_exists', args: [path] };
    case 'CONTAINS':
      return { type: 'function', name: 'contains', args: [path, values[0] as Operand] };
    case 'NOT_CONTAINS':
      return {
        type: 'not',
        operand: { type: 'function', name: 'contains', args: [path, values[0] as Operand] },
      };
    case 'BEGINS_WITH':
      return { type: 'function', name: 'begins_with', args: [path, values[0] as Operand] };
    case 'BETWEEN':
      return {
        type: 'between',
        operand: path,
        low: values[0] as Operand,
        high: values[1] as Operand,
      };
    default:
      return { type: 'in', operand: path, list: values };
  }
}

/** Expected's older form: `Exists` and `Value`. */
function translateExists(name: string, condition: LegacyCondition): Condition {
  const path = attributePath(name);
  if (condition.Exists === false) {
    if (condition.Value !== undefined) {
      throw validationError(
        `One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: ${name}`,
      );
    }
    return { type: 'function', name: 'attribute_not_exists', args: [path] };
  }
  if (condition.Value === undefined) {
    throw validationError(
      `One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: ${name}`,
    );
  }
  return {
    type: 'compare',
    operator: '=',
    left: path,
    right: literal(validateValue(condition.Value)),
  };
}

/** Translates AttributeUpdates (`{name: {Action, Value}}`) into update clauses. */
export function legacyUpdate(updates: unknown): UpdateClause[] {
  const clauses = new Map<UpdateClauseName, UpdateClause>();
  const add = (clause: UpdateClauseName, path: DocumentPath, value: Operand | undefined): void => {
    const entry = clauses.get(clause) ?? { clause, actions: [] };
    entry.actions.push({ path, value });
    clauses.set(clause, entry);
  };
  for (const [name, update] of Object.entries(
    (updates ?? {}) as Record<string, { Action?: string; Value?: unknown }>,
  )) {
    const action = update.Action ?? 'PUT';
    const value = update.Value === undefined ? undefined : literal(validateValue(update.Value));
    const path = attributePath(name);
    if (action === 'PUT') {
      if (value === undefined) {
        throw validationError(
          `One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: ${name}`,
        );
      }
      add('SET', path, value);
    } else if (action === 'DELETE') {
      add(value === undefined ? 'REMOVE' : 'DELETE', path, value);
    } else if (action === 'ADD') {
      if (value === undefined) {
        throw validationError(
          `One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: ${name}`,
        );
      }
      add('ADD', path, value);
    } else {
      throw validationError(
        `1 validation error detected: Value '${action}' at 'attributeUpdates.${name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]`,
      );
    }
  }
  return [...clauses.values()];
}

/** Translates AttributesToGet into projection paths. */
export function legacyProjection(names: unknown): DocumentPath[] | undefined {
  if (names === undefined || names === null) return undefined;
  if (!Array.isArray(names) || names.length === 0) {
    throw validationError(
      "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const unique = new Set(names.map(String));
  if (unique.size !== names.length) {
    throw validationError(
      `One or more parameter values were invalid: Duplicate value in attribute name: ${names.join(', ')}`,
    );
  }
  return [...unique].map(attributePath);
}
