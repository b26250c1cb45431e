import { randomUUID } from 'node:crypto';
import type http from 'node:http';

import type { AccountContext } from '../../functions/arn.js';
import { readBody } from '../read-body.js';
import type { ApiRequest } from '../routes.js';
import { lambdaError, validationError } from './errors.js';
import { acceptEvent } from './invoke-async.js';
import { qualifiedFunctionFromPath } from './request-parts.js';

/** Lambda's limit on a synchronous Invoke request body. */
export const MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024;
/** Lambda's limit on the decoded client context. */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'];
const LOG_TYPES = ['None', 'Tail'];

interface InvokeRequest {
  functionName: string;
  qualifier: string | undefined;
  invocationType: string;
  tailLog: boolean;
  clientContext: string | undefined;
}

/** `POST /2015-03-31/functions/{FunctionName}/invocations`: the Invoke operation. */
export async function handleInvoke({
  req,
  res,
  params,
  query,
  context,
}: ApiRequest): Promise<void> {
  const { invoker, account } = context;
  const request = parseInvokeRequest(req, params[0] ?? '', query, account);
  invoker.resolve(request.functionName, request.qualifier);

  if (request.invocationType === 'DryRun') {
    req.resume();
    res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
    res.end();
    return;
  }
  if (request.invocationType === 'Event') {
    await acceptEvent(
      { req, res, params, query, context },
      request.functionName,
      request.qualifier,
    );
    return;
  }

  const payload = await readPayload(req);
  const result = await invoker.invoke(request.functionName, payload, {
    qualifier: request.qualifier,
    tailLog: request.tailLog,
    clientContext: request.clientContext,
    source: 'api',
  });

  const headers: Record<string, string> = {
    'Content-Type': result.contentType,
    'Content-Length': String(result.payload.length),
    'X-Amz-Executed-Version': result.executedVersion,
    'x-amzn-RequestId': result.requestId,
  };
  if (result.functionError !== undefined) headers['X-Amz-Function-Error'] = result.functionError;
  if (result.logResult !== undefined) headers['X-Amz-Log-Result'] = result.logResult;
  res.writeHead(200, headers);
  res.end(result.payload);
}

function parseInvokeRequest(
  req: http.IncomingMessage,
  rawFunctionName: string,
  query: URLSearchParams,
  account: AccountContext,
): InvokeRequest {
  const { functionName, qualifier } = qualifiedFunctionFromPath(rawFunctionName, query, account);

  const invocationType = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!INVOCATION_TYPES.includes(invocationType)) {
    throw validationError(
      invocationType,
      'invocationType',
      `Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`,
    );
  }
  const logType = header(req, 'x-amz-log-type') ?? 'None';
  if (!LOG_TYPES.includes(logType)) {
    throw validationError(
      logType,
      'logType',
      `Member must satisfy enum value set: [${LOG_TYPES.join(', ')}]`,
    );
  }

  return {
    functionName,
    qualifier,
    invocationType,
    tailLog: logType === 'Tail' && invocationType === 'RequestResponse',
    clientContext: decodeClientContext(header(req, 'x-amz-client-context')),
  };
}

async function readPayload(req: http.IncomingMessage): Promise<Buffer> {
  const body = await readBody(req, MAX_SYNC_REQUEST_BYTES);
  if (body === undefined) {
    throw lambdaError(
      'RequestEntityTooLargeException',
      413,
      `Request must be smaller than ${MAX_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation`,
    );
  }
  // NOTE: an empty body reaches the handler as `{}`, as with the AWS CLI and SDKs when no
  // payload is given; AWS documents no rule for it.
  if (body.length === 0) return Buffer.from('{}');

  try {
    JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw lambdaError(
      'InvalidRequestContentException',
      400,
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
  return body;
}

/** Decodes `X-Amz-Client-Context`: base64 of a JSON object, at most 3583 bytes decoded. */
function decodeClientContext(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;

  const text = Buffer.from(value, 'base64').toString('utf8');
  if (Buffer.byteLength(text) > MAX_CLIENT_CONTEXT_BYTES) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes once decoded`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
  } catch {
    throw lambdaError(
      'InvalidRequestContentException',
      400,
      'Client context must be a valid Base64-encoded JSON object.',
    );
  }
  return text;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
