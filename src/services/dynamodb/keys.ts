import { crc32 } from 'node:zlib';

import type { IndexEntry, RowKey } from '../../state/tables.js';
import { typeOf, type AttributeMap, type AttributeValue } from './attribute-value.js';
import { encodeSortableDecimal, parseDecimal } from './decimal.js';
import { validationError } from './errors.js';
import type { IndexDefinition, KeyAttribute, TableDefinition } from './table-schema.js';

/** An item's encoded primary key and the scan token of its partition key. */
export interface EncodedKey extends RowKey {
  scanToken: number;
}

/** Encodes a key value so that byte order is DynamoDB's order for its type. */
export function encodeKeyValue(value: AttributeValue): Buffer {
  if (value.S !== undefined) return Buffer.from(value.S, 'utf8');
  if (value.B !== undefined) return Buffer.from(value.B, 'base64');
  return encodeSortableDecimal(parseDecimal(value.N ?? '0'));
}

export function scanTokenOf(hashKey: Buffer): number {
  return crc32(hashKey);
}

function emptyKeyError(name: string, value: AttributeValue): Error {
  const kind = value.B !== undefined ? 'binary' : 'string';
  return validationError(
    `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${kind} value. Key: ${name}`,
  );
}

function isEmptyKeyValue(value: AttributeValue): boolean {
  return value.S === '' || value.B === '';
}

/** Checks the key attributes of an item being written (PutItem, Put, BatchWriteItem). */
export function checkItemKey(table: TableDefinition, item: AttributeMap): void {
  for (const key of [table.hashKey, table.rangeKey]) {
    if (key === undefined) continue;
    const value = item[key.name];
    if (value === undefined) {
      throw validationError(
        `One or more parameter values were invalid: Missing the key ${key.name} in the item`,
      );
    }
    checkKeyType(key, value);
    checkKeySize(value, key === table.hashKey);
  }
  for (const index of table.indexes) checkIndexKey(index, item);
}

function checkKeyType(key: KeyAttribute, value: AttributeValue): void {
  const actual = typeOf(value);
  if (actual !== key.type) {
    throw validationError(
      `One or more parameter values were invalid: Type mismatch for key ${key.name} expected: ${key.type} actual: ${actual}`,
    );
  }
  if (isEmptyKeyValue(value)) throw emptyKeyError(key.name, value);
}

/** Index key attributes may be absent (the item is left out of the index) but not mistyped. */
export function checkIndexKey(index: IndexDefinition, item: AttributeMap): void {
  for (const key of [index.hashKey, index.rangeKey]) {
    if (key === undefined) continue;
    const value = item[key.name];
    if (value === undefined) continue;
    const actual = typeOf(value);
    if (actual !== key.type) {
      throw validationError(
        `One or more parameter values were invalid: Type mismatch for Index Key ${key.name} Expected: ${key.type} Actual: ${actual} IndexName: ${index.name}`,
      );
    }
    if (isEmptyKeyValue(value)) {
      throw validationError(
        `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index.name}, IndexKey: ${key.name}`,
      );
    }
  }
}

/** Checks a Key parameter: exactly the table's key attributes, with their types. */
export function checkKey(table: TableDefinition, key: unknown): AttributeMap {
  const map = (key ?? {}) as AttributeMap;
  const expected = [table.hashKey, table.rangeKey].filter((item) => item !== undefined);
  const names = Object.keys(map);
  if (names.length !== expected.length || expected.some((item) => map[item.name] === undefined)) {
    throw validationError('The provided key element does not match the schema');
  }
  for (const attribute of expected) {
    const value = map[attribute.name] as AttributeValue;
    if (typeOf(value) !== attribute.type) {
      throw validationError('The provided key element does not match the schema');
    }
    if (isEmptyKeyValue(value)) throw emptyKeyError(attribute.name, value);
    checkKeySize(value, attribute === table.hashKey);
  }
  return map;
}

/** Partition key values are limited to 2048 bytes and sort key values to 1024, as on DynamoDB. */
function checkKeySize(value: AttributeValue, isHashKey: boolean): void {
  const bytes =
    value.S !== undefined
      ? Buffer.byteLength(value.S, 'utf8')
      : value.B !== undefined
        ? Buffer.byteLength(value.B, 'base64')
        : 0;
  if (isHashKey && bytes > 2048) {
    // DynamoDB's message has no space between "of" and the number.
    throw validationError(
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
    );
  }
  if (!isHashKey && bytes > 1024) {
    throw validationError(
      'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
    );
  }
}

/** Returns the key attributes of an item. */
export function keyOf(table: TableDefinition, item: AttributeMap): AttributeMap {
  const key: AttributeMap = { [table.hashKey.name]: item[table.hashKey.name] as AttributeValue };
  if (table.rangeKey !== undefined) {
    key[table.rangeKey.name] = item[table.rangeKey.name] as AttributeValue;
  }
  return key;
}

/** Encodes the primary key of a validated key or item. */
export function encodeKey(table: TableDefinition, item: AttributeMap): EncodedKey {
  const hashKey = encodeKeyValue(item[table.hashKey.name] as AttributeValue);
  const range = table.rangeKey === undefined ? undefined : item[table.rangeKey.name];
  return {
    hashKey,
    rangeKey: range === undefined ? Buffer.alloc(0) : encodeKeyValue(range),
    scanToken: scanTokenOf(hashKey),
  };
}

/** Returns one key per row for duplicate checks: table name, then the encoded key. */
export function keyIdentity(tableName: string, key: EncodedKey): string {
  return `${tableName}\u0000${key.hashKey.toString('hex')}\u0000${key.rangeKey.toString('hex')}`;
}

/** Returns the entries an item has in the table's indexes: those whose key attributes it has. */
export function indexEntriesOf(table: TableDefinition, item: AttributeMap): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const index of table.indexes) {
    const hash = item[index.hashKey.name];
    const range = index.rangeKey === undefined ? undefined : item[index.rangeKey.name];
    if (hash === undefined || (index.rangeKey !== undefined && range === undefined)) continue;
    const hashKey = encodeKeyValue(hash);
    entries.push({
      indexName: index.name,
      hashKey,
      rangeKey: range === undefined ? Buffer.alloc(0) : encodeKeyValue(range),
      scanToken: scanTokenOf(hashKey),
    });
  }
  return entries;
}
