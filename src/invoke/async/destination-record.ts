/** The condition under which an asynchronous event finished, as the invocation record names it. */
export type DestinationCondition =
  'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency';

/** The response of the last attempt, when there was one. */
export interface AttemptResponse {
  executedVersion: string;
  /** `Unhandled` when the attempt failed. */
  functionError: string | undefined;
  /** The function's result or error object, as the runtime returned it. */
  payload: string;
}

export interface RecordInput {
  requestId: string;
  /** The function ARN with its qualifier, `:$LATEST` when the event named none. */
  functionArn: string;
  condition: DestinationCondition;
  approximateInvokeCount: number;
  /** The original event, as the caller sent it. */
  requestPayload: Buffer;
  response: AttemptResponse | undefined;
  timestampMs: number;
}

/**
 * Builds the invocation record Lambda sends to a destination: version 1.0, an ISO timestamp
 * with milliseconds, the request context, the original event and, when the function ran, the
 * response context and the function's result or error. An event that never ran (zero
 * reserved concurrency, or expired while throttled) has no response context or payload.
 */
export function destinationRecord(input: RecordInput): Record<string, unknown> {
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: new Date(input.timestampMs).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: parseJson(input.requestPayload.toString('utf8')),
  };
  if (input.response === undefined) return record;

  const responseContext: Record<string, unknown> = {
    statusCode: 200,
    executedVersion: input.response.executedVersion,
  };
  if (input.response.functionError !== undefined) {
    responseContext.functionError = input.response.functionError;
  }
  record.responseContext = responseContext;
  record.responsePayload = parseJson(input.response.payload);
  return record;
}

/**
 * Parses JSON text. A function may return any bytes, so text that is not JSON stays a
 * string. An empty response becomes null, as a handler returning nothing does.
 */
function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
