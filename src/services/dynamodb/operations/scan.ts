import { getTable, type OperationHandler } from '../context.js';
import { validationError, showValue } from '../errors.js';
import { checkReturnOptions, projectionFrom } from './items.js';
import { checkPageOptions, indexOf, readPage, startPosition } from './read-page.js';
import { conditionFrom, expressionAttributes } from './write-plan.js';

const TOKEN_SPACE = 2 ** 32;
const MAX_TOTAL_SEGMENTS = 1_000_000;

/**
 * Scan: every item of a table or index in scan order (by the partition key's hash). A
 * parallel scan's segment is one contiguous range of that hash.
 */
export const scan: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const table = getTable(context, input.TableName);
  const index = indexOf(table, input.IndexName);
  const attributes = expressionAttributes(input);
  const filter = conditionFrom(input, attributes, 'FilterExpression', input.ScanFilter);
  const projection = projectionFrom(input, attributes);
  attributes.checkAllUsed();
  const { limit, select } = checkPageOptions(input, index, projection);
  const [fromToken, toToken] = segmentTokens(input.Segment, input.TotalSegments);
  const after = startPosition(input, table, index);

  const rows =
    index === undefined
      ? context.store.scanItems(table.name, fromToken, toToken, after)
      : context.store.scanIndex(table.name, index.name, fromToken, toToken, after);
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

/** Returns the scan token range [from, to) of a parallel scan segment, or every token. */
function segmentTokens(segment: unknown, totalSegments: unknown): [number, number] {
  if (segment === undefined && totalSegments === undefined) return [0, TOKEN_SPACE];
  if (totalSegments === undefined) {
    throw validationError(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
  }
  if (segment === undefined) {
    throw validationError(
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
  }
  const total = Number(totalSegments);
  const index = Number(segment);
  if (!Number.isInteger(total) || total < 1 || total > MAX_TOTAL_SEGMENTS) {
    throw validationError(
      `1 validation error detected: Value '${showValue(totalSegments)}' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000`,
    );
  }
  if (!Number.isInteger(index) || index < 0) {
    throw validationError(
      `1 validation error detected: Value '${showValue(segment)}' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  if (index >= total) {
    throw validationError(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${index} is not less than TotalSegments: ${total}`,
    );
  }
  return [
    Math.floor((index * TOKEN_SPACE) / total),
    Math.floor(((index + 1) * TOKEN_SPACE) / total),
  ];
}
