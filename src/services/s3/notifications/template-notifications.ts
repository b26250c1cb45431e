import { LambdaCraftError } from '../../../errors.js';
import { functionArn, type AccountContext } from '../../../functions/arn.js';
import type { Logger } from '../../../log.js';
import type { ObjectTable } from '../../../state/objects.js';
import type { TemplateBucket, TemplateNotification } from '../../../template/s3-events.js';
import type { BucketNotifications } from './bucket-notifications.js';
import type { FunctionNotification } from './configuration.js';

/** The buckets and notifications a template declares, as `LoadedTemplate.s3` has them. */
export interface TemplateBuckets {
  buckets: TemplateBucket[];
  notifications: TemplateNotification[];
}

export interface TemplateBucketsTarget {
  objects: ObjectTable;
  notifications: BucketNotifications;
  account: AccountContext;
  region: string;
  /** The alias SAM points a function's events at (AutoPublishAlias), by function name. */
  aliasOf: (functionName: string) => string | undefined;
  logger: Logger;
  nowMs: number;
}

/**
 * Creates the template's buckets that do not exist and sets each bucket's notification
 * configurations to the ones the template declares, as CloudFormation does on a deploy:
 * configurations a client put on a template bucket are replaced. Returns one line per
 * created bucket and per configuration that could not be applied.
 */
export function applyTemplateBuckets(
  template: TemplateBuckets,
  target: TemplateBucketsTarget,
): string[] {
  const lines: string[] = [];
  for (const bucket of template.buckets) {
    const created = target.objects.createBucket({
      name: bucket.name,
      region: target.region,
      createdAtMs: target.nowMs,
    });
    if (created) target.logger.info({ bucket: bucket.name }, 'bucket of the template created');

    const configurations = template.notifications
      .filter((notification) => notification.bucket === bucket.name)
      .map((notification) => toConfiguration(notification, target));
    try {
      target.notifications.put(bucket.name, configurations);
    } catch (error) {
      const message = `notifications of bucket ${bucket.name} not applied: ${describeError(error)}`;
      target.logger.warn({ bucket: bucket.name, err: error }, 'bucket notifications not applied');
      lines.push(message);
    }
  }
  return lines;
}

function toConfiguration(
  notification: TemplateNotification,
  target: TemplateBucketsTarget,
): FunctionNotification {
  const arn =
    notification.functionArn ??
    functionArn(
      target.account,
      notification.functionName ?? '',
      target.aliasOf(notification.functionName ?? ''),
    );
  return {
    id: notification.id,
    functionArn: arn,
    events: [...notification.events],
    filter: { ...notification.filter },
  };
}

/** S3 errors carry their reason in ArgumentValue details; the message alone is generic. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = error instanceof LambdaCraftError ? error.details : {};
  const parts = Object.entries(details)
    .filter(([name]) => name.startsWith('ArgumentName'))
    .map(([name, value]) => `${value}: ${details[name.replace('Name', 'Value')] ?? ''}`);
  return parts.length === 0 ? error.message : `${error.message}: ${parts.join('; ')}`;
}
