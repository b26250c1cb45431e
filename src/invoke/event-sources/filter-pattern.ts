/**
 * Lambda's event filtering (the EventBridge pattern subset event source mappings accept):
 * a pattern is a JSON object whose leaves are arrays of conditions. Fields of one pattern
 * must all match (AND). The conditions of one array, and the values of an array in the
 * record, match when any one matches (OR).
 */

/** A parsed FilterCriteria pattern. */
export type FilterPattern = { [key: string]: FilterPattern | Condition[] };

type Condition =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { 'anything-but': (string | number)[] | { prefix: string } }
  | { numeric: (string | number)[] }
  | { exists: boolean };

/** Patterns longer than this are rejected, as Lambda rejects them. */
export const MAX_PATTERN_LENGTH = 4096;

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/** Raised for a pattern Lambda would reject; the message names the offending part. */
export class InvalidFilterPatternError extends Error {}

/** Parses and checks a `FilterCriteria.Filters[].Pattern` string. */
export function parseFilterPattern(text: string): FilterPattern {
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new InvalidFilterPatternError(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidFilterPatternError('pattern is not valid JSON');
  }
  checkObject(parsed, 'pattern');
  return parsed as FilterPattern;
}

function checkObject(value: unknown, path: string): void {
  if (!isObject(value)) {
    throw new InvalidFilterPatternError(`${path} must be a JSON object`);
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    if (Array.isArray(child)) {
      if (child.length === 0) throw new InvalidFilterPatternError(`${childPath} is an empty array`);
      for (const condition of child) checkCondition(condition, childPath);
    } else {
      checkObject(child, childPath);
    }
  }
}

function checkCondition(condition: unknown, path: string): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isObject(condition) || Object.keys(condition).length !== 1) {
    throw new InvalidFilterPatternError(`${path} has an invalid condition`);
  }
  const [operator, operand] = Object.entries(condition)[0] ?? ['', undefined];
  const valid =
    (operator === 'prefix' && typeof operand === 'string') ||
    (operator === 'exists' && typeof operand === 'boolean') ||
    (operator === 'numeric' && isNumericOperand(operand)) ||
    (operator === 'anything-but' && isAnythingButOperand(operand));
  if (!valid) throw new InvalidFilterPatternError(`${path} has an invalid '${operator}' condition`);
}

/** `[">", 10, "<=", 20]`: one or two pairs of an operator and a number. */
function isNumericOperand(operand: unknown): boolean {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) return false;
  for (let i = 0; i < operand.length; i += 2) {
    const operator: unknown = operand[i];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) return false;
    if (typeof operand[i + 1] !== 'number') return false;
  }
  return true;
}

function isAnythingButOperand(operand: unknown): boolean {
  if (typeof operand === 'string' || typeof operand === 'number') return true;
  if (Array.isArray(operand)) {
    return operand.every((item) => typeof item === 'string' || typeof item === 'number');
  }
  return isObject(operand) && typeof operand.prefix === 'string';
}

/** Returns true when the record matches at least one of the patterns, or there are none. */
export function matchesAnyPattern(patterns: FilterPattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));
}

/** Returns true when every field of the pattern matches the record. */
export function matchesPattern(pattern: FilterPattern, record: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const field = isObject(record) ? record[key] : undefined;
    const matched = Array.isArray(expected)
      ? matchesConditions(expected, field)
      : matchesPattern(expected, field);
    if (!matched) return false;
  }
  return true;
}

function matchesConditions(conditions: Condition[], field: unknown): boolean {
  const values = Array.isArray(field) ? (field as unknown[]) : [field];
  return conditions.some((condition) => {
    if (isObject(condition) && 'exists' in condition) {
      return condition.exists === (field !== undefined && !isObject(field));
    }
    if (field === undefined) return false;
    return values.some((value) => matchesCondition(condition, value));
  });
}

function matchesCondition(condition: Condition, value: unknown): boolean {
  if (!isObject(condition)) return condition === value;
  if ('prefix' in condition) {
    return typeof value === 'string' && value.startsWith(condition.prefix);
  }
  if ('numeric' in condition) return matchesNumeric(condition.numeric, value);
  if ('anything-but' in condition) return matchesAnythingBut(condition['anything-but'], value);
  return false;
}

/**
 * Compares a number, or a string holding one as DynamoDB's `N` values do, with each
 * operator and bound of a `numeric` condition.
 */
function matchesNumeric(operand: (string | number)[], value: unknown): boolean {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) return false;
  for (let i = 0; i < operand.length; i += 2) {
    const bound = Number(operand[i + 1]);
    const operator = operand[i];
    const holds =
      (operator === '=' && number === bound) ||
      (operator === '<' && number < bound) ||
      (operator === '<=' && number <= bound) ||
      (operator === '>' && number > bound) ||
      (operator === '>=' && number >= bound);
    if (!holds) return false;
  }
  return true;
}

function matchesAnythingBut(
  operand: (string | number)[] | { prefix: string } | string | number,
  value: unknown,
): boolean {
  if (value === null || isObject(value)) return false;
  if (Array.isArray(operand)) return !operand.includes(value as string | number);
  if (isObject(operand)) return !(typeof value === 'string' && value.startsWith(operand.prefix));
  return operand !== value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
