import { LambdaCraftError } from '../../errors.js';
import { parseFunctionReference, type AccountContext } from '../../functions/arn.js';

/** The settings of PutFunctionEventInvokeConfig; an absent one takes Lambda's default. */
export interface EventInvokeSettings {
  maximumRetryAttempts: number | undefined;
  maximumEventAgeInSeconds: number | undefined;
  /** Destination ARN of the on-success record. */
  onSuccess: string | undefined;
  /** Destination ARN of the on-failure record. */
  onFailure: string | undefined;
}

/** One stored EventInvokeConfig of a function version or alias. */
export interface EventInvokeConfig extends EventInvokeSettings {
  functionName: string;
  /** `$LATEST`, a version number or an alias. */
  qualifier: string;
  lastModifiedMs: number;
}

export const RETRY_ATTEMPTS_RANGE = { min: 0, max: 2 };
export const EVENT_AGE_SECONDS_RANGE = { min: 60, max: 21_600 };

/** The function a Lambda destination ARN names. */
export interface DestinationFunction {
  functionName: string;
  qualifier: string | undefined;
}

/** Services whose ARNs Lambda accepts as destinations but the platform does not provide. */
const UNAVAILABLE_SERVICES: Record<string, string> = {
  sqs: 'an Amazon SQS queue',
  sns: 'an Amazon SNS topic',
  events: 'an Amazon EventBridge event bus',
  s3: 'an Amazon S3 bucket',
};

/**
 * Checks a destination ARN the way Lambda does when a config is put: it must name a function
 * that exists and is not the configured function itself. `functionExists` looks the function
 * up with the ARN's qualifier. Throws InvalidParameterValueException otherwise.
 */
export function checkDestination(
  destinationArn: string,
  functionName: string,
  account: AccountContext,
  functionExists: (destination: DestinationFunction) => boolean,
): DestinationFunction {
  const service = destinationArn.split(':')[2] ?? '';
  const unavailable = UNAVAILABLE_SERVICES[service];
  if (unavailable !== undefined) {
    throw invalidParameter(
      `The destination ARN ${destinationArn} names ${unavailable}, and LambdaCraft does not provide that service yet; use a Lambda function ARN as the destination`,
    );
  }

  const destination = destinationFunction(destinationArn, account);
  if (destination === undefined || !functionExists(destination)) {
    throw invalidParameter(`The destination ARN ${destinationArn} is invalid.`);
  }
  if (destination.functionName === functionName) {
    throw invalidParameter("You can't specify the function as a destination for itself.");
  }
  return destination;
}

/** Parses a Lambda function ARN of this platform's account and region; undefined otherwise. */
export function destinationFunction(
  destinationArn: string,
  account: AccountContext,
): DestinationFunction | undefined {
  if (!destinationArn.startsWith('arn:')) return undefined;
  const reference = parseFunctionReference(destinationArn);
  if (
    reference === undefined ||
    reference.region !== account.region ||
    reference.accountId !== account.accountId
  ) {
    return undefined;
  }
  return { functionName: reference.functionName, qualifier: reference.qualifier };
}

function invalidParameter(message: string): LambdaCraftError {
  return new LambdaCraftError('InvalidParameterValueException', message, { status: 400 });
}
