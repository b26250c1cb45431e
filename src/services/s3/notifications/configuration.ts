import { randomUUID } from 'node:crypto';

import { s3Error } from '../errors.js';
import type { S3EventName } from '../events.js';

/** A key filter: both rules must match when both are present; absent rules match any key. */
export interface KeyFilter {
  prefix: string | undefined;
  suffix: string | undefined;
}

/** One Lambda function destination of a bucket (S3's `CloudFunctionConfiguration`). */
export interface FunctionNotification {
  id: string;
  /** The function ARN, qualified or not, exactly as the configuration names it. */
  functionArn: string;
  /** Event types with the `s3:` prefix, such as `s3:ObjectCreated:*`. */
  events: string[];
  filter: KeyFilter;
}

/**
 * The event types S3 accepts in a notification configuration. Only the `ObjectCreated` and
 * `ObjectRemoved:Delete` events of S3ObjectEvent ever fire here; the others are accepted and
 * never match, because this store has no versions, restores, replication or lifecycle.
 */
const EVENT_TYPES = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/** Raises InvalidArgument for an event type S3 does not accept. */
export function checkEventType(eventType: string): void {
  if (!EVENT_TYPES.has(eventType)) {
    throw invalidArgument('The event is not supported for notifications', 'Event', eventType);
  }
}

/** True when a configured event type (`s3:ObjectCreated:*`) covers an emitted event name. */
export function coversEvent(eventType: string, eventName: S3EventName): boolean {
  const name = eventType.replace(/^s3:/, '');
  if (name.endsWith(':*')) return eventName.startsWith(name.slice(0, -1));
  return name === eventName;
}

/** True when a key passes a filter: S3 compares prefix and suffix literally, case included. */
export function matchesKey(filter: KeyFilter, key: string): boolean {
  if (filter.prefix !== undefined && !key.startsWith(filter.prefix)) return false;
  if (filter.suffix !== undefined && !key.endsWith(filter.suffix)) return false;
  return true;
}

/**
 * Checks a bucket's configurations as PutBucketNotificationConfiguration does and fills in
 * missing ids. Two configurations overlap when they share an event type and some key could
 * pass both filters: prefixes overlap when one starts with the other, suffixes when one ends
 * with the other, and an absent rule overlaps every rule.
 */
export function checkConfigurations(configurations: FunctionNotification[]): void {
  const ids = new Set<string>();
  for (const configuration of configurations) {
    if (configuration.id === '') configuration.id = randomUUID();
    if (ids.has(configuration.id)) {
      throw invalidArgument('Configuration Id must be unique', 'Id', configuration.id);
    }
    ids.add(configuration.id);
    if (configuration.events.length === 0) {
      throw invalidArgument('At least one event type is required', 'Event', '');
    }
    configuration.events.forEach(checkEventType);
  }
  for (const [index, first] of configurations.entries()) {
    for (const second of configurations.slice(index + 1)) {
      if (sharesEventType(first, second) && filtersOverlap(first.filter, second.filter)) {
        throw invalidArgument(
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          'Event',
          first.events.join(','),
        );
      }
    }
  }
}

function sharesEventType(first: FunctionNotification, second: FunctionNotification): boolean {
  return first.events.some((a) => second.events.some((b) => eventTypesIntersect(a, b)));
}

/** `s3:ObjectCreated:*` intersects every `s3:ObjectCreated:...` type and itself. */
function eventTypesIntersect(first: string, second: string): boolean {
  if (first === second) return true;
  const family = (eventType: string) => eventType.slice(0, eventType.lastIndexOf(':'));
  if (family(first) !== family(second)) return false;
  return first.endsWith(':*') || second.endsWith(':*');
}

function filtersOverlap(first: KeyFilter, second: KeyFilter): boolean {
  return (
    rulesOverlap(first.prefix, second.prefix, (a, b) => a.startsWith(b)) &&
    rulesOverlap(first.suffix, second.suffix, (a, b) => a.endsWith(b))
  );
}

function rulesOverlap(
  first: string | undefined,
  second: string | undefined,
  contains: (a: string, b: string) => boolean,
): boolean {
  if (first === undefined || second === undefined) return true;
  return contains(first, second) || contains(second, first);
}

/** S3's InvalidArgument with its ArgumentName and ArgumentValue elements. */
export function invalidArgument(message: string, name: string, value: string): Error {
  return s3Error('InvalidArgument', { ArgumentName: name, ArgumentValue: value }, message);
}
