import { readBody } from '../../../api/read-body.js';
import type { BucketRecord } from '../../../state/objects.js';
import { validateBucketName } from '../bucket-name.js';
import type { BucketRequest, S3Request } from '../context.js';
import { s3Error } from '../errors.js';
import { isoTime, sendEmpty, sendXml } from '../responses.js';
import { childNamed, parseXml } from '../xml.js';

/** The owner every bucket and object reports: the platform's single local account. */
export const OWNER = { ID: 'lambdacraft', DisplayName: 'lambdacraft' };

/** Largest XML request body accepted (CreateBucketConfiguration, Delete, Tagging...). */
export const MAX_XML_BYTES = 2 * 1024 * 1024;

/** Reads a small XML request body; an empty body returns undefined. */
export async function readXmlBody(
  request: S3Request,
): Promise<ReturnType<typeof parseXml> | undefined> {
  const body = await readBody(request.req, MAX_XML_BYTES);
  if (body === undefined) {
    throw s3Error('InvalidRequest', {}, `The XML body is larger than ${MAX_XML_BYTES} bytes.`);
  }
  const text = body.toString('utf8').trim();
  return text === '' ? undefined : parseXml(text);
}

/** Returns the bucket, or raises NoSuchBucket. */
export function requireBucket(request: BucketRequest): BucketRecord {
  const bucket = request.context.objects.findBucket(request.bucket);
  if (bucket === undefined) throw s3Error('NoSuchBucket', { BucketName: request.bucket });
  return bucket;
}

/**
 * CreateBucket. The region comes from `CreateBucketConfiguration/LocationConstraint`, or is
 * the platform's region. As in S3, `us-east-1` is never a constraint. Every bucket here
 * belongs to the one local account, so creating one that exists raises
 * BucketAlreadyOwnedByYou. In us-east-1, S3 returns 200 instead, for old clients.
 */
export async function createBucket(request: BucketRequest): Promise<void> {
  validateBucketName(request.bucket);
  const document = await readXmlBody(request);
  let region = request.context.region;
  if (document !== undefined) {
    if (document.name !== 'CreateBucketConfiguration') throw s3Error('MalformedXML');
    const constraint = childNamed(document, 'LocationConstraint')?.text.trim();
    if (constraint === 'us-east-1') throw s3Error('InvalidLocationConstraint');
    if (constraint !== undefined && constraint !== '') region = constraint;
  }

  const created = request.context.objects.createBucket({
    name: request.bucket,
    region,
    createdAtMs: request.context.nowMs(),
  });
  if (!created) {
    const existing = request.context.objects.findBucket(request.bucket);
    const bothInUsEast1 = existing?.region === 'us-east-1' && region === 'us-east-1';
    if (!bothInUsEast1) throw s3Error('BucketAlreadyOwnedByYou', { BucketName: request.bucket });
  }
  sendEmpty(request, 200, { Location: `/${request.bucket}` });
}

export function headBucket(request: BucketRequest): Promise<void> {
  const bucket = requireBucket(request);
  sendEmpty(request, 200, { 'x-amz-bucket-region': bucket.region });
  return Promise.resolve();
}

/** DeleteBucket: only an empty bucket; unfinished multipart uploads go with it. */
export async function deleteBucket(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const partFiles = request.context.objects.deleteBucket(request.bucket);
  if (partFiles === undefined) throw s3Error('BucketNotEmpty', { BucketName: request.bucket });
  request.context.notifications?.deleteBucket(request.bucket);

  for (const fileId of partFiles) await request.context.files.remove(fileId);
  sendEmpty(request, 204);
}

export function listBuckets(request: S3Request): Promise<void> {
  const buckets = request.context.objects.listBuckets();
  sendXml(request, 'ListAllMyBucketsResult', {
    Owner: OWNER,
    Buckets: {
      Bucket: buckets.map((bucket) => ({
        Name: bucket.name,
        CreationDate: isoTime(bucket.createdAtMs),
        BucketRegion: bucket.region,
      })),
    },
  });
  return Promise.resolve();
}

/** GetBucketLocation: S3 returns an empty LocationConstraint for us-east-1. */
export function getBucketLocation(request: BucketRequest): Promise<void> {
  const bucket = requireBucket(request);
  const location = bucket.region === 'us-east-1' ? '' : bucket.region;
  sendXml(request, 'LocationConstraint', location);
  return Promise.resolve();
}

/** GetBucketVersioning: buckets here are never versioned, which S3 shows as no Status. */
export function getBucketVersioning(request: BucketRequest): Promise<void> {
  requireBucket(request);
  sendXml(request, 'VersioningConfiguration', {});
  return Promise.resolve();
}
