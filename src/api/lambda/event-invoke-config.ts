import { randomUUID } from 'node:crypto';

import { functionArn, type AccountContext } from '../../functions/arn.js';
import {
  EVENT_AGE_SECONDS_RANGE,
  RETRY_ATTEMPTS_RANGE,
  type EventInvokeConfig,
  type EventInvokeSettings,
} from '../../invoke/async/event-invoke-config.js';
import type { ApiRequest } from '../routes.js';
import { lambdaError } from './errors.js';
import {
  functionFromPath,
  parseMaxItems,
  qualifiedFunctionFromPath,
  readJsonObject,
  sendJson,
} from './request-parts.js';

/** The DestinationArn pattern of Lambda's API model, quoted in its validation errors. */
const DESTINATION_ARN_MODEL_PATTERN =
  '^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const DESTINATION_ARN = new RegExp(DESTINATION_ARN_MODEL_PATTERN);
const MAX_DESTINATION_ARN_LENGTH = 350;
const LIST_ITEMS_RANGE = { min: 1, max: 50 };

/** `PUT /2019-09-25/functions/{FunctionName}/event-invoke-config`: replaces the config. */
export async function putEventInvokeConfig(request: ApiRequest): Promise<void> {
  const { functionName, qualifier } = target(request);
  const settings = parseSettings(await readJsonObject(request.req));

  const config = request.context.eventInvokeConfigs.put(functionName, qualifier, {
    maximumRetryAttempts: settings.maximumRetryAttempts,
    maximumEventAgeInSeconds: settings.maximumEventAgeInSeconds,
    onSuccess: settings.onSuccess,
    onFailure: settings.onFailure,
  });
  sendJson(request.res, 200, wireConfig(config, request.context.account), randomUUID());
}

/** `POST /2019-09-25/functions/{FunctionName}/event-invoke-config`: merges into the config. */
export async function updateEventInvokeConfig(request: ApiRequest): Promise<void> {
  const { functionName, qualifier } = target(request);
  const settings = parseSettings(await readJsonObject(request.req));

  const config = request.context.eventInvokeConfigs.update(functionName, qualifier, settings);
  sendJson(request.res, 200, wireConfig(config, request.context.account), randomUUID());
}

/** `GET /2019-09-25/functions/{FunctionName}/event-invoke-config`. */
export function getEventInvokeConfig(request: ApiRequest): Promise<void> {
  request.req.resume();
  const { functionName, qualifier } = target(request);

  const config = request.context.eventInvokeConfigs.get(functionName, qualifier);
  sendJson(request.res, 200, wireConfig(config, request.context.account), randomUUID());
  return Promise.resolve();
}

/** `DELETE /2019-09-25/functions/{FunctionName}/event-invoke-config`: 204 when deleted. */
export function deleteEventInvokeConfig(request: ApiRequest): Promise<void> {
  request.req.resume();
  const { functionName, qualifier } = target(request);

  request.context.eventInvokeConfigs.delete(functionName, qualifier);
  sendJson(request.res, 204, undefined, randomUUID());
  return Promise.resolve();
}

/**
 * `GET /2019-09-25/functions/{FunctionName}/event-invoke-config/list`: the configs of every
 * version and alias, in pages of MaxItems (1 to 50); the marker is the offset of the next page.
 */
export function listEventInvokeConfigs(request: ApiRequest): Promise<void> {
  const { req, res, params, query, context } = request;
  req.resume();
  const reference = functionFromPath(params[0] ?? '', context.account);
  const maxItems = parseMaxItems(query.get('MaxItems'), LIST_ITEMS_RANGE, LIST_ITEMS_RANGE.max);
  const offset = Number(query.get('Marker') ?? '0');
  if (!Number.isInteger(offset) || offset < 0) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `Marker '${query.get('Marker') ?? ''}' is invalid; pass the NextMarker of the previous page`,
    );
  }

  const configs = context.eventInvokeConfigs.list(reference.functionName);
  const page = configs.slice(offset, offset + maxItems);
  const body: Record<string, unknown> = {
    FunctionEventInvokeConfigs: page.map((config) => wireConfig(config, context.account)),
  };
  if (offset + maxItems < configs.length) body.NextMarker = String(offset + maxItems);
  sendJson(res, 200, body, randomUUID());
  return Promise.resolve();
}

/** The function and qualifier from the path and `?Qualifier=`, which must agree. */
function target({ params, query, context }: ApiRequest): {
  functionName: string;
  qualifier: string | undefined;
} {
  return qualifiedFunctionFromPath(params[0] ?? '', query, context.account);
}

/**
 * Reads and validates the request members. Constraint violations are collected into one
 * ValidationException, worded as Lambda words them; a request that sets nothing is
 * rejected with Lambda's InvalidParameterValueException.
 */
function parseSettings(body: Record<string, unknown>): Partial<EventInvokeSettings> {
  const violations: string[] = [];
  const maximumRetryAttempts = rangedInteger(
    body.MaximumRetryAttempts,
    'maximumRetryAttempts',
    RETRY_ATTEMPTS_RANGE,
    violations,
  );
  const maximumEventAgeInSeconds = rangedInteger(
    body.MaximumEventAgeInSeconds,
    'maximumEventAgeInSeconds',
    EVENT_AGE_SECONDS_RANGE,
    violations,
  );
  const destinations = objectMember(body.DestinationConfig, 'DestinationConfig');
  const onSuccess = destination(destinations?.OnSuccess, 'onSuccess', violations);
  const onFailure = destination(destinations?.OnFailure, 'onFailure', violations);

  if (violations.length > 0) {
    const count = `${violations.length} validation error${violations.length > 1 ? 's' : ''}`;
    throw lambdaError('ValidationException', 400, `${count} detected: ${violations.join('; ')}`);
  }
  if (
    maximumRetryAttempts === undefined &&
    maximumEventAgeInSeconds === undefined &&
    destinations === undefined
  ) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'You must specify at least one of error handling or destination setting.',
    );
  }
  return { maximumRetryAttempts, maximumEventAgeInSeconds, onSuccess, onFailure };
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
      `${member} ${JSON.stringify(value)} must be a whole number between ${range.min} and ${range.max}`,
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

/** Reads the destination ARN of `DestinationConfig.OnSuccess` or `.OnFailure`, when set. */
function destination(
  value: unknown,
  member: 'onSuccess' | 'onFailure',
  violations: string[],
): string | undefined {
  const wireName = member === 'onSuccess' ? 'OnSuccess' : 'OnFailure';
  const arn = objectMember(value, `DestinationConfig.${wireName}`)?.Destination;
  if (arn === undefined || arn === null) return undefined;
  if (typeof arn !== 'string') {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `DestinationConfig.${wireName}.Destination must be a string ARN`,
    );
  }

  const path = `destinationConfig.${member}.destination`;
  if (arn.length > MAX_DESTINATION_ARN_LENGTH) {
    violations.push(
      `Value '${arn}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DESTINATION_ARN_LENGTH}`,
    );
  } else if (!DESTINATION_ARN.test(arn)) {
    violations.push(
      `Value '${arn}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${DESTINATION_ARN_MODEL_PATTERN}`,
    );
  }
  return arn;
}

function objectMember(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw lambdaError('InvalidParameterValueException', 400, `${name} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Converts a config to Lambda's FunctionEventInvokeConfig, LastModified in epoch seconds. */
function wireConfig(config: EventInvokeConfig, account: AccountContext): Record<string, unknown> {
  const body: Record<string, unknown> = {
    LastModified: config.lastModifiedMs / 1000,
    FunctionArn: functionArn(account, config.functionName, config.qualifier),
  };
  if (config.maximumRetryAttempts !== undefined) {
    body.MaximumRetryAttempts = config.maximumRetryAttempts;
  }
  if (config.maximumEventAgeInSeconds !== undefined) {
    body.MaximumEventAgeInSeconds = config.maximumEventAgeInSeconds;
  }
  body.DestinationConfig = {
    OnSuccess: config.onSuccess ? { Destination: config.onSuccess } : {},
    OnFailure: config.onFailure ? { Destination: config.onFailure } : {},
  };
  return body;
}
