import { LambdaCraftError } from '../errors.js';
import {
  InvalidFilterPatternError,
  parseFilterPattern,
} from '../invoke/event-sources/filter-pattern.js';
import {
  DEFAULT_SETTINGS,
  MIN_RECORD_AGE_SECONDS,
  SETTING_RANGES,
  type MappingSettings,
} from '../invoke/event-sources/mapping-settings.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';

/**
 * The stream of a template mapping: a table of the template whose stream ARN the platform
 * looks up at start (`!GetAtt Table.StreamArn`), or a literal stream ARN.
 */
export type TemplateStream = { tableName: string } | { streamArn: string };

/** A SAM `DynamoDB` event of a function, which becomes an event source mapping at start. */
export interface TemplateStreamMapping {
  functionName: string;
  /** The function's logical id and the event id, as `Counter/Stream`, for messages. */
  source: string;
  eventId: string;
  stream: TemplateStream;
  enabled: boolean;
  settings: MappingSettings;
}

/** The DynamoDB events of a template, with the ones that could not be read. */
export interface DynamoDBEvents {
  mappings: TemplateStreamMapping[];
  /** Invalid events, each naming the resource, the event, the value and the fix. */
  errors: string[];
}

type Json = Record<string, unknown>;

/** SAM properties of a DynamoDB event that the platform does not apply. */
const NOT_SUPPORTED = [
  'KmsKeyArn',
  'MetricsConfig',
  'StartingPositionTimestamp',
  'SourceAccessConfigurations',
];

class DynamoDBEventReadError extends Error {}

/** Reads the SAM `DynamoDB` events of the template's functions. */
export function readDynamoDBEvents(
  resources: Json,
  functionNames: Map<string, string>,
  context: IntrinsicContext,
): DynamoDBEvents {
  const events: DynamoDBEvents = { mappings: [], errors: [] };
  for (const [logicalId, resource] of Object.entries(resources)) {
    const functionName = functionNames.get(logicalId);
    if (asObject(resource).Type !== 'AWS::Serverless::Function' || functionName === undefined) {
      continue;
    }
    const eventsProperty = asObject(asObject(asObject(resource).Properties).Events);
    for (const [eventId, event] of Object.entries(eventsProperty)) {
      if (asObject(event).Type !== 'DynamoDB') continue;
      try {
        events.mappings.push(readEvent(logicalId, eventId, functionName, asObject(event), context));
      } catch (error) {
        if (!(error instanceof DynamoDBEventReadError) && !(error instanceof LambdaCraftError)) {
          throw error;
        }
        events.errors.push(error.message);
      }
    }
  }
  return events;
}

function readEvent(
  logicalId: string,
  eventId: string,
  functionName: string,
  event: Json,
  context: IntrinsicContext,
): TemplateStreamMapping {
  const source = `resource '${logicalId}' event '${eventId}'`;
  const raw = asObject(event.Properties);
  const stream = readStream(raw.Stream, source, context);
  const props = asObject(
    resolveIntrinsics({ ...raw, Stream: '' }, { ...context, location: source }),
  );
  const unsupported = NOT_SUPPORTED.filter((name) => props[name] !== undefined);
  if (unsupported.length > 0) {
    throw new DynamoDBEventReadError(
      `${source}: ${unsupported.join(', ')} not supported by LambdaCraft; remove them to run the event`,
    );
  }

  const settings: MappingSettings = {
    ...DEFAULT_SETTINGS,
    startingPosition: startingPosition(props.StartingPosition, source),
    batchSize: ranged(props, 'BatchSize', 'batchSize', source),
    maximumBatchingWindowInSeconds: ranged(
      props,
      'MaximumBatchingWindowInSeconds',
      'maximumBatchingWindowInSeconds',
      source,
    ),
    parallelizationFactor: ranged(props, 'ParallelizationFactor', 'parallelizationFactor', source),
    maximumRetryAttempts: ranged(props, 'MaximumRetryAttempts', 'maximumRetryAttempts', source),
    maximumRecordAgeInSeconds: recordAge(props, source),
    bisectBatchOnFunctionError:
      flag(props.BisectBatchOnFunctionError, 'BisectBatchOnFunctionError', source) ?? false,
    tumblingWindowInSeconds: tumblingWindow(props, source),
    functionResponseTypes: responseTypes(props.FunctionResponseTypes, source),
    onFailureDestination: destination(props.DestinationConfig, source),
    filterPatterns: filterPatterns(props.FilterCriteria, source),
  };
  return {
    functionName,
    source: `${logicalId}/${eventId}`,
    eventId,
    stream,
    enabled: flag(props.Enabled, 'Enabled', source) ?? true,
    settings,
  };
}

/**
 * Reads Stream without resolving `!GetAtt Table.StreamArn`: the label of a stream ARN is
 * set when the table's stream is created, so the platform looks it up by table name at start.
 */
function readStream(value: unknown, source: string, context: IntrinsicContext): TemplateStream {
  const table = streamArnTable(value);
  if (table !== undefined) {
    const resource = context.symbols?.resources.get(table);
    if (resource?.type !== 'AWS::DynamoDB::Table') {
      throw new DynamoDBEventReadError(
        `${source}: Stream refers to '${table}', which is not an AWS::DynamoDB::Table of this template`,
      );
    }
    const tableName = resolveIntrinsics({ Ref: table }, { ...context, location: source });
    if (typeof tableName !== 'string') {
      throw new DynamoDBEventReadError(`${source}: the name of table '${table}' is not a string`);
    }
    return { tableName };
  }
  const streamArn = resolveIntrinsics(value, { ...context, location: source });
  if (typeof streamArn !== 'string' || streamArn === '') {
    throw new DynamoDBEventReadError(
      `${source}: Stream is missing; set it to !GetAtt <Table>.StreamArn or a stream ARN`,
    );
  }
  return { streamArn };
}

/** Returns the logical id of `!GetAtt X.StreamArn` in either of its forms, else undefined. */
function streamArnTable(value: unknown): string | undefined {
  const getAtt = asObject(value)['Fn::GetAtt'];
  const parts = typeof getAtt === 'string' ? getAtt.split('.') : getAtt;
  if (!Array.isArray(parts) || parts.length !== 2 || parts[1] !== 'StreamArn') return undefined;
  return typeof parts[0] === 'string' ? parts[0] : undefined;
}

function startingPosition(value: unknown, source: string): MappingSettings['startingPosition'] {
  if (value === 'TRIM_HORIZON' || value === 'LATEST') return value;
  throw new DynamoDBEventReadError(
    `${source}: StartingPosition ${JSON.stringify(value)} is invalid; set TRIM_HORIZON or LATEST`,
  );
}

function ranged(
  props: Json,
  property: string,
  setting: keyof typeof SETTING_RANGES,
  source: string,
): number {
  const value = props[property];
  const fallback = DEFAULT_SETTINGS[setting];
  if (value === undefined) return fallback;
  const range = SETTING_RANGES[setting];
  const number = typeof value === 'string' ? Number(value) : value;
  if (
    typeof number !== 'number' ||
    !Number.isInteger(number) ||
    number < range.min ||
    number > range.max
  ) {
    throw new DynamoDBEventReadError(
      `${source}: ${property} ${JSON.stringify(value)} is invalid; set a whole number between ${range.min} and ${range.max}`,
    );
  }
  return number;
}

function recordAge(props: Json, source: string): number {
  const seconds = ranged(props, 'MaximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds', source);
  if (seconds === -1 || seconds >= MIN_RECORD_AGE_SECONDS) return seconds;
  throw new DynamoDBEventReadError(
    `${source}: MaximumRecordAgeInSeconds ${seconds} is invalid; set -1 (no limit) or a value between ${MIN_RECORD_AGE_SECONDS} and ${SETTING_RANGES.maximumRecordAgeInSeconds.max}`,
  );
}

function tumblingWindow(props: Json, source: string): number {
  const seconds = ranged(props, 'TumblingWindowInSeconds', 'tumblingWindowInSeconds', source);
  if (seconds === 0) return 0;
  throw new DynamoDBEventReadError(
    `${source}: TumblingWindowInSeconds ${seconds} is not supported: LambdaCraft has no tumbling windows; set 0 or remove it`,
  );
}

function flag(value: unknown, property: string, source: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new DynamoDBEventReadError(`${source}: ${property} must be true or false`);
}

function responseTypes(value: unknown, source: string): string[] {
  if (value === undefined) return [];
  if (
    Array.isArray(value) &&
    value.length <= 1 &&
    value.every((item) => item === 'ReportBatchItemFailures')
  ) {
    return value as string[];
  }
  throw new DynamoDBEventReadError(
    `${source}: FunctionResponseTypes ${JSON.stringify(value)} is invalid; set [ReportBatchItemFailures] or remove it`,
  );
}

/** Reads DestinationConfig.OnFailure; SAM's `Type` is optional and must be Lambda here. */
function destination(value: unknown, source: string): string | undefined {
  if (value === undefined) return undefined;
  const onFailure = asObject(asObject(value).OnFailure);
  if (onFailure.Type !== undefined && onFailure.Type !== 'Lambda') {
    throw new DynamoDBEventReadError(
      `${source}: DestinationConfig.OnFailure.Type ${JSON.stringify(onFailure.Type)} is not supported: LambdaCraft sends failure records only to functions; set a function ARN`,
    );
  }
  if (typeof onFailure.Destination !== 'string') {
    throw new DynamoDBEventReadError(
      `${source}: DestinationConfig.OnFailure.Destination must be a function ARN, such as !GetAtt Fn.Arn`,
    );
  }
  return onFailure.Destination;
}

/** Reads FilterCriteria.Filters; a Pattern may be a JSON string or a YAML map. */
function filterPatterns(value: unknown, source: string): string[] {
  if (value === undefined) return [];
  const filters = asObject(value).Filters;
  if (!Array.isArray(filters)) {
    throw new DynamoDBEventReadError(`${source}: FilterCriteria must contain a Filters list`);
  }
  return filters.map((filter, index) => {
    const pattern = asObject(filter).Pattern;
    const text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern ?? null);
    try {
      parseFilterPattern(text);
    } catch (error) {
      if (!(error instanceof InvalidFilterPatternError)) throw error;
      throw new DynamoDBEventReadError(
        `${source}: FilterCriteria.Filters[${index}].Pattern is invalid: ${error.message}`,
      );
    }
    return text;
  });
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
