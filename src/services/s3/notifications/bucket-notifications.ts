import { parseFunctionReference, type AccountContext } from '../../../functions/arn.js';
import type { Invoker } from '../../../invoke/invoker.js';
import type { Logger } from '../../../log.js';
import type { NotificationTable } from '../../../state/notifications.js';
import type { ObjectTable } from '../../../state/objects.js';
import { s3Error } from '../errors.js';
import type { S3ObjectEvent } from '../events.js';
import {
  checkConfigurations,
  coversEvent,
  matchesKey,
  type FunctionNotification,
} from './configuration.js';
import type { UnsupportedDestination } from './configuration-xml.js';
import { eventRecord } from './event-record.js';

export interface BucketNotificationsOptions {
  table: NotificationTable;
  objects: ObjectTable;
  invoker: Invoker;
  account: AccountContext;
  logger: Logger;
}

/**
 * The buckets' notification configurations and their delivery: each object event that a
 * configuration matches becomes one asynchronous invocation of its function, with one record.
 */
export class BucketNotifications {
  readonly #options: BucketNotificationsOptions;
  readonly #logger: Logger;

  constructor(options: BucketNotificationsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ service: 's3-notifications' });
  }

  /** A bucket's configurations; empty when it has none. */
  list(bucket: string): FunctionNotification[] {
    const text = this.#options.table.find(bucket);
    return text === undefined ? [] : (JSON.parse(text) as FunctionNotification[]);
  }

  /**
   * Replaces a bucket's configurations after checking them as S3 does: every destination
   * must be a function that exists, and no two configurations may overlap. Raises S3's
   * InvalidArgument otherwise and keeps the configurations stored before.
   */
  put(
    bucket: string,
    configurations: FunctionNotification[],
    unsupported: UnsupportedDestination[] = [],
  ): void {
    const invalid = [...unsupported];
    for (const configuration of configurations) {
      const reason = this.#destinationProblem(configuration.functionArn);
      if (reason !== undefined) invalid.push({ arn: configuration.functionArn, reason });
    }
    if (invalid.length > 0) throw destinationsError(invalid);

    checkConfigurations(configurations);
    if (configurations.length === 0) this.#options.table.delete(bucket);
    else this.#options.table.put(bucket, JSON.stringify(configurations));
  }

  /** Removes a bucket's configurations, as deleting the bucket does on S3. */
  deleteBucket(bucket: string): void {
    this.#options.table.delete(bucket);
  }

  /**
   * Queues one invocation per configuration that matches the event. The object store calls
   * this inside the transaction that commits the object's row, so the queued events commit
   * with the change or not at all.
   */
  deliver(event: S3ObjectEvent): void {
    const configurations = this.list(event.bucket);
    if (configurations.length === 0) return;

    const region =
      this.#options.objects.findBucket(event.bucket)?.region ?? this.#options.account.region;
    for (const configuration of configurations) {
      if (!configuration.events.some((eventType) => coversEvent(eventType, event.eventName))) {
        continue;
      }
      if (!matchesKey(configuration.filter, event.key)) continue;
      this.#enqueue(configuration, event, region);
    }
  }

  #enqueue(configuration: FunctionNotification, event: S3ObjectEvent, region: string): void {
    const fields = {
      bucket: event.bucket,
      key: event.key,
      configurationId: configuration.id,
      functionArn: configuration.functionArn,
    };
    const reference = parseFunctionReference(configuration.functionArn);
    if (reference === undefined || this.#destinationProblem(configuration.functionArn)) {
      this.#logger.warn(fields, 'notification dropped: its function no longer exists');
      return;
    }
    const payload = Buffer.from(
      JSON.stringify({ Records: [eventRecord(event, configuration.id, region)] }),
    );
    // Invoker.enqueue writes the queued event before its first await, so the write joins
    // the object store's open transaction.
    void this.#options.invoker
      .enqueue(reference.functionName, payload, { qualifier: reference.qualifier, source: 's3' })
      .then(
        (requestId) => this.#logger.debug({ ...fields, requestId }, 'notification queued'),
        (error: unknown) =>
          this.#logger.error({ ...fields, err: error }, 'notification not queued'),
      );
  }

  /** Why a destination ARN cannot be invoked, or undefined when it can. */
  #destinationProblem(functionArn: string): string | undefined {
    const reference = parseFunctionReference(functionArn);
    const { account } = this.#options;
    if (reference?.region === undefined || reference.accountId === undefined) {
      return 'The destination is not a Lambda function ARN';
    }
    if (reference.region !== account.region || reference.accountId !== account.accountId) {
      return `The function is not in this platform's account ${account.accountId} and region ${account.region}`;
    }
    try {
      this.#options.invoker.resolve(reference.functionName, reference.qualifier);
    } catch {
      return 'The function does not exist';
    }
    return undefined;
  }
}

/**
 * S3's error for destinations it cannot validate: InvalidArgument with one numbered
 * ArgumentName (the ARN) and ArgumentValue (the reason) per destination.
 */
function destinationsError(invalid: UnsupportedDestination[]): Error {
  const details: Record<string, string> = {};
  for (const [index, destination] of invalid.entries()) {
    details[`ArgumentName${index + 1}`] = destination.arn;
    details[`ArgumentValue${index + 1}`] = destination.reason;
  }
  return s3Error(
    'InvalidArgument',
    details,
    'Unable to validate the following destination configurations',
  );
}
