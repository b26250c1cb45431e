import { itemSize, validateMap, type AttributeMap } from '../attribute-value.js';
import { CapacityTally, readUnits, writeUnits } from '../capacity.js';
import { getTable, type DynamoDBContext, type OperationHandler } from '../context.js';
import {
  isDynamoDBError,
  transactionCanceled,
  validationError,
  type CancellationReason,
} from '../errors.js';
import { evaluateCondition } from '../expressions/condition.js';
import { projectItem } from '../expressions/paths.js';
import { checkKey, encodeKey, keyIdentity } from '../keys.js';
import { checkReturnOptions, projectionFrom } from './items.js';
import { clientRequestToken, isReplay, rememberToken, requestHash } from './request-tokens.js';
import {
  applyWrite,
  expressionAttributes,
  planConditionCheck,
  planDelete,
  planPut,
  planUpdate,
  type WritePlan,
} from './write-plan.js';

const MAX_TRANSACT_ITEMS = 100;
/** Transactions cost two units per item read or written, as DynamoDB bills them. */
const TRANSACTION_FACTOR = 2;

function transactItems(input: Record<string, unknown>): Record<string, unknown>[] {
  const items = input.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if (items.length > MAX_TRANSACT_ITEMS) {
    throw validationError(
      `1 validation error detected: Value '[${items.length} items]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100`,
    );
  }
  return items as Record<string, unknown>[];
}

function planTransactWrite(item: Record<string, unknown>, context: DynamoDBContext): WritePlan {
  const actions = ['ConditionCheck', 'Put', 'Delete', 'Update'].filter(
    (name) => item[name] !== undefined,
  );
  if (actions.length !== 1) {
    throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
  }
  const action = actions[0] as string;
  const request = item[action] as Record<string, unknown>;
  if (action === 'Put') return planPut(request, context);
  if (action === 'Delete') return planDelete(request, context);
  if (action === 'Update') return planUpdate(request, context);
  return planConditionCheck(request, context);
}

/**
 * TransactWriteItems: all writes commit in one SQLite transaction, or none. Every condition
 * is evaluated first; a failure cancels the transaction with a reason per item in order.
 * A ClientRequestToken is stored in that transaction when it commits. For 10 minutes after,
 * the same request with the same token succeeds again without writing (its consumed capacity
 * is the reads of the items), and a different request with it is rejected.
 */
export const transactWriteItems: OperationHandler = (input, context) => {
  const token = clientRequestToken(input);
  const hash = token === undefined ? undefined : requestHash(input);
  checkReturnOptions(input);
  const plans = transactItems(input).map((item) => planTransactWrite(item, context));
  const seen = new Set<string>();
  for (const plan of plans) {
    const identity = keyIdentity(plan.table.name, encodeKey(plan.table, plan.key));
    if (seen.has(identity)) {
      throw validationError('Transaction request cannot include multiple operations on one item');
    }
    seen.add(identity);
  }

  const tallies = new Map<string, CapacityTally>();
  context.store.transaction(() => {
    const olds = plans.map((plan) => context.writer.read(plan.table, plan.key));
    if (token !== undefined && hash !== undefined && isReplay(context, token, hash)) {
      plans.forEach((plan, i) => {
        const tally = tallies.get(plan.table.name) ?? new CapacityTally(plan.table);
        tallies.set(plan.table.name, tally);
        const old = olds[i];
        tally.addRead(readUnits(old === undefined ? 0 : itemSize(old), true));
      });
      return;
    }
    const reasons = plans.map((plan, i) => conditionReason(plan, olds[i]));
    if (reasons.some((reason) => reason.Code !== 'None')) throw transactionCanceled(reasons);

    plans.forEach((plan, i) => {
      const tally = tallies.get(plan.table.name) ?? new CapacityTally(plan.table);
      tallies.set(plan.table.name, tally);
      try {
        const result = applyWrite(context, plan, olds[i], undefined);
        const size = Math.max(itemSize(result.oldItem ?? {}), itemSize(result.newItem ?? {}));
        if (plan.kind === 'ConditionCheck')
          tally.addRead(TRANSACTION_FACTOR * readUnits(size, true));
        else tally.addWrite(TRANSACTION_FACTOR * writeUnits(size));
      } catch (error) {
        if (!isDynamoDBError(error) || error.code !== 'ValidationException') throw error;
        const failed = plans.map((_, j): CancellationReason =>
          j === i ? { Code: 'ValidationError', Message: error.message } : { Code: 'None' },
        );
        throw transactionCanceled(failed);
      }
    });
    if (token !== undefined && hash !== undefined) rememberToken(context, token, hash);
  });
  const consumed = [...tallies.values()]
    .map((tally) => tally.toResponse(input.ReturnConsumedCapacity))
    .filter((item) => item !== undefined);
  return consumed.length > 0 ? { ConsumedCapacity: consumed } : {};
};

function conditionReason(plan: WritePlan, old: AttributeMap | undefined): CancellationReason {
  if (plan.condition === undefined || evaluateCondition(plan.condition, old ?? {}))
    return { Code: 'None' };
  const reason: CancellationReason = {
    Code: 'ConditionalCheckFailed',
    Message: 'The conditional request failed',
  };
  if (plan.returnOldOnFailure && old !== undefined) reason.Item = old;
  return reason;
}

/** TransactGetItems: reads up to 100 items at one point in time (one SQLite transaction). */
export const transactGetItems: OperationHandler = (input, context) => {
  checkReturnOptions(input);
  const reads = transactItems(input).map((item) => {
    const request = item.Get as Record<string, unknown> | undefined;
    if (request === undefined || Object.keys(item).length !== 1) {
      throw validationError('TransactItems can only contain Get');
    }
    const table = getTable(context, request.TableName);
    const key = checkKey(table, validateMap(request.Key ?? {}));
    const attributes = expressionAttributes(request);
    const projection = projectionFrom(request, attributes);
    attributes.checkAllUsed();
    return { table, key, projection };
  });
  const seen = new Set<string>();
  for (const read of reads) {
    const identity = keyIdentity(read.table.name, encodeKey(read.table, read.key));
    if (seen.has(identity)) {
      throw validationError('Transaction request cannot include multiple operations on one item');
    }
    seen.add(identity);
  }

  const tallies = new Map<string, CapacityTally>();
  const responses = context.store.transaction(() =>
    reads.map(({ table, key, projection }) => {
      const item = context.writer.read(table, key);
      const tally = tallies.get(table.name) ?? new CapacityTally(table);
      tallies.set(table.name, tally);
      tally.addRead(TRANSACTION_FACTOR * readUnits(item === undefined ? 0 : itemSize(item), true));
      if (item === undefined) return {};
      return { Item: projection === undefined ? item : projectItem(item, projection) };
    }),
  );
  const response: Record<string, unknown> = { Responses: responses };
  const consumed = [...tallies.values()]
    .map((tally) => tally.toResponse(input.ReturnConsumedCapacity))
    .filter((item) => item !== undefined);
  if (consumed.length > 0) response.ConsumedCapacity = consumed;
  return response;
};
