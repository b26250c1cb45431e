import { invalidConfig } from '../errors.js';
import {
  EVENT_AGE_SECONDS_RANGE,
  RETRY_ATTEMPTS_RANGE,
  type EventInvokeSettings,
} from '../invoke/async/event-invoke-config.js';
import { describeValue } from './resolve-scope.js';

type Json = Record<string, unknown>;

/** SAM's destination Types; only Lambda has a service on this platform. */
const DESTINATION_TYPES = ['SQS', 'SNS', 'Lambda', 'EventBridge', 'S3Bucket'];

/**
 * Reads SAM's EventInvokeConfig property (intrinsics already resolved):
 * MaximumEventAgeInSeconds, MaximumRetryAttempts and DestinationConfig.OnSuccess/OnFailure
 * with `Type: Lambda` and a function ARN as Destination, as `!GetAtt Other.Arn` gives.
 */
export function readEventInvokeConfig(value: unknown): EventInvokeSettings | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw invalidConfig(
      `EventInvokeConfig ${describeValue(value)} is not a map; set MaximumRetryAttempts, MaximumEventAgeInSeconds or DestinationConfig under it`,
    );
  }

  const destinations = value.DestinationConfig;
  if (destinations !== undefined && !isPlainObject(destinations)) {
    throw invalidConfig(
      `EventInvokeConfig.DestinationConfig ${describeValue(destinations)} is not a map; set OnSuccess or OnFailure under it`,
    );
  }
  return {
    maximumRetryAttempts: rangedInteger(
      value.MaximumRetryAttempts,
      'MaximumRetryAttempts',
      RETRY_ATTEMPTS_RANGE,
    ),
    maximumEventAgeInSeconds: rangedInteger(
      value.MaximumEventAgeInSeconds,
      'MaximumEventAgeInSeconds',
      EVENT_AGE_SECONDS_RANGE,
    ),
    onSuccess: destination(destinations?.OnSuccess, 'OnSuccess'),
    onFailure: destination(destinations?.OnFailure, 'OnFailure'),
  };
}

function rangedInteger(
  value: unknown,
  property: string,
  range: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (
    typeof parsed !== 'number' ||
    !Number.isInteger(parsed) ||
    parsed < range.min ||
    parsed > range.max
  ) {
    throw invalidConfig(
      `EventInvokeConfig.${property} ${describeValue(value)} is out of range; set a whole number from ${range.min} to ${range.max}`,
    );
  }
  return parsed;
}

function destination(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  const property = `EventInvokeConfig.DestinationConfig.${name}`;
  if (!isPlainObject(value)) {
    throw invalidConfig(
      `${property} ${describeValue(value)} is not a map; set Type: Lambda and Destination: !GetAtt OtherFunction.Arn`,
    );
  }
  if (typeof value.Type !== 'string' || !DESTINATION_TYPES.includes(value.Type)) {
    throw invalidConfig(
      `${property}.Type ${describeValue(value.Type)} is invalid; use one of ${DESTINATION_TYPES.join(', ')}`,
    );
  }
  if (value.Type !== 'Lambda') {
    throw invalidConfig(
      `${property}.Type ${value.Type} needs a service LambdaCraft does not provide yet; use Type: Lambda with a function ARN as Destination`,
    );
  }
  if (typeof value.Destination !== 'string' || value.Destination === '') {
    throw invalidConfig(
      `${property}.Destination ${describeValue(value.Destination)} is not a function ARN; set Destination: !GetAtt OtherFunction.Arn`,
    );
  }
  return value.Destination;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
