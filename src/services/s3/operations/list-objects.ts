import type { StoredObject } from '../../../state/objects.js';
import type { BucketRequest } from '../context.js';
import { s3Error } from '../errors.js';
import { isoTime, sendXml } from '../responses.js';
import type { XmlElement } from '../xml.js';
import { OWNER, requireBucket } from './buckets.js';

const MAX_KEYS = 1000;

/** One page of a listing: objects and common prefixes, in key order. */
interface Listing {
  contents: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, from which the next page starts. */
  lastReturned: string | undefined;
}

/**
 * Lists up to `maxKeys` keys and common prefixes after `marker`. With a delimiter, keys
 * that contain it after the prefix roll up into one common prefix, which counts once
 * towards `maxKeys`. A marker that is itself a common prefix skips the keys under it, so
 * pages continue where the last one ended.
 */
function collectListing(
  request: BucketRequest,
  options: { prefix: string; delimiter: string; marker: string; maxKeys: number },
): Listing {
  const { prefix, delimiter, marker, maxKeys } = options;
  const listing: Listing = {
    contents: [],
    commonPrefixes: [],
    isTruncated: false,
    lastReturned: undefined,
  };
  if (maxKeys === 0) return listing;

  let currentPrefix =
    delimiter !== '' && commonPrefixOf(marker, prefix, delimiter) === marker ? marker : undefined;
  for (const object of request.context.objects.objectsAfter(request.bucket, prefix, marker)) {
    const commonPrefix =
      delimiter === '' ? undefined : commonPrefixOf(object.key, prefix, delimiter);
    if (commonPrefix !== undefined && commonPrefix === currentPrefix) continue;
    if (listing.contents.length + listing.commonPrefixes.length === maxKeys) {
      listing.isTruncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      listing.commonPrefixes.push(commonPrefix);
      currentPrefix = commonPrefix;
      listing.lastReturned = commonPrefix;
    } else {
      listing.contents.push(object);
      listing.lastReturned = object.key;
    }
  }
  return listing;
}

function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const index = key.indexOf(delimiter, prefix.length);
  return index === -1 ? undefined : key.slice(0, index + delimiter.length);
}

function parseMaxKeys(query: URLSearchParams): number {
  const text = query.get('max-keys');
  if (text === null) return MAX_KEYS;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'max-keys', ArgumentValue: text },
      'Provided max-keys not an integer or within integer range',
    );
  }
  return Math.min(value, MAX_KEYS);
}

function encodingOf(query: URLSearchParams): ((text: string) => string) | undefined {
  const type = query.get('encoding-type');
  if (type === null) return undefined;
  if (type !== 'url') {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: 'encoding-type', ArgumentValue: type },
      'Invalid Encoding Method specified in Request',
    );
  }
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}

function contentsXml(
  objects: StoredObject[],
  encode: (text: string) => string,
  withOwner: boolean,
): XmlElement[] {
  return objects.map((object) => ({
    Key: encode(object.key),
    LastModified: isoTime(object.lastModifiedMs),
    ETag: object.eTag,
    ChecksumAlgorithm: Object.keys(object.checksums).map((name) => name.toUpperCase()),
    Size: object.size,
    StorageClass: 'STANDARD',
    Owner: withOwner ? OWNER : undefined,
  }));
}

/** ListObjectsV2 (`?list-type=2`). The continuation token is the last returned key, base64. */
export function listObjectsV2(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after') ?? '';
  const maxKeys = parseMaxKeys(query);
  const encoder = encodingOf(query);
  const encode = encoder ?? ((text: string) => text);

  let marker = startAfter;
  if (token !== null) {
    marker = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(marker, 'utf8').toString('base64url') !== token) {
      throw s3Error(
        'InvalidArgument',
        { ArgumentName: 'continuation-token', ArgumentValue: token },
        'The continuation token provided is incorrect',
      );
    }
  }
  const listing = collectListing(request, { prefix, delimiter, marker, maxKeys });
  sendXml(request, 'ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter === '' ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    EncodingType: encoder === undefined ? undefined : 'url',
    KeyCount: listing.contents.length + listing.commonPrefixes.length,
    IsTruncated: listing.isTruncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken:
      listing.isTruncated && listing.lastReturned !== undefined
        ? Buffer.from(listing.lastReturned, 'utf8').toString('base64url')
        : undefined,
    StartAfter: query.has('start-after') ? encode(startAfter) : undefined,
    Contents: contentsXml(listing.contents, encode, query.get('fetch-owner') === 'true'),
    CommonPrefixes: listing.commonPrefixes.map((item) => ({ Prefix: encode(item) })),
  });
  return Promise.resolve();
}

/** ListObjects (version 1), paged by `marker`; NextMarker is sent only with a delimiter. */
export function listObjects(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const marker = query.get('marker') ?? '';
  const maxKeys = parseMaxKeys(query);
  const encoder = encodingOf(query);
  const encode = encoder ?? ((text: string) => text);

  const listing = collectListing(request, { prefix, delimiter, marker, maxKeys });
  sendXml(request, 'ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    NextMarker:
      listing.isTruncated && delimiter !== '' && listing.lastReturned !== undefined
        ? encode(listing.lastReturned)
        : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter === '' ? undefined : encode(delimiter),
    EncodingType: encoder === undefined ? undefined : 'url',
    IsTruncated: listing.isTruncated,
    Contents: contentsXml(listing.contents, encode, true),
    CommonPrefixes: listing.commonPrefixes.map((item) => ({ Prefix: encode(item) })),
  });
  return Promise.resolve();
}
