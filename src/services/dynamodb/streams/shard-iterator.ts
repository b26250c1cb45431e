import { validationError } from '../errors.js';

/** DynamoDB Streams iterators expire 15 minutes after GetShardIterator or GetRecords issued them. */
export const ITERATOR_LIFETIME_MS = 15 * 60 * 1000;

/** The position a shard iterator stands for. */
export interface ShardPosition {
  streamArn: string;
  shardId: string;
  /** Read the records after this sequence number; undefined reads from the oldest retained. */
  afterSequence: number | undefined;
  issuedAtMs: number;
}

const VERSION = '1';

/**
 * Encodes a position as an opaque iterator: the stream ARN, a version, then the shard,
 * position and issue time as base64url JSON, in the `ARN|1|...` form DynamoDB's take.
 */
export function encodeShardIterator(position: ShardPosition): string {
  const payload = JSON.stringify([
    position.shardId,
    position.afterSequence ?? null,
    position.issuedAtMs,
  ]);
  return `${position.streamArn}|${VERSION}|${Buffer.from(payload).toString('base64url')}`;
}

/** Decodes an iterator of `encodeShardIterator`; raises ValidationException for anything else. */
export function decodeShardIterator(iterator: unknown): ShardPosition {
  if (typeof iterator !== 'string') throw invalidIterator();
  const parts = iterator.split('|');
  if (parts.length !== 3 || parts[1] !== VERSION) throw invalidIterator();

  const [streamArn = '', , encoded = ''] = parts;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalidIterator();
  }
  if (!Array.isArray(payload) || payload.length !== 3) throw invalidIterator();
  const [shardId, afterSequence, issuedAtMs] = payload as unknown[];
  if (
    typeof shardId !== 'string' ||
    (afterSequence !== null && !Number.isSafeInteger(afterSequence)) ||
    typeof issuedAtMs !== 'number'
  ) {
    throw invalidIterator();
  }
  return {
    streamArn,
    shardId,
    afterSequence: afterSequence === null ? undefined : (afterSequence as number),
    issuedAtMs,
  };
}

function invalidIterator(): Error {
  return validationError(
    'Invalid ShardIterator; pass the ShardIterator or NextShardIterator a DynamoDB Streams call returned',
  );
}
