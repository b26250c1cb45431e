import type { ObjectRequest } from '../context.js';
import { s3Error } from '../errors.js';
import { sendEmpty, sendXml } from '../responses.js';
import { parseTaggingXml } from '../tags.js';
import { readXmlBody } from './buckets.js';
import { requireObject } from './objects.js';

export async function putObjectTagging(request: ObjectRequest): Promise<void> {
  requireObject(request);
  const tags = parseTaggingXml(await readXmlBody(request));
  if (!request.context.objects.setTags(request.bucket, request.key, tags)) {
    throw s3Error('NoSuchKey', { Key: request.key });
  }
  sendEmpty(request, 200);
}

export function getObjectTagging(request: ObjectRequest): Promise<void> {
  const object = requireObject(request);
  sendXml(request, 'Tagging', {
    TagSet: { Tag: Object.entries(object.tags).map(([Key, Value]) => ({ Key, Value })) },
  });
  return Promise.resolve();
}

export function deleteObjectTagging(request: ObjectRequest): Promise<void> {
  requireObject(request);
  request.context.objects.setTags(request.bucket, request.key, {});
  sendEmpty(request, 204);
  return Promise.resolve();
}
