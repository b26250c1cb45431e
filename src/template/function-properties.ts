import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import { validateFunctionConfig, type FunctionConfig } from '../functions/function-config.js';
import { parseRuntime, type RuntimeId } from '../functions/runtimes.js';
import type { EventInvokeSettings } from '../invoke/async/event-invoke-config.js';
import { readEventInvokeConfig } from './event-invoke-config.js';
import { INLINE_CODE_FILES, writeInlineCode } from './inline-code.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';
import { resolveFunctionName, type ResourceSymbol } from './references.js';
import { describeValue } from './resolve-scope.js';

type Json = Record<string, unknown>;

/** Properties the platform runs or describes a function from; only these are resolved here. */
const RUN_PROPERTIES = [
  'CodeUri',
  'InlineCode',
  'Handler',
  'Runtime',
  'MemorySize',
  'Timeout',
  'Environment',
  'Architectures',
  'PackageType',
  'Description',
];

/** Properties kept on `FunctionDefinition.settings` for the platform to apply later. */
const SETTINGS_PROPERTIES = [
  'AutoPublishAlias',
  'ReservedConcurrentExecutions',
  'ProvisionedConcurrencyConfig',
];

/** Asynchronous invocation settings, applied as the function's EventInvokeConfig. */
const ASYNC_PROPERTIES = ['EventInvokeConfig'];

/** Properties readHttpEvents reads (FunctionUrlConfig, Api and HttpApi events). */
const EVENT_PROPERTIES = ['Events', 'FunctionUrlConfig'];

/** Container image properties; the platform runs .zip functions from a code folder only. */
const IMAGE_PROPERTIES = ['ImageUri', 'ImageConfig'];

/**
 * Properties the platform accepts without applying them. Most only act on AWS (IAM, VPC, KMS,
 * X-Ray, tags, deployments); LoggingConfig, DeadLetterQueue (which needs SQS or SNS),
 * EphemeralStorage, FileSystemConfigs, Layers and SnapStart would change how a function runs,
 * and the platform does not implement them yet. Each one a function sets is listed once in
 * `FunctionDefinition.ignoredProperties`.
 */
const IGNORED_PROPERTIES = [
  'AssumeRolePolicyDocument',
  'AutoPublishAliasAllProperties',
  'AutoPublishCodeSha256',
  'CapacityProviderConfig',
  'CodeSigningConfigArn',
  'DeadLetterQueue',
  'DeploymentPreference',
  'DurableConfig',
  'EphemeralStorage',
  'FileSystemConfigs',
  'FunctionScalingConfig',
  'KmsKeyArn',
  'Layers',
  'LoggingConfig',
  'PermissionsBoundary',
  'Policies',
  'PropagateTags',
  'PublishToLatestPublished',
  'RecursiveLoop',
  'Role',
  'RolePath',
  'RuntimeManagementConfig',
  'SnapStart',
  'SourceKMSKeyArn',
  'Tags',
  'TenancyConfig',
  'Tracing',
  'VersionDeletionPolicy',
  'VersionDescription',
  'VpcConfig',
];

/**
 * Every property SAM's schema lists for AWS::Serverless::Function, from
 * samtranslator/internal/schema_source/aws_serverless_function.py in
 * aws/serverless-application-model.
 */
const KNOWN_PROPERTIES = new Set([
  'FunctionName',
  ...RUN_PROPERTIES,
  ...SETTINGS_PROPERTIES,
  ...ASYNC_PROPERTIES,
  ...EVENT_PROPERTIES,
  ...IMAGE_PROPERTIES,
  ...IGNORED_PROPERTIES,
]);

/** The alias name pattern of Lambda's CreateAlias: not only digits, 1 to 128 characters. */
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;

/** Settings SAM applies through the function's alias and concurrency configuration. */
export interface FunctionSettings {
  /** AutoPublishAlias: the alias SAM points at each version it publishes. */
  autoPublishAlias: string | undefined;
  reservedConcurrentExecutions: number | undefined;
  /** ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions, set on the alias. */
  provisionedConcurrentExecutions: number | undefined;
}

export interface FunctionDefinition {
  config: FunctionConfig;
  settings: FunctionSettings;
  /** EventInvokeConfig, for the function's `$LATEST`. */
  eventInvokeConfig: EventInvokeSettings | undefined;
  /** `Policies (resource HelloFunction)`, once for each ignored property the function sets. */
  ignoredProperties: string[];
}

export interface CodeLocations {
  /** The template's folder, which CodeUri is relative to. */
  templateDir: string;
  /** The data folder InlineCode is written under. */
  dataDir: string;
}

/**
 * Reads an AWS::Serverless::Function whose properties have Globals merged in. Every error
 * starts with `resource 'LogicalId'` and names the property, the value and the fix.
 */
export function readFunction(
  resource: ResourceSymbol,
  context: IntrinsicContext,
  locations: CodeLocations,
): FunctionDefinition {
  const { logicalId, properties } = resource;
  checkPropertyNames(logicalId, properties);
  const props = resolveProperties(resource, context);
  const functionName = resolveFunctionName(
    resource,
    { context: { ...context, location: `resource '${logicalId}'` }, path: '' },
    resolveIntrinsics,
  );

  try {
    rejectImage(props, properties);
    if (typeof props.Runtime !== 'string') {
      throw invalidConfig('Runtime is missing; set Runtime (for example python3.12)');
    }
    const runtime = parseRuntime(props.Runtime);
    const handler = typeof props.Handler === 'string' ? props.Handler : undefined;
    const config = validateFunctionConfig({
      functionName,
      runtime: props.Runtime,
      handler,
      codePath: codePath(logicalId, props, runtime, handler, locations),
      memorySizeMb: optionalNumber(props.MemorySize, 'MemorySize'),
      timeoutSeconds: optionalNumber(props.Timeout, 'Timeout'),
      environment: environmentVariables(props.Environment),
      architecture: architecture(props.Architectures),
      description: optionalText(props.Description, 'Description'),
    });
    return {
      config,
      settings: readSettings(props),
      eventInvokeConfig: readEventInvokeConfig(props.EventInvokeConfig),
      ignoredProperties: IGNORED_PROPERTIES.filter((name) => name in properties).map(
        (name) => `${name} (resource ${logicalId})`,
      ),
    };
  } catch (error) {
    // Validation names the function; the resource name says the same here.
    const message = (error as Error).message.replace(/^function '[^']*': /, '');
    throw invalidConfig(`resource '${logicalId}': ${message}`);
  }
}

/** SAM rejects properties its schema does not list, so a misspelt one is an error here too. */
function checkPropertyNames(logicalId: string, properties: Json): void {
  for (const name of Object.keys(properties)) {
    if (KNOWN_PROPERTIES.has(name)) continue;
    const suggestion = closestKnownProperty(name);
    const fix =
      suggestion === undefined
        ? 'remove it, or check its spelling against the AWS::Serverless::Function reference'
        : `did you mean ${suggestion}?`;
    throw invalidConfig(
      `resource '${logicalId}': property '${name}' is not a property of AWS::Serverless::Function (set on the resource or in Globals.Function); ${fix}`,
    );
  }
}

/** Finds the known property within two edits of `name`, ignoring case, if there is one. */
function closestKnownProperty(name: string): string | undefined {
  let best: { property: string; distance: number } | undefined;
  for (const property of KNOWN_PROPERTIES) {
    const distance = editDistance(name.toLowerCase(), property.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { property, distance };
    }
  }
  return best?.property;
}

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Resolves the run, settings and async properties; a property that is AWS::NoValue is left out. */
function resolveProperties(resource: ResourceSymbol, context: IntrinsicContext): Json {
  const resolved: Json = {};
  for (const name of [...RUN_PROPERTIES, ...SETTINGS_PROPERTIES, ...ASYNC_PROPERTIES]) {
    if (resource.properties[name] === undefined) continue;
    const value = resolveIntrinsics(resource.properties[name], {
      ...context,
      location: `resource '${resource.logicalId}'`,
      propertyPath: name,
      selfLogicalId: resource.logicalId,
    });
    if (value !== undefined) resolved[name] = value;
  }
  return resolved;
}

function rejectImage(props: Json, properties: Json): void {
  const imageProperty = IMAGE_PROPERTIES.find((name) => name in properties);
  if (props.PackageType === 'Image' || imageProperty !== undefined) {
    throw invalidConfig(
      `${imageProperty ?? 'PackageType Image'} makes this a container image function, which LambdaCraft does not run; remove it and set CodeUri to the code folder and Runtime instead`,
    );
  }
  if (props.PackageType !== undefined && props.PackageType !== 'Zip') {
    throw invalidConfig(
      `PackageType ${describeValue(props.PackageType)} is invalid; use Zip or leave PackageType out`,
    );
  }
}

/**
 * Chooses the folder the function's code runs from. SAM accepts both InlineCode and CodeUri on
 * one function and deploys InlineCode, so InlineCode wins here too.
 */
function codePath(
  logicalId: string,
  props: Json,
  runtime: RuntimeId,
  handler: string | undefined,
  locations: CodeLocations,
): string {
  if (props.InlineCode !== undefined) {
    return inlineCodePath(logicalId, props.InlineCode, runtime, handler, locations.dataDir);
  }
  const codeUri = props.CodeUri ?? '.';
  if (typeof codeUri === 'string' && !codeUri.startsWith('s3://')) {
    return codeFolder(codeUri, locations.templateDir);
  }
  throw invalidConfig(
    `CodeUri ${describeValue(codeUri)} names an object in S3, which LambdaCraft does not download; set CodeUri to the local folder holding the code, relative to the template`,
  );
}

function inlineCodePath(
  logicalId: string,
  code: unknown,
  runtime: RuntimeId,
  handler: string | undefined,
  dataDir: string,
): string {
  const file = INLINE_CODE_FILES[runtime.family];
  if (typeof code !== 'string') {
    throw invalidConfig(
      `InlineCode resolves to ${describeValue(code)}, not a string; write the source code as a block (InlineCode: |)`,
    );
  }
  if (file === undefined) {
    throw invalidConfig(
      `InlineCode works only with Python and Node.js runtimes, not ${runtime.id}; move the code to a folder and set CodeUri`,
    );
  }
  const module = path.parse(file).name;
  if (handler !== undefined && !handler.startsWith(`${module}.`)) {
    throw invalidConfig(
      `Handler '${handler}' names a module other than ${module}, but InlineCode is written to ${file}; set Handler to ${module}.${handler.split('.').pop() ?? 'handler'}`,
    );
  }
  return writeInlineCode(dataDir, logicalId, runtime.family, code);
}

function codeFolder(codeUri: string, templateDir: string): string {
  const folder = path.resolve(templateDir, codeUri);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw invalidConfig(
      `CodeUri '${codeUri}' is not a folder (${folder} ${existsSync(folder) ? 'is a file' : 'does not exist'}); set CodeUri to the folder holding the handler, relative to the template`,
    );
  }
  return folder;
}

function optionalNumber(value: unknown, property: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || value === '' || Number.isNaN(parsed)) {
    throw invalidConfig(
      `${property} ${JSON.stringify(value)} is not a number; set ${property} to a whole number`,
    );
  }
  return parsed;
}

function optionalText(value: unknown, property: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw invalidConfig(`${property} is ${describeValue(value)}, not a string; write it as text`);
  }
  return String(value);
}

/** Environment.Variables; Lambda takes strings, so numbers and booleans are written as text. */
function environmentVariables(environment: unknown): Record<string, string> {
  const variables = isPlainObject(environment) ? environment.Variables : undefined;
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(isPlainObject(variables) ? variables : {})) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw invalidConfig(
        `Environment.Variables.${name} is ${describeValue(value)}, not a string; write a string, '' for an empty value, or join a list with Fn::Join`,
      );
    }
    result[name] = String(value);
  }
  return result;
}

function architecture(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 1) {
    throw invalidConfig(
      `Architectures ${describeValue(value)} must be a list of one architecture; write [x86_64] or [arm64]`,
    );
  }
  return String(value[0]);
}

function readSettings(props: Json): FunctionSettings {
  const alias = props.AutoPublishAlias;
  if (alias !== undefined && (typeof alias !== 'string' || !ALIAS_NAME.test(alias))) {
    throw invalidConfig(
      `AutoPublishAlias ${describeValue(alias)} is not a valid alias name; use 1 to 128 letters, digits, '-' or '_', not only digits`,
    );
  }
  const reserved = wholeNumber(
    props.ReservedConcurrentExecutions,
    'ReservedConcurrentExecutions',
    0,
  );
  const provisioned = provisionedConcurrency(props.ProvisionedConcurrencyConfig);
  if (provisioned !== undefined && alias === undefined) {
    throw invalidConfig(
      'ProvisionedConcurrencyConfig needs AutoPublishAlias, because SAM sets provisioned concurrency on the alias; set AutoPublishAlias (for example live)',
    );
  }
  if (provisioned !== undefined && reserved !== undefined && provisioned > reserved) {
    throw invalidConfig(
      `ProvisionedConcurrentExecutions ${provisioned} is above ReservedConcurrentExecutions ${reserved}, which Lambda rejects; lower it or raise the reserved concurrency`,
    );
  }
  return {
    autoPublishAlias: alias,
    reservedConcurrentExecutions: reserved,
    provisionedConcurrentExecutions: provisioned,
  };
}

function provisionedConcurrency(config: unknown): number | undefined {
  if (config === undefined) return undefined;
  const executions = isPlainObject(config) ? config.ProvisionedConcurrentExecutions : undefined;
  if (executions === undefined) {
    throw invalidConfig(
      `ProvisionedConcurrencyConfig ${describeValue(config)} has no ProvisionedConcurrentExecutions; write ProvisionedConcurrentExecutions: 5`,
    );
  }
  return wholeNumber(executions, 'ProvisionedConcurrentExecutions', 1);
}

function wholeNumber(value: unknown, property: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < minimum) {
    throw invalidConfig(
      `${property} ${describeValue(value)} is not a whole number of ${minimum} or more; set ${property} to one`,
    );
  }
  return parsed;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
