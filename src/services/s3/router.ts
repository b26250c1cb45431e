import type { BucketRequest, ObjectRequest, S3Request } from './context.js';
import { notImplemented, s3Error } from './errors.js';
import {
  getBucketNotificationConfiguration,
  putBucketNotificationConfiguration,
} from './notifications/operations.js';
import {
  createBucket,
  deleteBucket,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
} from './operations/buckets.js';
import { copyObject } from './operations/copy-object.js';
import { listObjects, listObjectsV2 } from './operations/list-objects.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './operations/multipart.js';
import { deleteObject, deleteObjects, getObject, putObject } from './operations/objects.js';
import { postObject } from './operations/post-object.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './operations/tagging.js';

type Handler<T> = (request: T) => Promise<void>;

/**
 * Subresources that select an S3 operation this service does not implement, with the
 * operation's name for the NotImplemented message.
 */
const UNSUPPORTED_SUBRESOURCES: Record<string, string> = {
  acl: 'ACL',
  policy: 'BucketPolicy',
  policyStatus: 'BucketPolicyStatus',
  cors: 'BucketCors',
  lifecycle: 'BucketLifecycleConfiguration',
  website: 'BucketWebsite',
  logging: 'BucketLogging',
  replication: 'BucketReplication',
  encryption: 'BucketEncryption',
  'object-lock': 'ObjectLockConfiguration',
  versions: 'ListObjectVersions',
  accelerate: 'BucketAccelerateConfiguration',
  requestPayment: 'BucketRequestPayment',
  analytics: 'BucketAnalyticsConfiguration',
  inventory: 'BucketInventoryConfiguration',
  metrics: 'BucketMetricsConfiguration',
  'intelligent-tiering': 'BucketIntelligentTieringConfiguration',
  ownershipControls: 'BucketOwnershipControls',
  publicAccessBlock: 'PublicAccessBlock',
  'legal-hold': 'ObjectLegalHold',
  retention: 'ObjectRetention',
  restore: 'RestoreObject',
  select: 'SelectObjectContent',
  torrent: 'ObjectTorrent',
  attributes: 'ObjectAttributes',
  session: 'CreateSession',
};

/** Dispatches a request to its operation by method, target and subresource. */
export function route(request: S3Request): Promise<void> {
  const { bucket, key, query } = request;
  const method = request.req.method ?? 'GET';
  for (const [subresource, operation] of Object.entries(UNSUPPORTED_SUBRESOURCES)) {
    if (query.has(subresource)) throw notImplemented(`The ${method} ${operation} operation`);
  }
  if (query.has('notification') && key !== undefined) {
    throw notImplemented(`The ${method} ?notification request on an object`);
  }
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(request);
    throw methodNotAllowed(method, 'SERVICE');
  }
  if (key === undefined) return routeBucket(method, { ...request, bucket });
  return routeObject(method, { ...request, bucket, key });
}

function routeBucket(method: string, request: BucketRequest): Promise<void> {
  const { query } = request;
  const handler = pick<BucketRequest>(method, {
    PUT: bucketPutHandler(query),
    HEAD: headBucket,
    DELETE: query.has('tagging') ? undefined : deleteBucket,
    GET: bucketGetHandler(query),
    POST: query.has('delete') ? deleteObjects : postObject,
  });
  if (handler === undefined) throw unsupported(method, query, 'BUCKET');
  return handler(request);
}

function bucketPutHandler(query: URLSearchParams): Handler<BucketRequest> | undefined {
  if (query.has('notification')) return putBucketNotificationConfiguration;
  if (query.has('versioning') || query.has('tagging')) return undefined;
  return createBucket;
}

function bucketGetHandler(query: URLSearchParams): Handler<BucketRequest> | undefined {
  if (query.has('notification')) return getBucketNotificationConfiguration;
  if (query.has('location')) return getBucketLocation;
  if (query.has('versioning')) return getBucketVersioning;
  if (query.has('uploads')) return listMultipartUploads;
  if (query.has('tagging')) return undefined;
  if (query.get('list-type') === '2') return listObjectsV2;
  return listObjects;
}

function routeObject(method: string, request: ObjectRequest): Promise<void> {
  const { query } = request;
  // Buckets are never versioned, so `null` names the current object. The operations ignore
  // any other version id and would act on the current object instead.
  const versionId = query.get('versionId');
  if (versionId !== null && versionId !== 'null') {
    throw notImplemented(`The ${method} of object version '${versionId}'`);
  }
  const copying = request.req.headers['x-amz-copy-source'] !== undefined;
  const handler = pick<ObjectRequest>(method, {
    PUT: objectPutHandler(query, copying),
    GET: query.has('uploadId') ? listParts : query.has('tagging') ? getObjectTagging : getObject,
    HEAD: getObject,
    DELETE: query.has('uploadId')
      ? abortMultipartUpload
      : query.has('tagging')
        ? deleteObjectTagging
        : deleteObject,
    POST: query.has('uploads')
      ? createMultipartUpload
      : query.has('uploadId')
        ? completeMultipartUpload
        : undefined,
  });
  if (handler === undefined) throw unsupported(method, query, 'OBJECT');
  return handler(request);
}

function objectPutHandler(query: URLSearchParams, copying: boolean): Handler<ObjectRequest> {
  if (query.has('uploadId')) return copying ? uploadPartCopy : uploadPart;
  if (query.has('tagging')) return putObjectTagging;
  return copying ? copyObject : putObject;
}

function pick<T>(
  method: string,
  handlers: Record<string, Handler<T> | undefined>,
): Handler<T> | undefined {
  return handlers[method];
}

function unsupported(method: string, query: URLSearchParams, resourceType: string): Error {
  if (!['GET', 'PUT', 'POST', 'DELETE', 'HEAD'].includes(method)) {
    return methodNotAllowed(method, resourceType);
  }
  const subresources = [...query.keys()].join('&');
  const article = resourceType === 'OBJECT' ? 'an' : 'a';
  const withSubresources = subresources === '' ? '' : ` with ?${subresources}`;
  return notImplemented(`${method} on ${article} ${resourceType.toLowerCase()}${withSubresources}`);
}

function methodNotAllowed(method: string, resourceType: string): Error {
  return s3Error('MethodNotAllowed', { Method: method, ResourceType: resourceType });
}
