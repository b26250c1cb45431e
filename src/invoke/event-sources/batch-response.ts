import type { StreamRecord } from '../../services/dynamodb/streams/stream-source.js';

/** What a function's response says about a batch it returned without an error. */
export type BatchResponse =
  | { kind: 'success' }
  | { kind: 'failure'; reason: string }
  /** `failedIndex` is the batch position of the lowest reported sequence number. */
  | { kind: 'partial'; failedIndex: number };

/**
 * Reads a response under `FunctionResponseTypes: ["ReportBatchItemFailures"]`. No response,
 * `null`, a missing or empty `batchItemFailures` mean the whole batch succeeded. Lambda takes
 * the whole batch as failed when the list is not an array, or an entry has no
 * `itemIdentifier`, an empty one, or one that is not a sequence number of the batch.
 */
export function readBatchResponse(payload: Buffer, batch: StreamRecord[]): BatchResponse {
  const text = payload.toString('utf8').trim();
  if (text === '' || text === 'null') return { kind: 'success' };

  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    return { kind: 'failure', reason: 'the response is not valid JSON' };
  }
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return { kind: 'success' };
  }
  const failures = (response as Record<string, unknown>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'failure', reason: 'batchItemFailures is not an array' };
  }
  if (failures.length === 0) return { kind: 'success' };

  let failedIndex = batch.length;
  for (const entry of failures as unknown[]) {
    const identifier =
      typeof entry === 'object' && entry !== null
        ? (entry as Record<string, unknown>).itemIdentifier
        : undefined;
    const index =
      typeof identifier === 'string' && identifier !== ''
        ? batch.findIndex((record) => record.dynamodb.SequenceNumber === identifier)
        : -1;
    if (index === -1) {
      return {
        kind: 'failure',
        reason: `itemIdentifier ${JSON.stringify(identifier)} is not a sequence number of the batch`,
      };
    }
    failedIndex = Math.min(failedIndex, index);
  }
  return { kind: 'partial', failedIndex };
}
