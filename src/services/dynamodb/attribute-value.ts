import {
  canonicalNumber,
  compareDecimals,
  DecimalError,
  parseDecimal,
  type Decimal,
} from './decimal.js';
import { validationError } from './errors.js';

/** A DynamoDB AttributeValue in its JSON form; exactly one member is set. */
export interface AttributeValue {
  S?: string;
  N?: string;
  /** Base64. */
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  SS?: string[];
  NS?: string[];
  BS?: string[];
  L?: AttributeValue[];
  M?: AttributeMap;
}

export type AttributeMap = Record<string, AttributeValue>;

export const ATTRIBUTE_TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** DynamoDB's maximum item size: 400 KB, counting attribute names and values. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Returns the type member of a stored (already validated) value. */
export function typeOf(value: AttributeValue): AttributeType {
  for (const type of ATTRIBUTE_TYPES) {
    if (value[type] !== undefined) return type;
  }
  throw new Error(`attribute value has no type: ${JSON.stringify(value)}`);
}

const SET_NAMES: Record<string, string> = { SS: 'string', NS: 'number', BS: 'binary' };

/**
 * Checks a value from a request and returns it in canonical form: numbers as DynamoDB
 * returns them, binary re-encoded as base64. Raises DynamoDB's ValidationException.
 */
export function validateValue(value: unknown, depth = 0): AttributeValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  const members = Object.entries(value as Record<string, unknown>).filter(
    ([, member]) => member !== undefined && member !== null,
  );
  if (members.length === 0) {
    throw validationError(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  if (members.length > 1) {
    throw validationError(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  const [type, member] = members[0] as [string, unknown];
  return validateMember(type, member, depth);
}

/** DynamoDB's limit on lists and maps inside one another. */
const MAX_NESTING_LEVELS = 32;

/** `depth` counts the lists and maps that contain the value. */
function validateMember(type: string, member: unknown, depth: number): AttributeValue {
  if ((type === 'L' || type === 'M') && depth >= MAX_NESTING_LEVELS) {
    throw validationError(
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    );
  }
  switch (type) {
    case 'S':
      return { S: expectString(member, type) };
    case 'N':
      return { N: validNumber(expectString(member, type)) };
    case 'B':
      return { B: canonicalBinary(member) };
    case 'BOOL':
      if (typeof member !== 'boolean') throw wrongShape(type);
      return { BOOL: member };
    case 'NULL':
      if (member !== true) {
        throw validationError(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      }
      return { NULL: true };
    case 'SS':
    case 'NS':
    case 'BS':
      return { [type]: validateSet(type, member) };
    case 'L':
      if (!Array.isArray(member)) throw wrongShape(type);
      return { L: member.map((element) => validateValue(element, depth + 1)) };
    case 'M':
      return { M: validateMap(member, depth + 1) };
    default:
      throw validationError(`Supplied AttributeValue has an unknown datatype: ${type}`);
  }
}

/** Checks every attribute of an item or key map; `depth` as for `validateMember`. */
export function validateMap(map: unknown, depth = 0): AttributeMap {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw wrongShape('M');
  const result: AttributeMap = {};
  for (const [name, value] of Object.entries(map as Record<string, unknown>)) {
    result[name] = validateValue(value, depth);
  }
  return result;
}

function wrongShape(type: string): Error {
  return validationError(`Supplied AttributeValue has an invalid value for datatype ${type}`);
}

function expectString(member: unknown, type: string): string {
  if (typeof member !== 'string') throw wrongShape(type);
  return member;
}

function validNumber(text: string): string {
  try {
    return canonicalNumber(text);
  } catch (error) {
    if (error instanceof DecimalError) throw validationError(error.message);
    throw error;
  }
}

function canonicalBinary(member: unknown): string {
  if (typeof member !== 'string') throw wrongShape('B');
  return Buffer.from(member, 'base64').toString('base64');
}

function validateSet(type: string, member: unknown): string[] {
  if (!Array.isArray(member)) throw wrongShape(type);
  if (member.length === 0) {
    throw validationError(
      `One or more parameter values were invalid: An ${SET_NAMES[type]} set  may not be empty`,
    );
  }
  const elements = member.map((element) =>
    type === 'NS'
      ? validNumber(expectString(element, type))
      : type === 'BS'
        ? canonicalBinary(element)
        : expectString(element, type),
  );
  if (new Set(elements).size !== elements.length) {
    throw validationError(
      `One or more parameter values were invalid: Input collection [${member.join(', ')}] contains duplicates.`,
    );
  }
  return elements;
}

/**
 * Returns the size of a value in bytes as DynamoDB counts it: strings and binary by their
 * bytes, numbers at about one byte per two significant digits plus one, BOOL and NULL one
 * byte, lists and maps three bytes plus one byte and the size of each element.
 */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return sum(value.SS.map((element) => Buffer.byteLength(element)));
  if (value.NS !== undefined) return sum(value.NS.map(numberSize));
  if (value.BS !== undefined) {
    return sum(value.BS.map((element) => Buffer.from(element, 'base64').length));
  }
  if (value.L !== undefined) return 3 + sum(value.L.map((element) => 1 + valueSize(element)));
  const entries = Object.entries(value.M ?? {});
  return (
    3 + sum(entries.map(([name, element]) => 1 + Buffer.byteLength(name) + valueSize(element)))
  );
}

function numberSize(text: string): number {
  const digits = text.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Returns an item's size in bytes: each attribute name's UTF-8 bytes plus its value's size. */
export function itemSize(item: AttributeMap): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

export function decimalOf(value: AttributeValue): Decimal {
  return parseDecimal(value.N ?? '0');
}

/**
 * Orders two scalar values of one type as DynamoDB does: numbers numerically, strings by
 * their UTF-8 bytes, binary by bytes. Returns undefined when the values cannot be ordered.
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.N !== undefined && b.N !== undefined) return compareDecimals(decimalOf(a), decimalOf(b));
  if (a.S !== undefined && b.S !== undefined) {
    return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  }
  if (a.B !== undefined && b.B !== undefined) {
    return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  }
  return undefined;
}

/** Compares two values for equality; sets compare as sets, lists in order, maps by name. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case 'S':
    case 'B':
    case 'BOOL':
    case 'NULL':
      return a[type] === b[type];
    case 'N':
      return compareScalars(a, b) === 0;
    case 'SS':
    case 'BS':
      return sameSet(a[type] ?? [], b[type] ?? []);
    case 'NS':
      return sameSet((a.NS ?? []).map(canonicalNumber), (b.NS ?? []).map(canonicalNumber));
    case 'L':
      return listsEqual(a.L ?? [], b.L ?? []);
    case 'M':
      return mapsEqual(a.M ?? {}, b.M ?? {});
  }
}

function sameSet(a: string[], b: string[]): boolean {
  const elements = new Set(a);
  return a.length === b.length && b.every((element) => elements.has(element));
}

function listsEqual(a: AttributeValue[], b: AttributeValue[]): boolean {
  return (
    a.length === b.length && a.every((element, i) => valuesEqual(element, b[i] as AttributeValue))
  );
}

function mapsEqual(a: AttributeMap, b: AttributeMap): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => {
    const other = b[name];
    return other !== undefined && valuesEqual(a[name] as AttributeValue, other);
  });
}

/** Formats a value as DynamoDB does in messages: `{S:abc}`, `{N:5}`. */
export function describeValue(value: AttributeValue): string {
  const type = typeOf(value);
  return `{${type}:${JSON.stringify(value[type]).replace(/^"|"$/g, '')}}`;
}
