import { createHash, randomBytes } from 'node:crypto';

import type { MultipartUpload, ObjectAttributes, UploadedPart } from '../../../state/objects.js';
import { compositeChecksum, isChecksumAlgorithm, type ChecksumAlgorithm } from '../checksums.js';
import { headerValue, type BucketRequest, type ObjectRequest } from '../context.js';
import { s3Error } from '../errors.js';
import { storedHeaders, userMetadata } from '../object-headers.js';
import { parseCopySourceRange } from '../range.js';
import { isoTime, sendEmpty, sendXml } from '../responses.js';
import { parseTaggingHeader } from '../tags.js';
import { receiveBody } from '../upload-body.js';
import { childNamed, childrenNamed } from '../xml.js';
import { OWNER, readXmlBody, requireBucket } from './buckets.js';
import { copyContent, findCopySource } from './copy-source.js';
import { emitObjectEvent } from './object-events.js';
import { checkWriteConditions, checksumHeaders, MAX_PART_NUMBER, removeFiles } from './objects.js';

/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_LISTED = 1000;

/** CreateMultipartUpload: stores the headers, metadata and tags the object will get. */
export function createMultipartUpload(request: ObjectRequest): Promise<void> {
  requireBucket(request);
  const algorithmHeader = headerValue(request.req, 'x-amz-checksum-algorithm')?.toLowerCase();
  if (algorithmHeader !== undefined && !isChecksumAlgorithm(algorithmHeader)) {
    throw s3Error(
      'InvalidRequest',
      {},
      `Checksum algorithm '${algorithmHeader}' is not supported; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`,
    );
  }
  const upload: MultipartUpload = {
    uploadId: randomBytes(24).toString('base64url'),
    bucket: request.bucket,
    key: request.key,
    initiatedMs: request.context.nowMs(),
    headers: storedHeaders(request.req.headers),
    metadata: userMetadata(request.req.headers),
    tags: parseTaggingHeader(headerValue(request.req, 'x-amz-tagging')),
    checksumAlgorithm: algorithmHeader,
  };
  request.context.objects.createUpload(upload);
  const headers: Record<string, string> = {};
  if (algorithmHeader !== undefined)
    headers['x-amz-checksum-algorithm'] = algorithmHeader.toUpperCase();
  sendXml(
    request,
    'InitiateMultipartUploadResult',
    { Bucket: request.bucket, Key: request.key, UploadId: upload.uploadId },
    headers,
  );
  return Promise.resolve();
}

/** Returns the upload named by `uploadId` for this bucket and key, or raises NoSuchUpload. */
function requireUpload(request: ObjectRequest): MultipartUpload {
  requireBucket(request);
  const uploadId = request.query.get('uploadId') ?? '';
  const upload = request.context.objects.findUpload(uploadId);
  if (upload === undefined || upload.bucket !== request.bucket || upload.key !== request.key) {
    throw s3Error('NoSuchUpload', { UploadId: uploadId });
  }
  return upload;
}

function partNumberOf(request: ObjectRequest): number {
  const text = request.query.get('partNumber') ?? '';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_PART_NUMBER) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'partNumber', ArgumentValue: text },
      'Part number must be an integer between 1 and 10000, inclusive',
    );
  }
  return value;
}

/** UploadPart: stores one part, replacing an earlier part of the same number. */
export async function uploadPart(request: ObjectRequest): Promise<void> {
  const upload = requireUpload(request);
  const partNumber = partNumberOf(request);
  const algorithm = checksumAlgorithmOf(upload);
  const body = await receiveBody(request, algorithm);
  const part: UploadedPart = {
    partNumber,
    fileId: body.fileId,
    size: body.size,
    eTag: `"${body.md5Hex}"`,
    lastModifiedMs: request.context.nowMs(),
    checksums: body.checksums,
  };
  await storePart(request, upload, part);
  sendEmpty(request, 200, { ETag: part.eTag, ...checksumHeaders(body.checksums) });
}

/** UploadPartCopy: a part copied from an object, or from `x-amz-copy-source-range` of it. */
export async function uploadPartCopy(request: ObjectRequest): Promise<void> {
  const upload = requireUpload(request);
  const partNumber = partNumberOf(request);
  const source = findCopySource(request);
  const rangeHeader = headerValue(request.req, 'x-amz-copy-source-range');
  const range =
    rangeHeader === undefined ? undefined : parseCopySourceRange(rangeHeader, source.size);
  const copied = await copyContent(request, source, range);
  const part: UploadedPart = {
    partNumber,
    fileId: copied.fileId,
    size: copied.size,
    eTag: `"${copied.md5Hex}"`,
    lastModifiedMs: request.context.nowMs(),
    checksums: {},
  };
  await storePart(request, upload, part);
  sendXml(request, 'CopyPartResult', {
    ETag: part.eTag,
    LastModified: isoTime(part.lastModifiedMs),
  });
}

async function storePart(
  request: ObjectRequest,
  upload: MultipartUpload,
  part: UploadedPart,
): Promise<void> {
  const replaced = request.context.objects.putPart(upload.uploadId, part);
  if (replaced === false) {
    await request.context.files.remove(part.fileId);
    throw s3Error('NoSuchUpload', { UploadId: upload.uploadId });
  }
  await removeFiles(request, replaced === undefined ? [] : [replaced]);
}

function checksumAlgorithmOf(upload: MultipartUpload): ChecksumAlgorithm | undefined {
  const algorithm = upload.checksumAlgorithm;
  return algorithm !== undefined && isChecksumAlgorithm(algorithm) ? algorithm : undefined;
}

/** A part as CompleteMultipartUpload lists it. */
interface RequestedPart {
  partNumber: number;
  eTag: string;
  /** `ChecksumCRC32` and the like, in base64 by lowercase algorithm name. */
  checksums: Record<string, string>;
}

function parseCompleteRequest(document: ReturnType<typeof childNamed>): RequestedPart[] {
  if (document?.name !== 'CompleteMultipartUpload') throw s3Error('MalformedXML');
  const parts = childrenNamed(document, 'Part').map((part) => {
    const number = childNamed(part, 'PartNumber')?.text.trim() ?? '';
    const eTag = childNamed(part, 'ETag')?.text.trim();
    if (!/^\d+$/.test(number) || eTag === undefined) throw s3Error('MalformedXML');
    const checksums: Record<string, string> = {};
    for (const child of part.children) {
      if (child.name.startsWith('Checksum')) {
        checksums[child.name.slice('Checksum'.length).toLowerCase()] = child.text.trim();
      }
    }
    return { partNumber: Number(number), eTag, checksums };
  });
  if (parts.length === 0) throw s3Error('MalformedXML');
  return parts;
}

/**
 * Checks the requested parts against the stored ones: ascending numbers (InvalidPartOrder),
 * each stored with the same ETag and checksums (InvalidPart), each but the last at least 5 MiB
 * (EntityTooSmall). Returns the stored parts in order.
 */
function matchParts(
  request: ObjectRequest,
  upload: MultipartUpload,
  requested: RequestedPart[],
): UploadedPart[] {
  const stored = new Map(
    request.context.objects.listParts(upload.uploadId).map((part) => [part.partNumber, part]),
  );
  const matched: UploadedPart[] = [];
  let previous = 0;
  for (const item of requested) {
    if (item.partNumber <= previous)
      throw s3Error('InvalidPartOrder', { UploadId: upload.uploadId });
    previous = item.partNumber;
    const part = stored.get(item.partNumber);
    const bare = item.eTag.replace(/^"|"$/g, '');
    if (part === undefined || part.eTag !== `"${bare}"` || !checksumsAgree(item, part)) {
      throw s3Error('InvalidPart', {
        UploadId: upload.uploadId,
        PartNumber: String(item.partNumber),
        ETag: bare,
      });
    }
    matched.push(part);
  }
  matched.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw s3Error('EntityTooSmall', {
        ProposedSize: String(part.size),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(part.partNumber),
        ETag: part.eTag.replace(/^"|"$/g, ''),
      });
    }
  });
  return matched;
}

/** True unless the request names a part checksum that differs from the stored one. */
function checksumsAgree(requested: RequestedPart, stored: UploadedPart): boolean {
  return Object.entries(requested.checksums).every(
    ([algorithm, value]) =>
      stored.checksums[algorithm] === undefined || stored.checksums[algorithm] === value,
  );
}

/** Computes the multipart ETag: MD5 of the concatenated binary part MD5s, `-`, the count. */
function multipartETag(parts: UploadedPart[]): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(Buffer.from(part.eTag.replace(/"/g, ''), 'hex'));
  return `"${hash.digest('hex')}-${parts.length}"`;
}

/**
 * CompleteMultipartUpload: one transaction checks the listed parts against the stored ones,
 * stores the object as the ordered list of its part files and deletes the upload. The files
 * of unlisted parts and of the object it replaced are removed after the commit.
 */
export async function completeMultipartUpload(request: ObjectRequest): Promise<void> {
  const upload = requireUpload(request);
  const requested = parseCompleteRequest(await readXmlBody(request));

  const { objects, commits } = request.context;
  // The parts are matched inside the commit's transaction, because an UploadPart that
  // replaces a part while this request waits removes the replaced part's file.
  const completed = await commits.commit(() => {
    if (objects.findUpload(upload.uploadId) === undefined) {
      throw s3Error('NoSuchUpload', { UploadId: upload.uploadId });
    }
    const parts = matchParts(request, upload, requested);
    checkWriteConditions(request);
    const attributes = completedObject(request, upload, parts);
    const result = objects.completeUpload(upload, attributes, (change) =>
      emitObjectEvent(
        request,
        'ObjectCreated:CompleteMultipartUpload',
        { ...request, sequencer: change.sequencer },
        attributes,
      ),
    );
    if (result === undefined) throw s3Error('NoSuchUpload', { UploadId: upload.uploadId });
    return { ...result, attributes };
  });
  await removeFiles(request, [...completed.unusedPartFileIds, ...completed.change.replacedFileIds]);

  const { attributes } = completed;
  sendXml(request, 'CompleteMultipartUploadResult', {
    Location: `http://${request.req.headers.host ?? 'localhost'}/${request.bucket}/${encodeURIComponent(request.key)}`,
    Bucket: request.bucket,
    Key: request.key,
    ETag: attributes.eTag,
    ...Object.fromEntries(
      Object.entries(attributes.checksums).map(([name, value]) => [
        `Checksum${name.toUpperCase()}`,
        value,
      ]),
    ),
  });
}

/**
 * Builds the attributes of the object made of `parts`: its files are the part files, and
 * with a checksum algorithm it gets the composite checksum when every part has one.
 */
function completedObject(
  request: ObjectRequest,
  upload: MultipartUpload,
  parts: UploadedPart[],
): ObjectAttributes {
  const algorithm = checksumAlgorithmOf(upload);
  const partChecksums = parts.map((part) =>
    algorithm === undefined ? undefined : part.checksums[algorithm],
  );
  const checksums: Record<string, string> = {};
  if (algorithm !== undefined && partChecksums.every((value) => value !== undefined)) {
    checksums[algorithm] = compositeChecksum(algorithm, partChecksums);
  }
  return {
    files: parts.map((part) => ({ fileId: part.fileId, size: part.size })),
    size: parts.reduce((total, part) => total + part.size, 0),
    eTag: multipartETag(parts),
    lastModifiedMs: request.context.nowMs(),
    headers: upload.headers,
    metadata: upload.metadata,
    tags: upload.tags,
    checksums,
    partSizes: parts.map((part) => part.size),
  };
}

/** AbortMultipartUpload: deletes the upload and its parts; 204. */
export async function abortMultipartUpload(request: ObjectRequest): Promise<void> {
  const upload = requireUpload(request);
  const partFiles = request.context.objects.deleteUpload(upload.uploadId);
  if (partFiles === undefined) throw s3Error('NoSuchUpload', { UploadId: upload.uploadId });
  for (const fileId of partFiles) await request.context.files.remove(fileId);
  sendEmpty(request, 204);
}

function listLimit(request: BucketRequest, name: string): number {
  const text = request.query.get(name);
  if (text === null) return MAX_LISTED;
  if (!/^\d+$/.test(text)) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: text },
      `Provided ${name} not an integer or within integer range`,
    );
  }
  return Math.min(Number(text), MAX_LISTED);
}

/** ListParts, paged by `part-number-marker` and `max-parts`. */
export function listParts(request: ObjectRequest): Promise<void> {
  const upload = requireUpload(request);
  const maxParts = listLimit(request, 'max-parts');
  const marker = Number(request.query.get('part-number-marker') ?? '0') || 0;
  const remaining = request.context.objects
    .listParts(upload.uploadId)
    .filter((part) => part.partNumber > marker);
  const page = remaining.slice(0, maxParts);
  const isTruncated = remaining.length > page.length;
  sendXml(request, 'ListPartsResult', {
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    Initiator: OWNER,
    Owner: OWNER,
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: isTruncated ? page[page.length - 1]?.partNumber : undefined,
    MaxParts: maxParts,
    IsTruncated: isTruncated,
    ChecksumAlgorithm: upload.checksumAlgorithm?.toUpperCase(),
    Part: page.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: isoTime(part.lastModifiedMs),
      ETag: part.eTag,
      Size: part.size,
      ...Object.fromEntries(
        Object.entries(part.checksums).map(([name, value]) => [
          `Checksum${name.toUpperCase()}`,
          value,
        ]),
      ),
    })),
  });
  return Promise.resolve();
}

/**
 * ListMultipartUploads, paged by `key-marker` and `upload-id-marker`. With a delimiter, the
 * uploads of keys that contain it after the prefix roll up into CommonPrefixes.
 */
export function listMultipartUploads(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = query.get('upload-id-marker') ?? '';
  const maxUploads = listLimit(request, 'max-uploads');

  const all = request.context.objects.listUploads(request.bucket, prefix);
  const page = pageOfUploads(all, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads });
  const last = page.uploads[page.uploads.length - 1];
  sendXml(request, 'ListMultipartUploadsResult', {
    Bucket: request.bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: page.isTruncated ? page.lastKey : undefined,
    NextUploadIdMarker: page.isTruncated && last?.key === page.lastKey ? last?.uploadId : undefined,
    Prefix: prefix,
    Delimiter: delimiter === '' ? undefined : delimiter,
    MaxUploads: maxUploads,
    IsTruncated: page.isTruncated,
    Upload: page.uploads.map((upload) => ({
      Key: upload.key,
      UploadId: upload.uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      Initiated: isoTime(upload.initiatedMs),
      ChecksumAlgorithm: upload.checksumAlgorithm?.toUpperCase(),
    })),
    CommonPrefixes: page.commonPrefixes.map((item) => ({ Prefix: item })),
  });
  return Promise.resolve();
}

interface UploadsPage {
  uploads: MultipartUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The key, or common prefix, of the last entry returned. */
  lastKey: string | undefined;
}

/**
 * Selects the uploads after the markers, up to `maxUploads` uploads and common prefixes. A
 * key marker that is a common prefix skips the uploads under it, so pages continue there.
 */
function pageOfUploads(
  all: MultipartUpload[],
  options: {
    prefix: string;
    delimiter: string;
    keyMarker: string;
    uploadIdMarker: string;
    maxUploads: number;
  },
): UploadsPage {
  const { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads } = options;
  const page: UploadsPage = {
    uploads: [],
    commonPrefixes: [],
    isTruncated: false,
    lastKey: undefined,
  };
  let currentPrefix = keyMarker === '' ? undefined : keyMarker;
  for (const upload of all.slice(firstAfterMarkers(all, keyMarker, uploadIdMarker))) {
    const index = delimiter === '' ? -1 : upload.key.indexOf(delimiter, prefix.length);
    const commonPrefix = index === -1 ? undefined : upload.key.slice(0, index + delimiter.length);
    if (commonPrefix !== undefined && commonPrefix === currentPrefix) continue;
    if (page.uploads.length + page.commonPrefixes.length === maxUploads) {
      page.isTruncated = true;
      break;
    }
    if (commonPrefix === undefined) {
      page.uploads.push(upload);
      page.lastKey = upload.key;
    } else {
      page.commonPrefixes.push(commonPrefix);
      page.lastKey = commonPrefix;
      currentPrefix = commonPrefix;
    }
  }
  return page;
}

/**
 * Finds the index of the first upload after the markers: after the upload `uploadIdMarker`
 * of the marker key, or after every upload of the marker key without an upload-id marker.
 */
function firstAfterMarkers(
  all: MultipartUpload[],
  keyMarker: string,
  uploadIdMarker: string,
): number {
  if (keyMarker === '') return 0;

  if (uploadIdMarker !== '') {
    const marker = all.findIndex(
      (item) => item.key === keyMarker && item.uploadId === uploadIdMarker,
    );
    if (marker !== -1) return marker + 1;
  }
  const next = all.findIndex((item) => item.key > keyMarker);
  return next === -1 ? all.length : next;
}
