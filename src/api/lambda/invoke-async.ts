import type http from 'node:http';

import type { ApiRequest } from '../routes.js';
import { lambdaError } from './errors.js';
import { functionFromPath, sendJson } from './request-parts.js';

/** Lambda's limit on an `InvocationType: Event` payload (1 MB since 2025; 256 KB before). */
export const MAX_EVENT_PAYLOAD_BYTES = 1_048_576;
/** The deprecated InvokeAsync operation keeps the old 256 KB limit. */
export const MAX_INVOKE_ASYNC_PAYLOAD_BYTES = 262_144;

/**
 * Handles Invoke with `InvocationType: Event`. It queues the event, committed to the state
 * store, then sends 202 with an empty body and the event's request id.
 */
export async function acceptEvent(
  { req, res, context }: ApiRequest,
  functionName: string,
  qualifier: string | undefined,
): Promise<void> {
  const payload = await readEventPayload(req, MAX_EVENT_PAYLOAD_BYTES);
  const requestId = await context.invoker.enqueue(functionName, payload, {
    qualifier,
    source: 'api',
  });

  res.writeHead(202, { 'Content-Length': '0', 'x-amzn-RequestId': requestId });
  res.end();
}

/**
 * `POST /2014-11-13/functions/{FunctionName}/invoke-async/`: the deprecated InvokeAsync
 * operation, queued like an Event invocation; returns 202 `{"Status":202}`.
 */
export async function handleInvokeAsync({ req, res, params, context }: ApiRequest): Promise<void> {
  const reference = functionFromPath(params[0] ?? '', context.account);
  context.invoker.resolve(reference.functionName, reference.qualifier);

  const payload = await readEventPayload(req, MAX_INVOKE_ASYNC_PAYLOAD_BYTES);
  const requestId = await context.invoker.enqueue(reference.functionName, payload, {
    qualifier: reference.qualifier,
    source: 'api',
  });
  sendJson(res, 202, { Status: 202 }, requestId);
}

/** Reads an event payload of at most `maxBytes` that must parse as JSON; empty is `{}`. */
async function readEventPayload(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const { body, size } = await readCountedBody(req, maxBytes);
  if (body === undefined) {
    throw lambdaError(
      'RequestEntityTooLargeException',
      413,
      `${size} byte payload is too large for the Event invocation type (limit ${maxBytes} bytes)`,
    );
  }
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

/**
 * Reads a body of at most `maxBytes`. A longer one is drained and counted instead of kept,
 * because Lambda's error states its size; `body` is then undefined.
 */
function readCountedBody(
  req: http.IncomingMessage,
  maxBytes: number,
): Promise<{ body: Buffer | undefined; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      resolve({ body: size > maxBytes ? undefined : Buffer.concat(chunks, size), size });
    });
    req.on('error', reject);
  });
}
