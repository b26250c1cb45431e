import { LambdaCraftError } from '../errors.js';
import { validateBucketName } from '../services/s3/bucket-name.js';
import type { KeyFilter } from '../services/s3/notifications/configuration.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';

/** An `AWS::S3::Bucket` of the template, which the platform creates at start. */
export interface TemplateBucket {
  logicalId: string;
  name: string;
}

/** A bucket notification a template declares, before its function becomes an ARN. */
export interface TemplateNotification {
  bucket: string;
  /** The configuration id records carry as `configurationId`. */
  id: string;
  /** Set for SAM `S3` events; CloudFormation's LambdaConfigurations give `functionArn`. */
  functionName: string | undefined;
  functionArn: string | undefined;
  /** Event types with the `s3:` prefix. */
  events: string[];
  filter: KeyFilter;
}

/** The buckets and bucket notifications of a template, with the ones that could not be read. */
export interface S3Events {
  buckets: TemplateBucket[];
  notifications: TemplateNotification[];
  /** Invalid buckets and events, each naming the resource, the value and the fix. */
  errors: string[];
}

type Json = Record<string, unknown>;

class S3EventReadError extends Error {}

/**
 * Reads the template's `AWS::S3::Bucket` resources, the SAM `S3` events of its functions
 * and the LambdaConfigurations of the buckets' own NotificationConfiguration.
 */
export function readS3Events(
  resources: Json,
  functionNames: Map<string, string>,
  context: IntrinsicContext,
): S3Events {
  const events: S3Events = { buckets: [], notifications: [], errors: [] };
  const bucketNames = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (asObject(resource).Type !== 'AWS::S3::Bucket') continue;
    collect(events, () => {
      const name = readBucket(logicalId, asObject(asObject(resource).Properties), context, events);
      bucketNames.set(logicalId, name);
    });
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    const functionName = functionNames.get(logicalId);
    if (asObject(resource).Type !== 'AWS::Serverless::Function' || functionName === undefined) {
      continue;
    }
    const eventsProperty = asObject(asObject(asObject(resource).Properties).Events);
    for (const [eventId, event] of Object.entries(eventsProperty)) {
      if (asObject(event).Type !== 'S3') continue;
      collect(events, () => {
        events.notifications.push(
          readFunctionEvent(
            logicalId,
            eventId,
            functionName,
            asObject(event),
            bucketNames,
            context,
          ),
        );
      });
    }
  }
  return events;
}

function collect(events: S3Events, read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof S3EventReadError) && !(error instanceof LambdaCraftError)) throw error;
    events.errors.push(error.message);
  }
}

/** Reads a bucket's name and its CloudFormation NotificationConfiguration; returns the name. */
function readBucket(
  logicalId: string,
  properties: Json,
  context: IntrinsicContext,
  events: S3Events,
): string {
  const location = `resource '${logicalId}'`;
  const name = resolveIntrinsics({ Ref: logicalId }, { ...context, location });
  if (typeof name !== 'string')
    throw new S3EventReadError(`${location}: BucketName is not a string`);
  try {
    validateBucketName(name);
  } catch (error) {
    throw new S3EventReadError(
      `${location}: bucket name '${name}' is invalid: ${(error as Error).message} Set BucketName to a valid name`,
    );
  }
  events.buckets.push({ logicalId, name });

  const configuration = asObject(
    resolveIntrinsics(properties.NotificationConfiguration, { ...context, location }),
  );
  for (const key of ['QueueConfigurations', 'TopicConfigurations', 'EventBridgeConfiguration']) {
    if (configuration[key] !== undefined) {
      events.errors.push(
        `${location}: NotificationConfiguration.${key} is not run: LambdaCraft delivers bucket notifications only to functions`,
      );
    }
  }
  const lambdaConfigurations = configuration.LambdaConfigurations;
  for (const [index, entry] of (Array.isArray(lambdaConfigurations)
    ? lambdaConfigurations
    : []
  ).entries()) {
    const item = asObject(entry);
    const source = `${location} NotificationConfiguration.LambdaConfigurations[${index}]`;
    if (typeof item.Function !== 'string') {
      throw new S3EventReadError(`${source}: Function must be a function ARN`);
    }
    events.notifications.push({
      bucket: name,
      id: `${logicalId}LambdaConfiguration${index + 1}`,
      functionName: undefined,
      functionArn: item.Function,
      events: eventList(item.Event, source),
      filter: readFilter(item.Filter, source),
    });
  }
  return name;
}

function readFunctionEvent(
  logicalId: string,
  eventId: string,
  functionName: string,
  event: Json,
  bucketNames: Map<string, string>,
  context: IntrinsicContext,
): TemplateNotification {
  const source = `resource '${logicalId}' event '${eventId}'`;
  const raw = asObject(event.Properties);
  // SAM accepts only a Ref to a bucket of the same template, because it adds the
  // notification to that bucket's own NotificationConfiguration.
  const bucketRef = asObject(raw.Bucket).Ref;
  const bucket = typeof bucketRef === 'string' ? bucketNames.get(bucketRef) : undefined;
  const referenced =
    typeof bucketRef === 'string' ? context.symbols?.resources.get(bucketRef) : undefined;
  if (bucket === undefined && referenced?.type === 'AWS::S3::Bucket') {
    throw new S3EventReadError(
      `${source}: bucket '${referenced.logicalId}' is not created, so the event does not run; fix the bucket's error or its condition`,
    );
  }
  if (bucket === undefined) {
    throw new S3EventReadError(
      `${source}: Bucket must be !Ref to an AWS::S3::Bucket declared in this template, as SAM requires`,
    );
  }
  const props = asObject(
    resolveIntrinsics({ ...raw, Bucket: bucket }, { ...context, location: source }),
  );
  return {
    bucket,
    // NOTE: S3 generates an id for a configuration without one; SAM leaves it out, so the
    // platform names it after the function and the event to keep it stable between runs.
    id: `${logicalId}${eventId}`,
    functionName,
    functionArn: undefined,
    events: eventList(props.Events, source),
    filter: readFilter(props.Filter, source),
  };
}

function eventList(value: unknown, source: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((item) => typeof item === 'string')
  ) {
    throw new S3EventReadError(
      `${source}: Events must be an S3 event type or a list of them, such as s3:ObjectCreated:*`,
    );
  }
  return list;
}

function readFilter(value: unknown, source: string): KeyFilter {
  const filter: KeyFilter = { prefix: undefined, suffix: undefined };
  const rules = asObject(asObject(value).S3Key).Rules;
  if (value !== undefined && !Array.isArray(rules)) {
    throw new S3EventReadError(`${source}: Filter must be S3Key.Rules, a list of Name and Value`);
  }
  for (const rule of (rules as unknown[] | undefined) ?? []) {
    const { Name: name, Value: ruleValue } = asObject(rule);
    const key = typeof name === 'string' ? name.toLowerCase() : undefined;
    if ((key !== 'prefix' && key !== 'suffix') || typeof ruleValue !== 'string') {
      throw new S3EventReadError(
        `${source}: filter rule ${JSON.stringify(rule)} is invalid; set Name to prefix or suffix and Value to a string`,
      );
    }
    if (filter[key] !== undefined) {
      throw new S3EventReadError(`${source}: the filter has more than one ${key} rule; keep one`);
    }
    filter[key] = ruleValue;
  }
  return filter;
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
