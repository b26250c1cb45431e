import type { ItemRow, ReadPosition } from '../../../state/tables.js';
import { typeOf, validateMap, type AttributeMap, type AttributeValue } from '../attribute-value.js';
import { CapacityTally, readUnits } from '../capacity.js';
import { validationError, showValue } from '../errors.js';
import type { Condition, DocumentPath } from '../expressions/ast.js';
import { evaluateCondition } from '../expressions/condition.js';
import { projectItem } from '../expressions/paths.js';
import { encodeKeyValue, scanTokenOf } from '../keys.js';
import type { IndexDefinition, KeyAttribute, TableDefinition } from '../table-schema.js';

/** DynamoDB stops a Query or Scan page once it has read 1 MB of items. */
const MAX_PAGE_BYTES = 1024 * 1024;

const SELECT_VALUES = [
  'ALL_ATTRIBUTES',
  'ALL_PROJECTED_ATTRIBUTES',
  'SPECIFIC_ATTRIBUTES',
  'COUNT',
];

/** The parts of a Query or Scan request that decide what a page returns. */
export interface PageRequest {
  table: TableDefinition;
  index: IndexDefinition | undefined;
  limit: number | undefined;
  filter: Condition | undefined;
  projection: DocumentPath[] | undefined;
  select: string;
  consistent: boolean;
  capacityMode: unknown;
}

/** Finds the index a Query or Scan names, or raises DynamoDB's error. */
export function indexOf(table: TableDefinition, name: unknown): IndexDefinition | undefined {
  if (name === undefined || name === null) return undefined;
  const index = table.indexes.find((item) => item.name === name);
  if (index === undefined) {
    throw validationError(`The table does not have the specified index: ${showValue(name)}`);
  }
  return index;
}

/** Checks Limit, Select and ConsistentRead against the table or index. */
export function checkPageOptions(
  input: Record<string, unknown>,
  index: IndexDefinition | undefined,
  projection: DocumentPath[] | undefined,
): { limit: number | undefined; select: string } {
  const limit = input.Limit === undefined ? undefined : Number(input.Limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw validationError(
      `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  const defaultSelect =
    projection !== undefined
      ? 'SPECIFIC_ATTRIBUTES'
      : index === undefined
        ? 'ALL_ATTRIBUTES'
        : 'ALL_PROJECTED_ATTRIBUTES';
  const select = (input.Select as string | undefined) ?? defaultSelect;
  if (!SELECT_VALUES.includes(select)) {
    throw validationError(
      `1 validation error detected: Value '${select}' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]`,
    );
  }
  if (projection !== undefined && select !== 'SPECIFIC_ATTRIBUTES') {
    throw validationError(
      'Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES or COUNT',
    );
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && index === undefined) {
    throw validationError(
      'One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is not supported',
    );
  }
  if (index?.global === true) {
    if (select === 'ALL_ATTRIBUTES' && index.projection.ProjectionType !== 'ALL') {
      throw validationError(
        `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`,
      );
    }
    if (input.ConsistentRead === true) {
      throw validationError('Consistent reads are not supported on global secondary indexes');
    }
  }
  return { limit, select };
}

function keyAttributes(table: TableDefinition, index: IndexDefinition | undefined): KeyAttribute[] {
  const keys = [table.hashKey, table.rangeKey, index?.hashKey, index?.rangeKey];
  const unique = new Map<string, KeyAttribute>();
  for (const key of keys) if (key !== undefined) unique.set(key.name, key);
  return [...unique.values()];
}

/** Reads ExclusiveStartKey into a position in the table's or index's order. */
export function startPosition(
  input: Record<string, unknown>,
  table: TableDefinition,
  index: IndexDefinition | undefined,
): ReadPosition | undefined {
  if (input.ExclusiveStartKey === undefined || input.ExclusiveStartKey === null) return undefined;
  const key = validateMap(input.ExclusiveStartKey);
  const expected = keyAttributes(table, index);
  const valid =
    Object.keys(key).length === expected.length &&
    expected.every((attribute) => {
      const value = key[attribute.name];
      return value !== undefined && typeOf(value) === attribute.type;
    });
  if (!valid) {
    throw validationError(
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
  }
  const encode = (attribute: KeyAttribute | undefined): Buffer =>
    attribute === undefined
      ? Buffer.alloc(0)
      : encodeKeyValue(key[attribute.name] as AttributeValue);
  const itemHashKey = encode(table.hashKey);
  const itemRangeKey = encode(table.rangeKey);
  if (index === undefined) {
    return { scanToken: scanTokenOf(itemHashKey), hashKey: itemHashKey, rangeKey: itemRangeKey };
  }
  const hashKey = encode(index.hashKey);
  return {
    scanToken: scanTokenOf(hashKey),
    hashKey,
    rangeKey: encode(index.rangeKey),
    itemHashKey,
    itemRangeKey,
  };
}

/** Returns an item as an index projects it: its keys, the table's keys and included attributes. */
function projectForIndex(
  item: AttributeMap,
  table: TableDefinition,
  index: IndexDefinition,
): AttributeMap {
  if (index.projection.ProjectionType === 'ALL') return item;
  const names = [
    ...keyAttributes(table, index).map((key) => key.name),
    ...(index.projection.NonKeyAttributes ?? []),
  ];
  const projected: AttributeMap = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) projected[name] = value;
  }
  return projected;
}

/**
 * Reads one page of rows in order: stops after Limit items read (before the filter) or
 * after 1 MB, and then returns LastEvaluatedKey with the keys of the last item read.
 */
export function readPage(rows: Iterable<ItemRow>, request: PageRequest): Record<string, unknown> {
  const items: AttributeMap[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: AttributeMap | undefined;
  let stopped = false;
  for (const row of rows) {
    if (stopped) break;
    const stored = JSON.parse(row.item) as AttributeMap;
    scanned += 1;
    bytes += row.sizeBytes;
    last = stored;
    const visible = selectAttributes(stored, request);
    if (request.filter === undefined || evaluateCondition(request.filter, visible.forFilter)) {
      items.push(visible.returned);
    }
    stopped = scanned === request.limit || bytes >= MAX_PAGE_BYTES;
  }
  return pageResponse(request, items, scanned, bytes, stopped ? last : undefined);
}

function selectAttributes(
  item: AttributeMap,
  request: PageRequest,
): { forFilter: AttributeMap; returned: AttributeMap } {
  const { table, index } = request;
  const fromIndex =
    index === undefined || (!index.global && request.select === 'ALL_ATTRIBUTES')
      ? item
      : projectForIndex(item, table, index);
  const returned =
    request.projection === undefined ? fromIndex : projectItem(fromIndex, request.projection);
  return { forFilter: fromIndex, returned };
}

function pageResponse(
  request: PageRequest,
  items: AttributeMap[],
  scanned: number,
  bytes: number,
  last: AttributeMap | undefined,
): Record<string, unknown> {
  const response: Record<string, unknown> = { Count: items.length, ScannedCount: scanned };
  if (request.select !== 'COUNT') response.Items = items;
  if (last !== undefined) {
    const key: AttributeMap = {};
    for (const attribute of keyAttributes(request.table, request.index)) {
      key[attribute.name] = last[attribute.name] as AttributeValue;
    }
    response.LastEvaluatedKey = key;
  }
  const capacity = new CapacityTally(request.table);
  capacity.addRead(readUnits(bytes, request.consistent), request.index?.name);
  const consumed = capacity.toResponse(request.capacityMode);
  if (consumed !== undefined) response.ConsumedCapacity = consumed;
  return response;
}
