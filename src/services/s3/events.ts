/** The S3 event names this service emits, as S3 notifications name them without `s3:`. */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/** One committed object creation or removal, emitted after the metadata row is committed. */
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

/** Receives object events; a listener must not throw and must not block for long. */
export type S3EventListener = (event: S3ObjectEvent) => void;
