import type { S3ObjectEvent } from '../events.js';

/** The principal id of the bucket owner in records: the one local account's owner id. */
export const BUCKET_OWNER_PRINCIPAL_ID = 'lambdacraft';

/**
 * Encodes a key as S3 writes it into event records: form encoding (space as `+`, UTF-8
 * bytes as uppercase `%XX`) that keeps letters, digits, `-`, `_`, `.`, `*` and `/`.
 * S3 documents only the `+` for a space. Records from real buckets show `/` kept, and
 * `=`, `:`, `(`, `)` and `+` escaped.
 * NOTE: whether S3 keeps `*` and escapes `~` (as Java's URLEncoder does) is not confirmed;
 * Python's `quote_plus` does the opposite for those two, and `unquote_plus` reads both.
 */
export function encodeEventKey(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*/]/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The principal of the request that caused the event. S3 writes the IAM principal's unique
 * id; here the request's access key id stands in for it, so the value is stable per key.
 */
function principalId(event: S3ObjectEvent): string {
  return event.accessKeyId === undefined ? 'Anonymous' : `AWS:${event.accessKeyId}`;
}

/**
 * Builds the `Records` entry for one object event, with the fields and nesting of S3's
 * event message structure version 2.1. Removals carry no size or ETag, and no record
 * carries a versionId because buckets here are unversioned.
 */
export function eventRecord(
  event: S3ObjectEvent,
  configurationId: string,
  region: string,
): Record<string, unknown> {
  const object: Record<string, unknown> = { key: encodeEventKey(event.key) };
  if (event.size !== undefined) object.size = event.size;
  if (event.eTag !== undefined) object.eTag = event.eTag;
  object.sequencer = event.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: new Date(event.eventTimeMs).toISOString(),
    eventName: event.eventName,
    userIdentity: { principalId: principalId(event) },
    requestParameters: { sourceIPAddress: event.sourceIpAddress },
    responseElements: {
      'x-amz-request-id': event.requestId,
      'x-amz-id-2': event.hostId,
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: {
        name: event.bucket,
        ownerIdentity: { principalId: BUCKET_OWNER_PRINCIPAL_ID },
        arn: `arn:aws:s3:::${event.bucket}`,
      },
      object,
    },
  };
}
