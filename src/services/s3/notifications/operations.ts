import type { BucketRequest } from '../context.js';
import { notImplemented } from '../errors.js';
import { readXmlBody, requireBucket } from '../operations/buckets.js';
import { sendEmpty, sendXml } from '../responses.js';
import type { BucketNotifications } from './bucket-notifications.js';
import {
  notificationConfigurationXml,
  parseNotificationConfiguration,
} from './configuration-xml.js';

/** PutBucketNotificationConfiguration: replaces the bucket's configurations; empty removes them. */
export async function putBucketNotificationConfiguration(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const notifications = requireNotifications(request);
  const document = await readXmlBody(request);
  const { functions, unsupported } = parseNotificationConfiguration(document);
  notifications.put(request.bucket, functions, unsupported);
  sendEmpty(request, 200);
}

/** GetBucketNotificationConfiguration: an empty document when the bucket has none. */
export function getBucketNotificationConfiguration(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const configurations = requireNotifications(request).list(request.bucket);
  sendXml(request, 'NotificationConfiguration', notificationConfigurationXml(configurations));
  return Promise.resolve();
}

function requireNotifications(request: BucketRequest): BucketNotifications {
  const { notifications } = request.context;
  if (notifications === undefined) {
    throw notImplemented(
      `The ${request.req.method ?? 'GET'} BucketNotificationConfiguration operation`,
    );
  }
  return notifications;
}
