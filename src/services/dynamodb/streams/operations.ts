import type { ShardRow } from '../../../state/streams.js';
import { DynamoDBError, validationError } from '../errors.js';
import {
  decodeShardIterator,
  encodeShardIterator,
  ITERATOR_LIFETIME_MS,
  type ShardPosition,
} from './shard-iterator.js';
import { formatSequence, parseSequence } from './stream-record.js';
import { RETENTION_MS, type TableStreams } from './table-streams.js';

/** The X-Amz-Target prefix of the DynamoDB Streams API, version 2012-08-10. */
export const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810.';

/** A Streams API operation: the request's JSON members in, the response's out. */
export type StreamOperation = (
  input: Record<string, unknown>,
  streams: TableStreams,
) => Record<string, unknown>;

const MAX_LIST_STREAMS = 100;
const MAX_DESCRIBE_SHARDS = 100;
const MAX_GET_RECORDS = 1000;

/** ListStreams: streams in ARN order, of one table or all, paged by ExclusiveStartStreamArn. */
const listStreams: StreamOperation = (input, streams) => {
  const limit = readLimit(input.Limit, MAX_LIST_STREAMS);
  const tableName = optionalString(input.TableName, 'tableName');
  const after = optionalString(input.ExclusiveStartStreamArn, 'exclusiveStartStreamArn');
  const rows = streams.table.listStreams(tableName, after, limit + 1);
  const page = rows.slice(0, limit);
  const output: Record<string, unknown> = {
    Streams: page.map((row) => ({
      StreamArn: row.streamArn,
      TableName: row.tableName,
      StreamLabel: row.streamLabel,
    })),
  };
  if (rows.length > limit) output.LastEvaluatedStreamArn = page[page.length - 1]?.streamArn;
  return output;
};

/** DescribeStream: the stream's status, view type, key schema and shards. */
const describeStream: StreamOperation = (input, streams) => {
  const stream = streams.getStream(requiredString(input.StreamArn, 'streamArn'));
  const limit = readLimit(input.Limit, MAX_DESCRIBE_SHARDS);
  const after = optionalString(input.ExclusiveStartShardId, 'exclusiveStartShardId');
  const all = streams.table.shards(stream.streamArn);
  const start = after === undefined ? 0 : all.findIndex((shard) => shard.shardId === after) + 1;
  const page = all.slice(start, start + limit);
  const description: Record<string, unknown> = {
    StreamArn: stream.streamArn,
    StreamLabel: stream.streamLabel,
    StreamStatus: stream.disabledAtMs === undefined ? 'ENABLED' : 'DISABLED',
    StreamViewType: stream.viewType,
    CreationRequestDateTime: stream.createdAtMs / 1000,
    TableName: stream.tableName,
    KeySchema: JSON.parse(stream.keySchema) as unknown,
    Shards: page.map(describeShard),
  };
  if (start + limit < all.length) description.LastEvaluatedShardId = page[page.length - 1]?.shardId;
  return { StreamDescription: description };
};

function describeShard(shard: ShardRow): Record<string, unknown> {
  const range: Record<string, string> = {
    StartingSequenceNumber: formatSequence(shard.firstRetainedSequence ?? shard.startingSequence),
  };
  if (shard.endingSequence !== undefined) {
    range.EndingSequenceNumber = formatSequence(shard.endingSequence);
  }
  return { ShardId: shard.shardId, SequenceNumberRange: range };
}

/** GetShardIterator: TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER. */
const getShardIterator: StreamOperation = (input, streams) => {
  const streamArn = requiredString(input.StreamArn, 'streamArn');
  const shardId = requiredString(input.ShardId, 'shardId');
  const type = input.ShardIteratorType;
  const shard = streams.getShard(streamArn, shardId);
  const position = { streamArn, shardId, issuedAtMs: streams.nowMs() };
  switch (type) {
    case 'TRIM_HORIZON':
      return { ShardIterator: encodeShardIterator({ ...position, afterSequence: undefined }) };
    case 'LATEST': {
      const latest = streams.table.latestSequence(streamArn, shardId) ?? shard.startingSequence - 1;
      return { ShardIterator: encodeShardIterator({ ...position, afterSequence: latest }) };
    }
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      const sequence = parseSequence(input.SequenceNumber);
      if (sequence === undefined) {
        throw validationError(
          `Invalid SequenceNumber ${JSON.stringify(input.SequenceNumber)} for ShardIteratorType ${type}; pass the SequenceNumber of a record`,
        );
      }
      const afterSequence = type === 'AT_SEQUENCE_NUMBER' ? sequence - 1 : sequence;
      checkNotTrimmed(shard, afterSequence, streamArn);
      return { ShardIterator: encodeShardIterator({ ...position, afterSequence }) };
    }
    default:
      throw validationError(
        `1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, LATEST, TRIM_HORIZON]`,
      );
  }
};

/**
 * GetRecords: up to Limit records after the iterator's position, and the iterator of the
 * position after them. A closed shard read to its end returns no NextShardIterator.
 */
const getRecords: StreamOperation = (input, streams) => {
  const limit = readLimit(input.Limit, MAX_GET_RECORDS);
  const position = decodeShardIterator(input.ShardIterator);
  const nowMs = streams.nowMs();
  if (nowMs - position.issuedAtMs > ITERATOR_LIFETIME_MS) {
    throw new DynamoDBError(
      'ExpiredIteratorException',
      `Shard iterator has expired: it was issued at ${new Date(position.issuedAtMs).toISOString()}, and iterators are valid for 15 minutes; call GetShardIterator again`,
    );
  }
  const shard = streams.getShard(position.streamArn, position.shardId);
  if (position.afterSequence !== undefined) {
    checkNotTrimmed(shard, position.afterSequence, position.streamArn);
  }
  const rows = streams.table.readRecords(
    position.streamArn,
    position.shardId,
    position.afterSequence ?? 0,
    nowMs - RETENTION_MS,
    limit,
  );
  const last = rows[rows.length - 1]?.sequence ?? position.afterSequence;
  const output: Record<string, unknown> = {
    Records: rows.map((row) => JSON.parse(row.record) as unknown),
  };
  if (!isReadToEnd(shard, last, streams, position)) {
    const next: ShardPosition = { ...position, afterSequence: last, issuedAtMs: nowMs };
    output.NextShardIterator = encodeShardIterator(next);
  }
  return output;
};

/** True when a closed shard holds nothing after `last`. */
function isReadToEnd(
  shard: ShardRow,
  last: number | undefined,
  streams: TableStreams,
  position: ShardPosition,
): boolean {
  if (shard.endingSequence === undefined) return false;
  const newest = streams.table.latestSequence(position.streamArn, position.shardId);
  return newest === undefined || (last !== undefined && last >= newest);
}

/** Raises TrimmedDataAccessException when records after `afterSequence` were removed. */
function checkNotTrimmed(shard: ShardRow, afterSequence: number, streamArn: string): void {
  if (afterSequence >= shard.trimmedThrough) return;

  throw new DynamoDBError(
    'TrimmedDataAccessException',
    `The requested position in shard ${shard.shardId} of stream ${streamArn} is before the trim horizon: records up to ${formatSequence(shard.trimmedThrough)} are older than 24 hours and were removed; read from TRIM_HORIZON`,
  );
}

function readLimit(value: unknown, max: number): number {
  if (value === undefined) return max;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw validationError(
      `1 validation error detected: Value '${JSON.stringify(value)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return value;
}

function optionalString(value: unknown, member: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requiredString(value, member);
}

function requiredString(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '') {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** The Streams API's operations by X-Amz-Target suffix. */
export const STREAM_OPERATIONS: Record<string, StreamOperation> = {
  ListStreams: listStreams,
  DescribeStream: describeStream,
  GetShardIterator: getShardIterator,
  GetRecords: getRecords,
};
