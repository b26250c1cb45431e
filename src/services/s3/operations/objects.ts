import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { ObjectAttributes, ObjectChange, StoredObject } from '../../../state/objects.js';
import { evaluateConditions, eTagMatches } from '../conditions.js';
import { headerValue, type BucketRequest, type ObjectRequest } from '../context.js';
import { notImplemented, s3Error } from '../errors.js';
import type { S3EventName } from '../events.js';
import { objectResponseHeaders, storedHeaders, userMetadata } from '../object-headers.js';
import { parseRange, type ByteRange } from '../range.js';
import { sendEmpty, sendXml } from '../responses.js';
import { parseTaggingHeader } from '../tags.js';
import { receiveBody } from '../upload-body.js';
import { childNamed, childrenNamed } from '../xml.js';
import { readXmlBody, requireBucket } from './buckets.js';
import { emitObjectEvent } from './object-events.js';

/** S3's limits: part numbers 1 to 10,000, and at most 1000 keys per DeleteObjects. */
export const MAX_PART_NUMBER = 10_000;
const MAX_DELETE_KEYS = 1000;

/** Returns the object, or raises NoSuchKey. */
export function requireObject(request: ObjectRequest): StoredObject {
  requireBucket(request);
  const object = request.context.objects.findObject(request.bucket, request.key);
  if (object === undefined) throw s3Error('NoSuchKey', { Key: request.key });
  return object;
}

/**
 * Checks the conditional-write headers of PutObject and CompleteMultipartUpload:
 * `If-None-Match: *` fails when the key exists, `If-Match` when its ETag differs.
 */
export function checkWriteConditions(request: ObjectRequest): void {
  const ifNoneMatch = headerValue(request.req, 'if-none-match');
  const ifMatch = headerValue(request.req, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return;

  const existing = request.context.objects.findObject(request.bucket, request.key);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*')
      throw notImplemented(`If-None-Match '${ifNoneMatch}' on a write (only '*')`);
    if (existing !== undefined) throw s3Error('PreconditionFailed', { Condition: 'If-None-Match' });
  }
  if (ifMatch !== undefined) {
    if (existing === undefined) throw s3Error('NoSuchKey', { Key: request.key });
    if (!eTagMatches(ifMatch, existing.eTag))
      throw s3Error('PreconditionFailed', { Condition: 'If-Match' });
  }
}

/** PutObject: streams the body into a file, then commits the row and emits ObjectCreated:Put. */
export async function putObject(request: ObjectRequest): Promise<void> {
  requireBucket(request);
  checkWriteConditions(request);
  const headers = storedHeaders(request.req.headers);
  const metadata = userMetadata(request.req.headers);
  const tags = parseTaggingHeader(headerValue(request.req, 'x-amz-tagging'));

  const body = await receiveBody(request);
  const attributes: ObjectAttributes = {
    files: [{ fileId: body.fileId, size: body.size }],
    size: body.size,
    eTag: `"${body.md5Hex}"`,
    lastModifiedMs: request.context.nowMs(),
    headers,
    metadata,
    tags,
    checksums: body.checksums,
    partSizes: undefined,
  };
  const change = await commitObject(request, attributes, 'ObjectCreated:Put');
  await removeFiles(request, change.replacedFileIds);
  sendEmpty(request, 200, { ETag: attributes.eTag, ...checksumHeaders(body.checksums) });
}

/**
 * Commits an object row after its file is written, and emits its event inside the commit's
 * transaction. The bucket and the write conditions are checked again in that transaction,
 * because the upload took time; on failure the object's files are removed.
 */
export async function commitObject(
  request: ObjectRequest,
  attributes: ObjectAttributes,
  eventName: S3EventName,
): Promise<ObjectChange> {
  const { objects, commits } = request.context;
  try {
    return await commits.commit(() => {
      requireBucket(request);
      checkWriteConditions(request);
      return objects.putObject(request.bucket, request.key, attributes, (change) =>
        emitObjectEvent(
          request,
          eventName,
          { ...request, sequencer: change.sequencer },
          attributes,
        ),
      );
    });
  } catch (error) {
    await removeFiles(
      request,
      attributes.files.map((file) => file.fileId),
    );
    throw error;
  }
}

/** Removes files that no committed row points at any more. */
export async function removeFiles(request: BucketRequest, fileIds: string[]): Promise<void> {
  await Promise.all(fileIds.map((fileId) => request.context.files.remove(fileId)));
}

export function checksumHeaders(checksums: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(checksums)) {
    headers[`x-amz-checksum-${algorithm}`] = value;
  }
  return headers;
}

/**
 * GetObject and HeadObject: conditions, then the whole object, one range or one part. The
 * lookup and openRead run in one synchronous step, so an overwrite that commits after the
 * lookup removes the files only once the read ends. A missing file is looked up again once
 * or twice before the error is raised.
 */
export async function getObject(request: ObjectRequest, attempt = 1): Promise<void> {
  const object = requireObject(request);
  if (evaluateConditions(request.req, object) === 'not-modified') {
    sendEmpty(request, 304, {
      ETag: object.eTag,
      'Last-Modified': new Date(object.lastModifiedMs).toUTCString(),
    });
    return;
  }

  const range = requestedRange(request, object);
  const checksumMode = headerValue(request.req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  const headers = objectResponseHeaders(object, request.query, checksumMode && range === undefined);
  headers['x-amz-request-id'] = request.requestId;
  headers['x-amz-id-2'] = request.hostId;
  if (range === undefined) {
    headers['Content-Length'] = String(object.size);
  } else {
    headers['Content-Length'] = String(range.end - range.start + 1);
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  }
  // S3 sends the part count only when a part was requested.
  if (request.query.has('partNumber') && object.partSizes !== undefined) {
    headers['x-amz-mp-parts-count'] = String(object.partSizes.length);
  }

  const status = range === undefined ? 200 : 206;
  if (request.req.method === 'HEAD' || object.size === 0) {
    request.res.writeHead(status, headers);
    request.res.end();
    return;
  }
  let content: Readable;
  try {
    content = await request.context.files.openRead(object.files, range?.start, range?.end);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 2) throw error;
    return getObject(request, attempt + 1);
  }
  request.res.writeHead(status, headers);
  try {
    await pipeline(content, request.res);
  } catch (error) {
    // A client that stops reading mid-download closes the response early; that is no failure.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    request.context.logger.debug(
      { requestId: request.requestId },
      's3 download closed by the client',
    );
  }
}

/**
 * Finds the byte range a GET or HEAD reads: from the Range header, or the bytes of part
 * `partNumber`. An object not made by a multipart upload has one part, the whole object.
 */
function requestedRange(request: ObjectRequest, object: StoredObject): ByteRange | undefined {
  const rangeHeader = headerValue(request.req, 'range');
  const partText = request.query.get('partNumber');
  if (partText === null) return parseRange(rangeHeader, object.size);

  if (rangeHeader !== undefined) {
    throw s3Error(
      'InvalidRequest',
      {},
      'Cannot specify both Range header and partNumber query parameter',
    );
  }
  const partNumber = Number(partText);
  if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'partNumber', ArgumentValue: partText },
      'Part number must be an integer between 1 and 10000, inclusive',
    );
  }
  const sizes = object.partSizes ?? [object.size];
  const size = sizes[partNumber - 1];
  if (size === undefined)
    throw s3Error('InvalidPartNumber', {
      PartNumberRequested: partText,
      ActualPartCount: String(sizes.length),
    });
  if (size === 0) return undefined;

  const start = sizes.slice(0, partNumber - 1).reduce((total, item) => total + item, 0);
  return { start, end: start + size - 1 };
}

/** DeleteObject: 204 whether or not the key existed, as S3 returns for unversioned buckets. */
export async function deleteObject(request: ObjectRequest): Promise<void> {
  requireBucket(request);
  await deleteKey(request, request.key);
  sendEmpty(request, 204);
}

async function deleteKey(request: BucketRequest, key: string): Promise<void> {
  const change = request.context.objects.deleteObject(request.bucket, key, (deleted) =>
    emitObjectEvent(request, 'ObjectRemoved:Delete', {
      bucket: request.bucket,
      key,
      sequencer: deleted.sequencer,
    }),
  );
  if (change === undefined) return;

  await removeFiles(request, change.replacedFileIds);
}

/** DeleteObjects: up to 1000 keys; Quiet mode lists only the keys that failed. */
export async function deleteObjects(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const document = await readXmlBody(request);
  if (document?.name !== 'Delete') throw s3Error('MalformedXML');
  const quiet = childNamed(document, 'Quiet')?.text.trim().toLowerCase() === 'true';
  const entries = childrenNamed(document, 'Object');
  if (entries.length === 0 || entries.length > MAX_DELETE_KEYS) throw s3Error('MalformedXML');

  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const entry of entries) {
    const key = childNamed(entry, 'Key')?.text;
    if (key === undefined) throw s3Error('MalformedXML');
    if (childNamed(entry, 'VersionId') !== undefined) {
      errors.push({
        Key: key,
        Code: 'NotImplemented',
        Message: 'Object versions are not supported',
      });
      continue;
    }
    await deleteKey(request, key);
    deleted.push({ Key: key });
  }
  sendXml(request, 'DeleteResult', {
    Deleted: quiet ? undefined : deleted,
    Error: errors,
  });
}
