import { randomUUID } from 'node:crypto';

import { functionArn } from '../../functions/arn.js';
import type { FunctionConfig } from '../../functions/function-config.js';
import { functionNotFound } from '../../functions/registry.js';
import type { ApiContext, ApiRequest } from '../routes.js';
import { lambdaError, validationError } from './errors.js';
import { describeFailedFunction, describeFunction } from './function-configuration.js';
import { parseMaxItems, qualifiedFunctionFromPath, sendJson } from './request-parts.js';

/** ListFunctions returns at most this many functions per page, whatever MaxItems requests. */
const MAX_PAGE_SIZE = 50;
/** The range of MaxItems in Lambda's API model. */
const MAX_ITEMS_RANGE = { min: 1, max: 10_000 };
const MASTER_REGION_PATTERN = /^(ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1})$/;

/** One function version in ListFunctions' order, or a function the platform could not accept. */
interface ListEntry {
  functionName: string;
  version: string;
  /** The version's configuration; absent for a function the platform could not accept. */
  config?: FunctionConfig;
  /** The reason the platform could not accept the function. */
  failedReason?: string;
}

/** The function version after which the next page of ListFunctions starts. */
interface ListPosition {
  functionName: string;
  version: string;
}

/** `GET /2015-03-31/functions/`: ListFunctions. */
export async function listFunctions({ req, res, query, context }: ApiRequest): Promise<void> {
  req.resume();
  const pageSize = Math.min(listFunctionsMaxItems(query.get('MaxItems')), MAX_PAGE_SIZE);
  const allVersions = parseFunctionVersion(query.get('FunctionVersion'));
  const masterRegion = parseMasterRegion(query.get('MasterRegion'), allVersions);
  const marker = query.get('Marker');
  const after = marker === null || marker === '' ? undefined : decodeMarker(marker);

  // MasterRegion selects Lambda@Edge replicas, which the platform never has.
  const entries = masterRegion === undefined ? listEntries(context, allVersions) : [];
  const start =
    after === undefined ? 0 : entries.filter((entry) => compareEntries(entry, after) <= 0).length;
  const page = entries.slice(start, start + pageSize);

  const functions = await Promise.all(
    page.map((entry) => describeEntry(entry, context, allVersions)),
  );
  const body: Record<string, unknown> = { Functions: functions };
  const last = page.at(-1);
  if (last !== undefined && start + page.length < entries.length) {
    body.NextMarker = encodeMarker(last);
  }
  sendJson(res, 200, body, randomUUID());
}

/** `GET /2015-03-31/functions/{FunctionName}?Qualifier=`: GetFunction. */
export async function getFunction({ req, res, params, query, context }: ApiRequest) {
  req.resume();
  const requested = await describeRequested(params[0] ?? '', query, context);
  const body: Record<string, unknown> = { Configuration: requested.configuration };
  // NOTE: Lambda returns a presigned S3 URL of the .zip package in Code.Location. The
  // platform runs the code from a local folder and builds no package, so it reports the
  // repository type only: a URL that does not download the code would mislead a client.
  if (!requested.failed) body.Code = { RepositoryType: 'S3' };
  const reserved = context.limits.reserved(requested.functionName);
  if (reserved !== undefined) body.Concurrency = { ReservedConcurrentExecutions: reserved };
  sendJson(res, 200, body, randomUUID());
}

/** `GET /2015-03-31/functions/{FunctionName}/configuration?Qualifier=`: GetFunctionConfiguration. */
export async function getFunctionConfiguration({ req, res, params, query, context }: ApiRequest) {
  req.resume();
  const requested = await describeRequested(params[0] ?? '', query, context);
  sendJson(res, 200, requested.configuration, randomUUID());
}

/**
 * Describes the function version a GetFunction request names. A function the platform could
 * not accept is described as Failed when the request names its `$LATEST`. Any other version
 * of it is not found, with the reason, as Invoke reports it.
 */
async function describeRequested(
  rawName: string,
  query: URLSearchParams,
  context: ApiContext,
): Promise<{ functionName: string; configuration: Record<string, unknown>; failed: boolean }> {
  const { functionName, qualifier } = qualifiedFunctionFromPath(rawName, query, context.account);

  const failedReason = context.registry.findInvalid(functionName);
  if (failedReason !== undefined && (qualifier === undefined || qualifier === '$LATEST')) {
    return {
      functionName,
      configuration: describeFailedFunction(functionName, failedReason, context.account, qualifier),
      failed: true,
    };
  }
  // GetFunction names a missing function by its unqualified ARN, where Invoke adds `:$LATEST`.
  if (qualifier === undefined && context.registry.find(functionName) === undefined) {
    throw functionNotFound(functionArn(context.account, functionName));
  }
  const config = context.invoker.resolve(functionName, qualifier);
  const configuration = await describeFunction(config, context, {
    arnQualifier: qualifier,
    withState: true,
  });
  return { functionName, configuration, failed: false };
}

/**
 * Lists every function by name, each `$LATEST` followed by its published versions when
 * `allVersions` is set, with the functions the platform could not accept among them.
 */
function listEntries(context: ApiContext, allVersions: boolean): ListEntry[] {
  const { registry } = context;
  const entries: ListEntry[] = [];
  for (const config of registry.list()) {
    entries.push({ functionName: config.functionName, version: '$LATEST', config });
    if (!allVersions) continue;
    for (const version of registry.versions(config.functionName)) {
      entries.push({
        functionName: config.functionName,
        version: version.version,
        config: version,
      });
    }
  }
  for (const [functionName, reason] of registry.listInvalid()) {
    entries.push({ functionName, version: '$LATEST', failedReason: reason });
  }
  return entries.sort(compareEntries);
}

async function describeEntry(
  entry: ListEntry,
  context: ApiContext,
  allVersions: boolean,
): Promise<Record<string, unknown>> {
  // ListFunctions gives unqualified ARNs, and qualified ones for every version with ALL.
  const arnQualifier = allVersions ? entry.version : undefined;
  if (entry.config === undefined) {
    return describeFailedFunction(
      entry.functionName,
      entry.failedReason ?? '',
      context.account,
      arnQualifier,
    );
  }
  return describeFunction(entry.config, context, { arnQualifier, withState: false });
}

/** Orders by function name, then `$LATEST` before the published versions in number order. */
function compareEntries(a: ListPosition, b: ListPosition): number {
  if (a.functionName !== b.functionName) return a.functionName < b.functionName ? -1 : 1;
  return versionRank(a.version) - versionRank(b.version);
}

function versionRank(version: string): number {
  return version === '$LATEST' ? 0 : Number(version);
}

/** Parses MaxItems, rejecting text that is not a whole number before the range check. */
function listFunctionsMaxItems(value: string | null): number {
  if (value === null || value === '') return MAX_PAGE_SIZE;
  if (!/^-?\d+$/.test(value)) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `MaxItems '${value}' is not a whole number; pass a number from ${MAX_ITEMS_RANGE.min} to ${MAX_ITEMS_RANGE.max}`,
    );
  }
  return parseMaxItems(value, MAX_ITEMS_RANGE, MAX_PAGE_SIZE);
}

/** Parses FunctionVersion, whose only value is ALL, and returns whether it was given. */
function parseFunctionVersion(value: string | null): boolean {
  if (value === null) return false;
  if (value !== 'ALL') {
    throw validationError(value, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
  }
  return true;
}

function parseMasterRegion(value: string | null, allVersions: boolean): string | undefined {
  if (value === null) return undefined;
  if (!MASTER_REGION_PATTERN.test(value)) {
    throw validationError(
      value,
      'masterRegion',
      'Member must satisfy regular expression pattern: ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}',
    );
  }
  if (!allVersions) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      'MasterRegion requires FunctionVersion=ALL; add FunctionVersion=ALL or leave MasterRegion out',
    );
  }
  return value;
}

/** Encodes a page's last entry as the opaque NextMarker: base64url of a small JSON object. */
function encodeMarker(position: ListPosition): string {
  const text = JSON.stringify({ f: position.functionName, v: position.version });
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Decodes a Marker from `encodeMarker`, rejecting anything else as Lambda does. */
function decodeMarker(marker: string): ListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = typeof parsed === 'object' && parsed !== null ? parsed : {};
  const functionName = 'f' in fields && typeof fields.f === 'string' ? fields.f : undefined;
  const version = 'v' in fields && typeof fields.v === 'string' ? fields.v : undefined;
  const valid =
    functionName !== undefined &&
    version !== undefined &&
    /^(\$LATEST|\d+)$/.test(version) &&
    encodeMarker({ functionName, version }) === marker;
  if (!valid) {
    throw lambdaError(
      'InvalidParameterValueException',
      400,
      `Marker '${shortened(marker)}' is not a pagination token from ListFunctions; pass the NextMarker of the previous response, or leave Marker out`,
    );
  }
  return { functionName, version };
}

/** Returns `text`, cut to its first 64 characters and `...` when longer, for an error message. */
function shortened(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
