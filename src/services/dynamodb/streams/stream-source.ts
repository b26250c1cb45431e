import type { AttributeMap } from '../attribute-value.js';

/**
 * One DynamoDB stream record as Lambda delivers it to a function in `Records`, and as
 * GetRecords returns it without the Lambda-only fields (`eventSourceARN`).
 */
export interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: {
    /** Epoch seconds. */
    ApproximateCreationDateTime: number;
    Keys: AttributeMap;
    NewImage?: AttributeMap;
    OldImage?: AttributeMap;
    /** A decimal string, strictly increasing within a shard. */
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  };
  /** Present on deletions DynamoDB makes itself (TTL expiry). */
  userIdentity?: { type: 'Service'; principalId: 'dynamodb.amazonaws.com' };
}

/** One shard of a stream; records of one item key always land in the same shard. */
export interface StreamShard {
  shardId: string;
  /** The sequence number of the shard's first retained record, if any. */
  startingSequenceNumber: string | undefined;
}

/**
 * What event source mappings read from table streams. The stream store implements it;
 * pollers never touch SQLite themselves.
 */
export interface StreamSource {
  /** The ARN of a table's current stream, or undefined when the table has none enabled. */
  streamArnOf(tableName: string): string | undefined;
  /** The shards of a stream, oldest first; throws ResourceNotFoundException when unknown. */
  shards(streamArn: string): StreamShard[];
  /**
   * Records of one shard after `afterSequence` (from the oldest retained one when
   * undefined), oldest first, at most `limit`, none older than the 24 hours streams keep.
   */
  read(
    streamArn: string,
    shardId: string,
    afterSequence: string | undefined,
    limit: number,
  ): StreamRecord[];
  /** The newest sequence number of a shard, for StartingPosition LATEST; undefined if empty. */
  latestSequence(streamArn: string, shardId: string): string | undefined;
  /** Calls `listener` after each commit that appended records to a stream; returns the unsubscribe function. */
  onAppend(listener: (streamArn: string) => void): () => void;
}
