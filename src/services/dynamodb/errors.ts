import { LambdaCraftError } from '../../errors.js';
import type { AttributeMap } from './attribute-value.js';

/** The JSON error shape's namespace; the SDKs take the error name after `#`. */
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

/** One entry of TransactionCanceledException's CancellationReasons, in request order. */
export interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: AttributeMap;
}

/**
 * A DynamoDB error: a LambdaCraftError with the wire name as `code`, plus members that
 * DynamoDB puts in the error body besides the message (`Item`, `CancellationReasons`).
 */
export class DynamoDBError extends LambdaCraftError {
  readonly members: Record<string, unknown>;

  constructor(code: string, message: string, members: Record<string, unknown> = {}, status = 400) {
    super(code, message, { status });
    this.members = members;
  }

  /** Returns the error body as DynamoDB's JSON protocol writes it. */
  toBody(): Record<string, unknown> {
    return { __type: `${ERROR_NAMESPACE}#${this.code}`, message: this.message, ...this.members };
  }
}

export function validationError(message: string): DynamoDBError {
  return new DynamoDBError('ValidationException', message);
}

export function resourceNotFound(): DynamoDBError {
  return new DynamoDBError('ResourceNotFoundException', 'Requested resource not found');
}

export function resourceInUse(message: string): DynamoDBError {
  return new DynamoDBError('ResourceInUseException', message);
}

/** ConditionalCheckFailedException, with the item when ReturnValuesOnConditionCheckFailure is ALL_OLD. */
export function conditionalCheckFailed(item: AttributeMap | undefined): DynamoDBError {
  return new DynamoDBError(
    'ConditionalCheckFailedException',
    'The conditional request failed',
    item === undefined ? {} : { Item: item },
  );
}

/** TransactionCanceledException; the message lists every reason code in request order. */
export function transactionCanceled(reasons: CancellationReason[]): DynamoDBError {
  const codes = reasons.map((reason) => reason.Code).join(', ');
  return new DynamoDBError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { CancellationReasons: reasons },
  );
}

export function isDynamoDBError(error: unknown): error is DynamoDBError {
  return error instanceof DynamoDBError;
}

/** Formats a request member for a message: strings as they are, anything else as JSON. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
