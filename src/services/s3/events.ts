/** The S3 event names this service emits, as S3 notifications name them without `s3:`. */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/**
 * One object creation or removal, emitted inside the transaction that writes its metadata
 * row, after the write and before the commit.
 */
export interface S3ObjectEvent {
  eventName: S3EventName;
  eventTimeMs: number;
  bucket: string;
  /** The key as stored, not URL-encoded. */
  key: string;
  /** Absent for removals. */
  size: number | undefined;
  /** The ETag without quotes, as notifications carry it; absent for removals. */
  eTag: string | undefined;
  /** Hexadecimal; later changes of a key have greater sequencers. */
  sequencer: string;
  /** Always undefined: buckets are not versioned. */
  versionId: string | undefined;
  requestId: string;
  hostId: string;
  sourceIpAddress: string;
  /** The access key id the request was signed with, if it was signed. */
  accessKeyId: string | undefined;
}

/**
 * Receives object events. A listener must not throw or block for long. Its writes to the
 * state database join the change's transaction, and a listener that awaits runs the rest
 * after the commit.
 */
export type S3EventListener = (event: S3ObjectEvent) => void;
