import { createHash } from 'node:crypto';

import type { DynamoDBContext } from '../context.js';
import { DynamoDBError, validationError } from '../errors.js';

/** How long DynamoDB remembers a TransactWriteItems ClientRequestToken after the request. */
export const TOKEN_WINDOW_MS = 10 * 60 * 1000;
const MAX_TOKEN_LENGTH = 36;

/** Returns the request's ClientRequestToken after checking its length (1 to 36), or undefined. */
export function clientRequestToken(input: Record<string, unknown>): string | undefined {
  const token = input.ClientRequestToken;
  if (token === undefined || token === null) return undefined;
  if (typeof token !== 'string') {
    throw validationError(
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must be a string",
    );
  }
  if (token.length === 0) {
    throw validationError(
      "1 validation error detected: Value '' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw validationError(
      `1 validation error detected: Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TOKEN_LENGTH}`,
    );
  }
  return token;
}

/**
 * Hashes every request member except the token itself. Object keys are sorted first, so two
 * requests that differ only in JSON member order hash the same, as DynamoDB treats them.
 */
export function requestHash(input: Record<string, unknown>): string {
  const rest = Object.fromEntries(
    Object.entries(input).filter(([name]) => name !== 'ClientRequestToken'),
  );
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Looks a token up inside the caller's SQLite transaction. Returns true when a request with
 * the same token and the same members completed within the last 10 minutes, false when the
 * token is new or expired, and raises IdempotentParameterMismatchException when the earlier
 * request differed.
 */
export function isReplay(context: DynamoDBContext, token: string, hash: string): boolean {
  const stored = context.store.findTransactionToken(token, context.nowMs() - TOKEN_WINDOW_MS);
  if (stored === undefined) return false;
  if (stored !== hash) {
    // NOTE: the message is the API reference's description of this error. The text that
    // DynamoDB itself sends is unconfirmed.
    throw new DynamoDBError(
      'IdempotentParameterMismatchException',
      'DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.',
    );
  }
  return true;
}

/** Stores a completed request's token and deletes the tokens older than 10 minutes. */
export function rememberToken(context: DynamoDBContext, token: string, hash: string): void {
  const now = context.nowMs();
  context.store.deleteTransactionTokensBefore(now - TOKEN_WINDOW_MS);
  context.store.saveTransactionToken(token, hash, now);
}
