import { randomUUID } from 'node:crypto';

import type {
  EventSourceMappings,
  MappingChanges,
} from '../../invoke/event-sources/event-source-mappings.js';
import {
  InvalidFilterPatternError,
  parseFilterPattern,
} from '../../invoke/event-sources/filter-pattern.js';
import {
  DEFAULT_SETTINGS,
  eventSourceMappingArn,
  MIN_RECORD_AGE_SECONDS,
  SETTING_RANGES,
  type EventSourceMapping,
  type MappingSettings,
  type StartingPosition,
} from '../../invoke/event-sources/mapping-settings.js';
import type { ApiRequest } from '../routes.js';
import { lambdaError, validationError } from './errors.js';
import { functionFromPath, parseMaxItems, readJsonObject, sendJson } from './request-parts.js';

const LIST_ITEMS_RANGE = { min: 1, max: 10_000 };
/** Mappings per page of ListEventSourceMappings when MaxItems is absent. */
const DEFAULT_LIST_ITEMS = 100;

/** Members of the API that apply to other event sources than DynamoDB streams. */
const OTHER_SOURCE_MEMBERS = [
  'Topics',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
  'ScalingConfig',
  'StartingPositionTimestamp',
  'KMSKeyArn',
  'MetricsConfig',
  'ProvisionedPollerConfig',
  'Tags',
];

/** `POST /2015-03-31/event-source-mappings/`: 202 with the new mapping in state Creating. */
export async function createEventSourceMapping(request: ApiRequest): Promise<void> {
  const body = await readJsonObject(request.req);
  rejectOtherSourceMembers(body);
  const mappings = eventSourceMappings(request);

  const functionName = requiredString(body.FunctionName, 'functionName');
  const reference = functionFromPath(encodeURIComponent(functionName), request.context.account);
  const eventSourceArn = requiredString(body.EventSourceArn, 'eventSourceArn');
  // The source is checked first, so that an unsupported one is named before any setting
  // that only a DynamoDB stream needs, such as StartingPosition.
  mappings.checkSource(eventSourceArn);
  const changes = readChanges(body);
  const mapping = mappings.create({
    eventSourceArn,
    functionName: reference.functionName,
    qualifier: reference.qualifier,
    enabled: optionalBoolean(body.Enabled, 'Enabled') ?? true,
    settings: {
      ...DEFAULT_SETTINGS,
      ...definedSettings(changes.settings),
      startingPosition: startingPosition(body.StartingPosition),
    },
  });
  sendJson(request.res, 202, wireMapping(mapping, request), randomUUID());
}

/** `GET /2015-03-31/event-source-mappings/{UUID}`. */
export function getEventSourceMapping(request: ApiRequest): Promise<void> {
  request.req.resume();
  const mapping = eventSourceMappings(request).get(uuidFromPath(request));
  sendJson(request.res, 200, wireMapping(mapping, request), randomUUID());
  return Promise.resolve();
}

/** `PUT /2015-03-31/event-source-mappings/{UUID}`: 202 with the mapping in state Updating. */
export async function updateEventSourceMapping(request: ApiRequest): Promise<void> {
  const body = await readJsonObject(request.req);
  rejectOtherSourceMembers(body);
  const uuid = uuidFromPath(request);

  const changes = readChanges(body);
  if (typeof body.FunctionName === 'string') {
    const reference = functionFromPath(
      encodeURIComponent(body.FunctionName),
      request.context.account,
    );
    changes.functionName = reference.functionName;
    changes.qualifier = reference.qualifier;
  }
  changes.enabled = optionalBoolean(body.Enabled, 'Enabled');
  const mapping = eventSourceMappings(request).update(uuid, changes);
  sendJson(request.res, 202, wireMapping(mapping, request), randomUUID());
}

/** `DELETE /2015-03-31/event-source-mappings/{UUID}`: 202 with the mapping in state Deleting. */
export function deleteEventSourceMapping(request: ApiRequest): Promise<void> {
  request.req.resume();
  const mapping = eventSourceMappings(request).delete(uuidFromPath(request));
  sendJson(request.res, 202, wireMapping(mapping, request), randomUUID());
  return Promise.resolve();
}

/**
 * `GET /2015-03-31/event-source-mappings/`: the mappings of a stream or function, in pages
 * of MaxItems (1 to 10000, default 100); the marker is the offset of the next page.
 */
export function listEventSourceMappings(request: ApiRequest): Promise<void> {
  const { req, res, query, context } = request;
  req.resume();
  const functionName = query.get('FunctionName') ?? undefined;
  const reference =
    functionName === undefined
      ? undefined
      : functionFromPath(encodeURIComponent(functionName), context.account);
  const maxItems = parseMaxItems(query.get('MaxItems'), LIST_ITEMS_RANGE, DEFAULT_LIST_ITEMS);
  const offset = Number(query.get('Marker') ?? '0');
  if (!Number.isInteger(offset) || offset < 0) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `Marker '${query.get('Marker') ?? ''}' is invalid; pass the NextMarker of the previous page`,
    );
  }

  const mappings = eventSourceMappings(request).list({
    eventSourceArn: query.get('EventSourceArn') ?? undefined,
    functionName: reference?.functionName,
    qualifier: reference?.qualifier,
  });
  const body: Record<string, unknown> = {
    EventSourceMappings: mappings
      .slice(offset, offset + maxItems)
      .map((mapping) => wireMapping(mapping, request)),
  };
  if (offset + maxItems < mappings.length) body.NextMarker = String(offset + maxItems);
  sendJson(res, 200, body, randomUUID());
  return Promise.resolve();
}

function eventSourceMappings(request: ApiRequest): EventSourceMappings {
  const mappings = request.context.eventSourceMappings;
  if (mappings === undefined) {
    throw lambdaError(
      'ServiceException',
      500,
      'event source mappings are not available on this endpoint',
    );
  }
  return mappings;
}

function uuidFromPath(request: ApiRequest): string {
  return decodeURIComponent(request.params[0] ?? '');
}

function rejectOtherSourceMembers(body: Record<string, unknown>): void {
  const present = OTHER_SOURCE_MEMBERS.filter((member) => body[member] !== undefined);
  if (present.length === 0) return;
  throw lambdaError(
    'InvalidParameterValueException',
    400,
    `${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} not supported by LambdaCraft, which maps only DynamoDB streams; remove ${present.length === 1 ? 'it' : 'them'}`,
  );
}

/**
 * Reads the settings Create and Update share. Range violations are collected into one
 * ValidationException, worded as Lambda words them.
 */
function readChanges(body: Record<string, unknown>): MappingChanges {
  const violations: string[] = [];
  const ranged = (member: keyof typeof SETTING_RANGES): number | undefined =>
    rangedInteger(body[wireName(member)], member, SETTING_RANGES[member], violations);
  const settings: MappingChanges['settings'] = {
    batchSize: ranged('batchSize'),
    maximumBatchingWindowInSeconds: ranged('maximumBatchingWindowInSeconds'),
    parallelizationFactor: ranged('parallelizationFactor'),
    maximumRetryAttempts: ranged('maximumRetryAttempts'),
    maximumRecordAgeInSeconds: ranged('maximumRecordAgeInSeconds'),
    tumblingWindowInSeconds: ranged('tumblingWindowInSeconds'),
    bisectBatchOnFunctionError: optionalBoolean(
      body.BisectBatchOnFunctionError,
      'BisectBatchOnFunctionError',
    ),
    functionResponseTypes: functionResponseTypes(body.FunctionResponseTypes, violations),
    filterPatterns: filterPatterns(body.FilterCriteria),
  };
  if (violations.length > 0) {
    const count = `${violations.length} validation error${violations.length > 1 ? 's' : ''}`;
    throw lambdaError('ValidationException', 400, `${count} detected: ${violations.join('; ')}`);
  }
  checkRecordAge(settings.maximumRecordAgeInSeconds);
  if (settings.tumblingWindowInSeconds !== undefined && settings.tumblingWindowInSeconds !== 0) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `TumblingWindowInSeconds ${settings.tumblingWindowInSeconds} is not supported: LambdaCraft has no tumbling windows; set 0 or remove it`,
    );
  }

  const destination = onFailureDestination(body.DestinationConfig);
  return {
    settings: { ...settings, onFailureDestination: destination ?? undefined },
    clearOnFailureDestination: destination === null,
  };
}

/** Lambda's wire name of a setting: `batchSize` is `BatchSize`. */
function wireName(member: string): string {
  return member.charAt(0).toUpperCase() + member.slice(1);
}

function checkRecordAge(seconds: number | undefined): void {
  if (seconds === undefined || seconds === -1 || seconds >= MIN_RECORD_AGE_SECONDS) return;
  throw lambdaError(
    'InvalidParameterValueException',
    400,
    `MaximumRecordAgeInSeconds ${seconds} is invalid; set -1 (no limit) or a value between ${MIN_RECORD_AGE_SECONDS} and ${SETTING_RANGES.maximumRecordAgeInSeconds.max}`,
  );
}

function startingPosition(value: unknown): StartingPosition {
  if (value === undefined || value === null) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'StartingPosition is required for DynamoDB stream event sources; set TRIM_HORIZON or LATEST',
    );
  }
  if (value === 'TRIM_HORIZON' || value === 'LATEST') return value;
  if (value === 'AT_TIMESTAMP') {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'StartingPosition AT_TIMESTAMP is supported only for Kinesis streams; set TRIM_HORIZON or LATEST',
    );
  }
  throw validationError(
    typeof value === 'string' ? value : JSON.stringify(value),
    'startingPosition',
    'Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]',
  );
}

function functionResponseTypes(value: unknown, violations: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 1) {
    violations.push(
      `Value '${JSON.stringify(value)}' at 'functionResponseTypes' failed to satisfy constraint: Member must have length less than or equal to 1`,
    );
    return undefined;
  }
  for (const item of value as unknown[]) {
    if (item !== 'ReportBatchItemFailures') {
      violations.push(
        `Value '[${String(item)}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]`,
      );
    }
  }
  return value as string[];
}

/** Reads FilterCriteria; `{}` or no Filters clears the patterns. */
function filterPatterns(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const filters = objectMember(value, 'FilterCriteria').Filters;
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters)) {
    throw lambdaError('InvalidParameterValueException', 400, 'Invalid filter pattern definition.');
  }
  return (filters as unknown[]).map((filter) => {
    const pattern = objectMember(filter, 'FilterCriteria.Filters[]').Pattern;
    try {
      if (typeof pattern !== 'string') throw new InvalidFilterPatternError('not a string');
      parseFilterPattern(pattern);
    } catch (error) {
      if (!(error instanceof InvalidFilterPatternError)) throw error;
      throw lambdaError(
        'InvalidParameterValueException',
        400,
        'Invalid filter pattern definition.',
      );
    }
    return pattern;
  });
}

/**
 * Reads `DestinationConfig.OnFailure.Destination`: the ARN, null when the request clears it
 * (`OnFailure: {}`), undefined when the request does not mention it.
 */
function onFailureDestination(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return undefined;
  const onFailure = objectMember(value, 'DestinationConfig').OnFailure;
  if (onFailure === undefined || onFailure === null) return undefined;
  const destination = objectMember(onFailure, 'DestinationConfig.OnFailure').Destination;
  if (destination === undefined || destination === null || destination === '') return null;
  if (typeof destination !== 'string') {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'DestinationConfig.OnFailure.Destination must be a string ARN',
    );
  }
  return destination;
}

function rangedInteger(
  value: unknown,
  member: string,
  range: { min: number; max: number },
  violations: string[],
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `${wireName(member)} ${JSON.stringify(value)} must be a whole number between ${range.min} and ${range.max}`,
    );
  }
  if (value < range.min) {
    violations.push(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
    );
  } else if (value > range.max) {
    violations.push(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
    );
  }
  return value;
}

function requiredString(value: unknown, member: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw lambdaError(
    'ValidationException',
    400,
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}

function optionalBoolean(value: unknown, member: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  throw lambdaError('InvalidParameterValueException', 400, `${member} must be true or false`);
}

function objectMember(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw lambdaError('InvalidParameterValueException', 400, `${name} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function definedSettings(settings: MappingChanges['settings']): Partial<MappingSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, item]) => item !== undefined));
}

/** Converts a mapping to Lambda's EventSourceMappingConfiguration, LastModified in seconds. */
function wireMapping(mapping: EventSourceMapping, request: ApiRequest): Record<string, unknown> {
  const { settings } = mapping;
  const body: Record<string, unknown> = {
    UUID: mapping.uuid,
    StartingPosition: settings.startingPosition,
    BatchSize: settings.batchSize,
    MaximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds,
    ParallelizationFactor: settings.parallelizationFactor,
    EventSourceArn: mapping.eventSourceArn,
    FunctionArn: eventSourceMappings(request).functionArnOf(mapping),
    LastModified: mapping.lastModifiedMs / 1000,
    LastProcessingResult: mapping.lastProcessingResult,
    State: mapping.state,
    StateTransitionReason: mapping.stateTransitionReason,
    DestinationConfig: {
      OnFailure:
        settings.onFailureDestination === undefined
          ? {}
          : { Destination: settings.onFailureDestination },
    },
    MaximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds,
    BisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
    MaximumRetryAttempts: settings.maximumRetryAttempts,
    TumblingWindowInSeconds: settings.tumblingWindowInSeconds,
    FunctionResponseTypes: settings.functionResponseTypes,
    EventSourceMappingArn: eventSourceMappingArn(request.context.account, mapping.uuid),
  };
  if (settings.filterPatterns.length > 0) {
    body.FilterCriteria = { Filters: settings.filterPatterns.map((Pattern) => ({ Pattern })) };
  }
  return body;
}
