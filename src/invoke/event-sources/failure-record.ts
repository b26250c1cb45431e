import type { StreamRecord } from '../../services/dynamodb/streams/stream-source.js';

/** Why a stream mapping discarded a batch, as the failure record's `condition` names it. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'MaximumRecordAgeExceeded';

export interface DiscardedBatch {
  condition: DiscardCondition;
  /** The request id of the last invocation, or a new id when the batch never ran. */
  requestId: string;
  functionArn: string;
  /** Invocations of the batch, throttled tries not counted. */
  invokeCount: number;
  /** Set when the last invocation ran the function. */
  executedVersion: string | undefined;
  functionError: 'Unhandled' | undefined;
  streamArn: string;
  shardId: string;
  records: StreamRecord[];
  nowMs: number;
}

/**
 * Builds the record an on-failure destination receives for a discarded stream batch. It
 * describes the batch (`DDBStreamBatchInfo`) and does not contain the records, so the
 * destination reads them from the stream by sequence number, as on AWS.
 */
export function streamFailureRecord(batch: DiscardedBatch): Record<string, unknown> {
  const first = batch.records[0];
  const last = batch.records[batch.records.length - 1];
  const record: Record<string, unknown> = {
    requestContext: {
      requestId: batch.requestId,
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.invokeCount,
    },
  };
  if (batch.executedVersion !== undefined) {
    record.responseContext = {
      statusCode: 200,
      executedVersion: batch.executedVersion,
      functionError: batch.functionError,
    };
  }
  record.version = '1.0';
  record.timestamp = new Date(batch.nowMs).toISOString();
  record.DDBStreamBatchInfo = {
    shardId: batch.shardId,
    startSequenceNumber: first?.dynamodb.SequenceNumber,
    endSequenceNumber: last?.dynamodb.SequenceNumber,
    approximateArrivalOfFirstRecord: arrival(first),
    approximateArrivalOfLastRecord: arrival(last),
    batchSize: batch.records.length,
    streamArn: batch.streamArn,
  };
  return record;
}

function arrival(record: StreamRecord | undefined): string | undefined {
  if (record === undefined) return undefined;
  return new Date(record.dynamodb.ApproximateCreationDateTime * 1000).toISOString();
}
