import type http from 'node:http';

import {
  FUNCTION_NAME_MODEL_PATTERN,
  functionArn,
  parseFunctionReference,
  type AccountContext,
  type FunctionReference,
} from '../../functions/arn.js';
import { readBody } from '../read-body.js';
import { lambdaError, validationError } from './errors.js';

/** Control-plane request bodies are small JSON documents; Lambda's largest is far below this. */
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

/**
 * The longest FunctionName that Invoke and GetFunction take, ARN and qualifier included.
 * NOTE: some operations (the concurrency and EventInvokeConfig ones) allow 140; a name of 141
 * to 170 characters gets ResourceNotFoundException from them here, not Lambda's length error.
 */
const MAX_FUNCTION_NAME_CHARS = 170;
const MODEL_PATTERN = new RegExp(`^${FUNCTION_NAME_MODEL_PATTERN}$`);

/**
 * Parses the `{FunctionName}` path label in any form Lambda accepts, refusing as Lambda does
 * a name it cannot parse and an ARN of another region or account.
 */
export function functionFromPath(rawName: string, account: AccountContext): FunctionReference {
  const name = decodeURIComponent(rawName);
  if (name.length > MAX_FUNCTION_NAME_CHARS) {
    throw validationError(
      name,
      'functionName',
      `Member must have length less than or equal to ${MAX_FUNCTION_NAME_CHARS}`,
    );
  }
  const reference = parseFunctionReference(name) ?? modelReference(name);
  if (reference === undefined) {
    throw validationError(
      name,
      'functionName',
      `Member must satisfy regular expression pattern: ${FUNCTION_NAME_MODEL_PATTERN}`,
    );
  }
  if (reference.region !== undefined && reference.region !== account.region) {
    throw lambdaError(
      'ResourceNotFoundException',
      404,
      `Functions from '${reference.region}' are not reachable in this region ('${account.region}')`,
    );
  }
  if (reference.accountId !== undefined && reference.accountId !== account.accountId) {
    const arn = functionArn({ ...account, accountId: reference.accountId }, reference.functionName);
    throw lambdaError('ResourceNotFoundException', 404, `Function not found: ${arn}`);
  }
  return reference;
}

/**
 * Parses a name that Lambda's model pattern accepts but no function can have (a name part
 * over 64 characters, or with a dot). Lambda's validation passes it, so the lookup that
 * follows reports it as not found.
 */
function modelReference(name: string): FunctionReference | undefined {
  const match = MODEL_PATTERN.exec(name);
  if (match === null) return undefined;
  return {
    region: match[3]?.slice(0, -1),
    accountId: match[5]?.slice(0, -1),
    functionName: match[7] ?? '',
    qualifier: match[9],
  };
}

/**
 * Parses the `{FunctionName}` path label and the `?Qualifier=` query parameter of an operation
 * on a function version (Invoke, GetFunction). A qualifier may come from either, but two
 * different ones are rejected as Lambda does.
 */
export function qualifiedFunctionFromPath(
  rawName: string,
  query: URLSearchParams,
  account: AccountContext,
): { functionName: string; qualifier: string | undefined } {
  const reference = functionFromPath(rawName, account);

  const queryQualifier = query.get('Qualifier') ?? undefined;
  if (queryQualifier !== undefined) checkQualifier(queryQualifier);
  if (
    queryQualifier !== undefined &&
    reference.qualifier !== undefined &&
    queryQualifier !== reference.qualifier
  ) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return {
    functionName: reference.functionName,
    qualifier: reference.qualifier ?? queryQualifier,
  };
}

/** Checks `?Qualifier=` against Lambda's Qualifier model: 1 to 128 of `[a-zA-Z0-9$_-]`. */
function checkQualifier(qualifier: string): void {
  if (qualifier.length === 0) {
    throw validationError(
      qualifier,
      'qualifier',
      'Member must have length greater than or equal to 1',
    );
  }
  if (qualifier.length > 128) {
    throw validationError(
      qualifier,
      'qualifier',
      'Member must have length less than or equal to 128',
    );
  }
  if (!/^[a-zA-Z0-9$_-]+$/.test(qualifier)) {
    throw validationError(
      qualifier,
      'qualifier',
      'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)',
    );
  }
}

/** Reads a control-plane request body as a JSON object; an empty body is `{}`. */
export async function readJsonObject(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_CONTROL_BODY_BYTES);
  if (body === undefined) {
    throw lambdaError('RequestEntityTooLargeException', 413, 'Request body is too large');
  }
  if (body.length === 0) return {};

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw lambdaError('SerializationException', 400, 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw lambdaError('SerializationException', 400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Writes a JSON response with Lambda's request id header. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    'Content-Length': String(Buffer.byteLength(text)),
    'x-amzn-RequestId': requestId,
  };
  if (text !== '') headers['Content-Type'] = 'application/json';
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Parses a list operation's MaxItems: `defaultItems` when absent, else a whole number in
 * `range`, with Lambda's ValidationException for any other value.
 */
export function parseMaxItems(
  value: string | null,
  range: { min: number; max: number },
  defaultItems: number,
): number {
  if (value === null) return defaultItems;
  const parsed = Number(value);
  if (Number.isInteger(parsed) && parsed >= range.min && parsed <= range.max) return parsed;
  const bound =
    parsed < range.min
      ? `greater than or equal to ${range.min}`
      : `less than or equal to ${range.max}`;
  throw validationError(value, 'maxItems', `Member must have value ${bound}`);
}
