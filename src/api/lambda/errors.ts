import { randomUUID } from 'node:crypto';
import type http from 'node:http';

import { LambdaCraftError } from '../../errors.js';

/**
 * Lambda's error shapes in its API model: most carry `message`, a few `Message`. The SDKs
 * read the code from `x-amzn-ErrorType` and the text from either key, so the casing must
 * follow the model for each code.
 */
const CAPITALISED_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException']);

export function lambdaError(
  code: string,
  status: number,
  message: string,
  details: Record<string, string> = {},
): LambdaCraftError {
  return new LambdaCraftError(code, message, { status, details });
}

export function validationError(
  value: string,
  member: string,
  constraint: string,
): LambdaCraftError {
  return lambdaError(
    'ValidationException',
    400,
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Writes an error as Lambda's REST-JSON protocol does; any non-platform error becomes a 500. */
export function sendLambdaError(res: http.ServerResponse, error: unknown): void {
  const platformError =
    error instanceof LambdaCraftError && error.code !== 'InvalidConfiguration'
      ? error
      : new LambdaCraftError(
          'ServiceException',
          'An internal error occurred; see the LambdaCraft log',
          {
            status: 500,
            cause: error,
          },
        );
  const messageKey = CAPITALISED_MESSAGE.has(platformError.code) ? 'Message' : 'message';
  // The model binds retryAfterSeconds to the Retry-After header, not to the body.
  const { retryAfterSeconds, ...bodyDetails } = platformError.details;
  const body = JSON.stringify({
    ...bodyDetails,
    Type: platformError.userFault ? 'User' : 'Service',
    [messageKey]: platformError.message,
  });

  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-amzn-ErrorType': platformError.code,
    'x-amzn-RequestId': randomUUID(),
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = retryAfterSeconds;
  res.writeHead(platformError.status, headers);
  res.end(body);
}
