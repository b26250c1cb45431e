import { randomUUID } from 'node:crypto';

import { functionArn, type FunctionReference } from '../../functions/arn.js';
import type { FunctionConfig } from '../../functions/function-config.js';
import type { ProvisionedConfig } from '../../invoke/provisioned.js';
import type { ApiContext, ApiRequest } from '../routes.js';
import { lambdaError, validationError } from './errors.js';
import { codeSizeOf } from './function-configuration.js';
import { functionFromPath, readJsonObject, sendJson } from './request-parts.js';

/** Lambda's reported code-size limits (bytes), which GetAccountSettings returns as they are. */
const TOTAL_CODE_SIZE = 80_530_636_800;
const CODE_SIZE_UNZIPPED = 262_144_000;
const CODE_SIZE_ZIPPED = 52_428_800;

/** `PUT /2017-10-31/functions/{FunctionName}/concurrency`: PutFunctionConcurrency. */
export async function putFunctionConcurrency({ req, res, params, context }: ApiRequest) {
  const config = unqualifiedFunction(params[0], context);
  const body = await readJsonObject(req);
  const executions = body.ReservedConcurrentExecutions;
  if (executions === undefined || executions === null) {
    throw validationError('null', 'reservedConcurrentExecutions', 'Member must not be null');
  }
  if (typeof executions !== 'number' || !Number.isInteger(executions)) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `ReservedConcurrentExecutions ${JSON.stringify(executions)} must be a whole number`,
    );
  }
  if (executions < 0) {
    throw validationError(
      String(executions),
      'reservedConcurrentExecutions',
      'Member must have value greater than or equal to 0',
    );
  }
  const provisioned = context.provisioned.totalFor(config.functionName);
  if (executions < provisioned) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      ` ReservedConcurrentExecutions  ${executions} should not be lower than function's total provisioned concurrency [${provisioned}].`,
    );
  }
  context.limits.reserve(config.functionName, executions);
  sendJson(res, 200, { ReservedConcurrentExecutions: executions }, randomUUID());
}

/** `GET /2019-09-30/functions/{FunctionName}/concurrency`: GetFunctionConcurrency. */
export function getFunctionConcurrency({ req, res, params, context }: ApiRequest): Promise<void> {
  req.resume();
  const config = unqualifiedFunction(params[0], context);
  const reserved = context.limits.reserved(config.functionName);
  sendJson(
    res,
    200,
    reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved },
    randomUUID(),
  );
  return Promise.resolve();
}

/** `DELETE /2017-10-31/functions/{FunctionName}/concurrency`: DeleteFunctionConcurrency. */
export function deleteFunctionConcurrency({
  req,
  res,
  params,
  context,
}: ApiRequest): Promise<void> {
  req.resume();
  const config = unqualifiedFunction(params[0], context);
  context.limits.unreserve(config.functionName);
  sendJson(res, 204, undefined, randomUUID());
  return Promise.resolve();
}

/**
 * `GET /2016-08-19/account-settings`: GetAccountSettings. TotalCodeSize sums the CodeSize of
 * every version, as Lambda counts the package of each published version.
 */
export async function getAccountSettings({ req, res, context }: ApiRequest): Promise<void> {
  req.resume();
  const functions = context.invoker.functions();
  const versions = functions.flatMap((config) => [
    config,
    ...context.registry.versions(config.functionName),
  ]);
  const sizes = await Promise.all(versions.map((config) => codeSizeOf(config, context)));
  // A function that failed to start still counts, as a Failed function does in Lambda.
  const running = new Set(functions.map((config) => config.functionName));
  const failed = context.registry.listInvalid().filter(([name]) => !running.has(name));
  sendJson(
    res,
    200,
    {
      AccountLimit: {
        TotalCodeSize: TOTAL_CODE_SIZE,
        CodeSizeUnzipped: CODE_SIZE_UNZIPPED,
        CodeSizeZipped: CODE_SIZE_ZIPPED,
        ConcurrentExecutions: context.limits.accountLimit,
        UnreservedConcurrentExecutions: context.limits.unreservedLimit,
      },
      AccountUsage: {
        TotalCodeSize: sizes.reduce((sum, size) => sum + size, 0),
        FunctionCount: functions.length + failed.length,
      },
    },
    randomUUID(),
  );
}

/** `PUT /2019-09-30/functions/{FunctionName}/provisioned-concurrency`. */
export async function putProvisionedConcurrency({ req, res, params, query, context }: ApiRequest) {
  const target = provisionedTarget(params[0], query, context);
  const body = await readJsonObject(req);
  const executions = body.ProvisionedConcurrentExecutions;
  if (typeof executions !== 'number' || !Number.isInteger(executions) || executions < 1) {
    throw validationError(
      String(executions),
      'provisionedConcurrentExecutions',
      'Member must have value greater than or equal to 1',
    );
  }
  const stored = context.provisioned.put({ ...target, requested: executions });
  sendJson(res, 202, provisionedBody(stored, context), randomUUID());
}

/** `GET /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=`. */
export function getProvisionedConcurrency({
  req,
  res,
  params,
  query,
  context,
}: ApiRequest): Promise<void> {
  req.resume();
  if (query.get('List') === 'ALL') {
    listProvisionedConcurrency(res, params[0], context);
    return Promise.resolve();
  }
  const target = provisionedTarget(params[0], query, context);
  const stored = context.provisioned.get(target);
  if (stored === undefined) throw provisionedNotFound();
  sendJson(res, 200, provisionedBody(stored, context), randomUUID());
  return Promise.resolve();
}

/** `DELETE /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=`. */
export function deleteProvisionedConcurrency({
  req,
  res,
  params,
  query,
  context,
}: ApiRequest): Promise<void> {
  req.resume();
  const target = provisionedTarget(params[0], query, context);
  if (!context.provisioned.delete(target)) throw provisionedNotFound();
  sendJson(res, 204, undefined, randomUUID());
  return Promise.resolve();
}

function listProvisionedConcurrency(
  res: ApiRequest['res'],
  rawName: string | undefined,
  context: ApiContext,
): void {
  const config = unqualifiedFunction(rawName, context);
  const configs = context.provisioned.list(config.functionName).map((stored) => ({
    FunctionArn: functionArn(context.account, stored.functionName, stored.qualifier),
    ...provisionedBody(stored, context),
  }));
  sendJson(res, 200, { ProvisionedConcurrencyConfigs: configs }, randomUUID());
}

function provisionedBody(stored: ProvisionedConfig, context: ApiContext) {
  const status = context.provisioned.status(stored);
  return {
    RequestedProvisionedConcurrentExecutions: status.requested,
    AvailableProvisionedConcurrentExecutions: status.available,
    AllocatedProvisionedConcurrentExecutions: status.allocated,
    Status: status.status,
    LastModified: status.lastModified,
  };
}

function provisionedNotFound() {
  return lambdaError(
    'ProvisionedConcurrencyConfigNotFoundException',
    404,
    'No Provisioned Concurrency Config found for this function',
  );
}

/** The function a concurrency operation names; a qualified name is refused as Lambda does. */
function unqualifiedFunction(rawName: string | undefined, context: ApiContext): FunctionConfig {
  const reference = functionFromPath(rawName ?? '', context.account);
  if (reference.qualifier !== undefined) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
    );
  }
  return context.invoker.resolve(reference.functionName, undefined);
}

/** The alias or version a provisioned concurrency operation names, never `$LATEST`. */
function provisionedTarget(
  rawName: string | undefined,
  query: URLSearchParams,
  context: ApiContext,
): { functionName: string; qualifier: string; version: FunctionConfig } {
  const reference: FunctionReference = functionFromPath(rawName ?? '', context.account);
  const qualifier = query.get('Qualifier') ?? reference.qualifier;
  if (qualifier === undefined || qualifier === '') {
    throw validationError('null', 'qualifier', 'Member must not be null');
  }
  if (qualifier === '$LATEST') {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'The function resource provided must be an alias or a published version.',
    );
  }
  const version = context.invoker.resolve(reference.functionName, qualifier);
  return { functionName: reference.functionName, qualifier, version };
}
