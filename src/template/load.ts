import { readFileSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { EventInvokeSettings } from '../invoke/async/event-invoke-config.js';
import { evaluateConditions } from './conditions.js';
import { readDynamoDBEvents, type DynamoDBEvents } from './dynamodb-events.js';
import { readDynamoDBTables, type DynamoDBTables } from './dynamodb-tables.js';
import { readFunction, type FunctionSettings } from './function-properties.js';
import {
  IMPLICIT_HTTP_API,
  IMPLICIT_REST_API,
  readHttpEvents,
  type HttpEvents,
} from './http-events.js';
import { isIntrinsicName, resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';
import { readParameters } from './parameters.js';
import type { ResourceSymbol, TemplateSymbols } from './references.js';
import { readS3Events, type S3Events } from './s3-events.js';
import { readScheduleEvents, type ScheduleEvents } from './schedule-events.js';
import { parseTemplateText } from './yaml.js';

export type { FunctionSettings } from './function-properties.js';

export interface LoadedTemplate {
  file: string;
  functions: Map<string, FunctionConfig>;
  /** Functions whose definition is invalid, by logical id, with the reason and the fix. */
  invalid: Map<string, string>;
  http: HttpEvents;
  /** Schedule and ScheduleV2 events, and rule and Scheduler resources that target functions. */
  schedules: ScheduleEvents;
  /** The AWS::S3::Bucket resources and the bucket notifications that invoke functions. */
  s3: S3Events;
  /** The AWS::DynamoDB::Table resources, which the platform creates at start. */
  dynamodb: DynamoDBTables;
  /** The functions' DynamoDB events, which become event source mappings at start. */
  dynamodbEvents: DynamoDBEvents;
  /** Resources of types the platform does not run yet, as `UploadsBucket (AWS::S3::Bucket)`. */
  notRunResources: string[];
  /** Resources whose Condition is false, as `BetaFunction (condition IsBeta is false)`. */
  notCreatedResources: string[];
  /**
   * Function properties the platform accepts without applying them, as
   * `Policies (resource HelloFunction)`; each property of each function appears once.
   */
  ignoredProperties: string[];
  /** AutoPublishAlias and concurrency settings of the valid functions, by function name. */
  functionSettings: Map<string, FunctionSettings>;
  /** EventInvokeConfig of the valid functions that set one, by function name. */
  eventInvokeConfigs: Map<string, EventInvokeSettings>;
  /** Logical ids of the functions, keyed by function name. */
  logicalIds: Map<string, string>;
}

export interface LoadOptions {
  account: AccountContext;
  parameterOverrides: Record<string, string>;
  stackName?: string;
  /**
   * The platform's data folder; InlineCode is written under `<dataDir>/inline-code`.
   * Defaults to `.lambdacraft` beside the template, the CLI's default.
   */
  dataDir?: string;
  /**
   * Accept `rate(N seconds)` schedules, which AWS rejects; for development and benchmarks.
   * Defaults to the environment variable LAMBDACRAFT_DEV_SUBMINUTE_SCHEDULES=1.
   */
  allowSubminuteSchedules?: boolean;
}

type Json = Record<string, unknown>;

const RUN_RESOURCE_TYPES = new Set([
  'AWS::Serverless::Function',
  'AWS::Serverless::Api',
  'AWS::Serverless::HttpApi',
]);

/** The Globals section that applies to each SAM resource type the loader reads. */
const GLOBALS_SECTIONS: Record<string, string> = {
  'AWS::Serverless::Function': 'Function',
  'AWS::Serverless::Api': 'Api',
  'AWS::Serverless::HttpApi': 'HttpApi',
};

/**
 * Loads a SAM template: parameters, conditions and mappings, then the
 * `AWS::Serverless::Function` resources with Globals applied and intrinsics resolved, then the
 * HTTP APIs and events. A bad function is listed in `invalid`, and the others still load. A
 * bad parameter, condition or resource-level key fails the whole template, as on AWS.
 */
export function loadTemplate(file: string, options: LoadOptions): LoadedTemplate {
  // 1. Read the file and the sections every resource depends on.
  const template = readTemplate(file);
  const templateDir = path.dirname(path.resolve(file));
  const parameters = readParameters(template.Parameters, options.parameterOverrides);
  const symbols: TemplateSymbols = {
    resources: new Map(),
    conditions: new Map(),
    mappings: asObject(template.Mappings),
    unsetParameters: parameters.unset,
    functionNames: new Map(),
    resolvingNames: new Set(),
  };
  const resourceIds = new Set(Object.keys(asObject(template.Resources)));
  const context: IntrinsicContext = {
    account: options.account,
    stackName: options.stackName ?? path.basename(templateDir),
    parameters: parameters.values,
    resources: resourceIds,
    symbols,
    location: 'template',
  };

  // 2. Conditions decide which resources exist; Globals merge into the SAM resources.
  symbols.conditions = evaluateConditions(template.Conditions, context);
  symbols.resources = readResources(template, symbols.conditions, parameters.values);

  // 3. Functions: one bad function must not stop the others from running.
  const functions = readFunctions(symbols, context, {
    templateDir,
    dataDir: options.dataDir ?? path.join(templateDir, '.lambdacraft'),
  });

  // 4. APIs and HTTP events of the created resources.
  const created = [...symbols.resources.values()].filter(
    (resource) => resource.created && !resource.generated,
  );
  const functionNames = new Map([...functions.logicalIds].map(([name, id]) => [id, name]));
  const http = readHttpEvents(
    Object.fromEntries(created.map((resource) => [resource.logicalId, httpResource(resource)])),
    functionNames,
    resolvedApiGlobals(template, context),
    { ...context, location: 'template' },
  );

  // 5. Schedules: the functions' Schedule events and the rule and Scheduler resources.
  const schedules = readScheduleEvents(
    Object.fromEntries(created.map((resource) => [resource.logicalId, httpResource(resource)])),
    functionNames,
    { ...context, location: 'template' },
    {
      allowSubminute:
        options.allowSubminuteSchedules ?? process.env.LAMBDACRAFT_DEV_SUBMINUTE_SCHEDULES === '1',
    },
  );
  http.notRun = http.notRun.filter((item) => !/ \((Schedule|ScheduleV2)\)$/.test(item));

  // 6. Buckets and the S3 events of functions.
  const s3 = readS3Events(
    Object.fromEntries(created.map((resource) => [resource.logicalId, httpResource(resource)])),
    functionNames,
    { ...context, location: 'template' },
  );
  http.notRun = http.notRun.filter((item) => !item.endsWith(' (S3)'));

  // 7. Tables, created at start when missing.
  const dynamodb = readDynamoDBTables(
    Object.fromEntries(created.map((resource) => [resource.logicalId, httpResource(resource)])),
    { ...context, location: 'template' },
  );

  // 8. The functions' DynamoDB stream events.
  const dynamodbEvents = readDynamoDBEvents(
    Object.fromEntries(created.map((resource) => [resource.logicalId, httpResource(resource)])),
    functionNames,
    { ...context, location: 'template' },
  );
  http.notRun = http.notRun.filter((item) => !item.endsWith(' (DynamoDB)'));

  return {
    file: path.resolve(file),
    ...functions,
    ignoredProperties: [...functions.ignoredProperties, ...schedules.ignoredProperties],
    http,
    schedules,
    s3,
    dynamodb,
    dynamodbEvents,
    notRunResources: created
      .filter(
        (resource) =>
          !RUN_RESOURCE_TYPES.has(resource.type) &&
          !schedules.runResources.has(resource.logicalId) &&
          !s3.buckets.some((bucket) => bucket.logicalId === resource.logicalId) &&
          !dynamodb.tables.some((table) => table.logicalId === resource.logicalId),
      )
      .map((resource) => `${resource.logicalId} (${resource.type})`),
    notCreatedResources: [...symbols.resources.values()]
      .filter((resource) => !resource.created && !resource.generated)
      .map((resource) => `${resource.logicalId} (condition ${resource.condition ?? ''} is false)`),
  };
}

function readTemplate(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalidConfig(
      `cannot read template '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}; pass the path of a SAM template.yaml`,
    );
  }
  const { value, errors } = parseTemplateText(text);
  if (errors.length > 0) {
    throw invalidConfig(`template '${file}' is not valid YAML: ${errors[0]}`);
  }
  if (!isPlainObject(value) || !('Resources' in value)) {
    throw invalidConfig(`template '${file}' has no Resources section; is it a SAM template?`);
  }
  return value;
}

/**
 * The template's resources with their conditions applied and Globals merged, plus the
 * resources SAM generates that templates refer to: `<Function>Role` for a function without
 * Role, `<Function>Alias<alias>` for AutoPublishAlias, and the implicit APIs.
 */
function readResources(
  template: Json,
  conditions: ReadonlyMap<string, boolean>,
  parameters: Record<string, unknown>,
): Map<string, ResourceSymbol> {
  const globals = asObject(template.Globals);
  const resources = new Map<string, ResourceSymbol>();
  for (const [logicalId, declaration] of Object.entries(asObject(template.Resources))) {
    if (!isPlainObject(declaration) || typeof declaration.Type !== 'string') {
      throw invalidConfig(
        `resource '${logicalId}' has no Type; set Type (for example AWS::Serverless::Function)`,
      );
    }
    const condition = resourceCondition(logicalId, declaration.Condition, conditions);
    const section = GLOBALS_SECTIONS[declaration.Type];
    const own = asObject(declaration.Properties);
    resources.set(logicalId, {
      logicalId,
      type: declaration.Type,
      properties:
        section === undefined ? own : asObject(mergeGlobals(asObject(globals[section]), own)),
      condition,
      created: condition === undefined || conditions.get(condition) === true,
      generated: false,
      sourceFunction: undefined,
    });
  }
  for (const generated of generatedResources(resources, parameters)) {
    if (!resources.has(generated.logicalId)) resources.set(generated.logicalId, generated);
  }
  return resources;
}

function resourceCondition(
  logicalId: string,
  condition: unknown,
  conditions: ReadonlyMap<string, boolean>,
): string | undefined {
  if (condition === undefined) return undefined;
  if (typeof condition !== 'string' || !conditions.has(condition)) {
    const declared = [...conditions.keys()].join(', ') || 'none';
    throw invalidConfig(
      `resource '${logicalId}': Condition ${JSON.stringify(condition)} is not declared under Conditions (declared: ${declared}); declare it or remove the Condition key`,
    );
  }
  return condition;
}

function generatedResources(
  resources: ReadonlyMap<string, ResourceSymbol>,
  parameters: Record<string, unknown>,
): ResourceSymbol[] {
  const functions = [...resources.values()].filter(
    (resource) => resource.type === 'AWS::Serverless::Function',
  );
  return [
    ...functions.flatMap((resource) => functionResources(resource, parameters)),
    ...implicitApi(functions, 'Api', 'RestApiId', IMPLICIT_REST_API, 'AWS::ApiGateway::RestApi'),
    ...implicitApi(functions, 'HttpApi', 'ApiId', IMPLICIT_HTTP_API, 'AWS::ApiGatewayV2::Api'),
  ];
}

/** The role SAM creates for a function without Role, and the alias for AutoPublishAlias. */
function functionResources(
  resource: ResourceSymbol,
  parameters: Record<string, unknown>,
): ResourceSymbol[] {
  const { logicalId, properties, condition, created } = resource;
  const generated = { properties: {}, condition, created, generated: true };
  const resources: ResourceSymbol[] = [];
  if (properties.Role === undefined) {
    resources.push({
      ...generated,
      logicalId: `${logicalId}Role`,
      type: 'AWS::IAM::Role',
      sourceFunction: logicalId,
    });
  }
  const alias = literalAlias(properties.AutoPublishAlias, parameters);
  if (alias !== undefined) {
    resources.push({
      ...generated,
      logicalId: `${logicalId}Alias${alias}`,
      type: 'AWS::Lambda::Alias',
      sourceFunction: logicalId,
    });
  }
  return resources;
}

/** The API SAM creates for events that name no API, when a created function has one. */
function implicitApi(
  functions: ResourceSymbol[],
  eventType: string,
  apiProperty: string,
  logicalId: string,
  type: string,
): ResourceSymbol[] {
  const used = functions.some(
    (resource) =>
      resource.created &&
      Object.values(asObject(resource.properties.Events)).some((event) => {
        const { Type: typeName, Properties: properties } = asObject(event);
        return typeName === eventType && asObject(properties)[apiProperty] === undefined;
      }),
  );
  if (!used) return [];
  return [
    {
      logicalId,
      type,
      properties: {},
      condition: undefined,
      created: true,
      generated: true,
      sourceFunction: undefined,
    },
  ];
}

/** AutoPublishAlias as a literal or a Ref to a string parameter, the forms SAM resolves. */
function literalAlias(value: unknown, parameters: Record<string, unknown>): string | undefined {
  if (typeof value === 'string') return value;
  const name = isPlainObject(value) ? value.Ref : undefined;
  const resolved = typeof name === 'string' ? parameters[name] : undefined;
  return typeof resolved === 'string' ? resolved : undefined;
}

interface LoadedFunctions {
  functions: Map<string, FunctionConfig>;
  invalid: Map<string, string>;
  logicalIds: Map<string, string>;
  ignoredProperties: string[];
  functionSettings: Map<string, FunctionSettings>;
  eventInvokeConfigs: Map<string, EventInvokeSettings>;
}

function readFunctions(
  symbols: TemplateSymbols,
  context: IntrinsicContext,
  locations: { templateDir: string; dataDir: string },
): LoadedFunctions {
  const loaded: LoadedFunctions = {
    functions: new Map(),
    invalid: new Map(),
    logicalIds: new Map(),
    ignoredProperties: [],
    functionSettings: new Map(),
    eventInvokeConfigs: new Map(),
  };
  for (const resource of symbols.resources.values()) {
    if (resource.type !== 'AWS::Serverless::Function' || !resource.created) continue;

    const { logicalId } = resource;
    let definition: ReturnType<typeof readFunction>;
    try {
      definition = readFunction(resource, context, locations);
    } catch (error) {
      loaded.invalid.set(logicalId, (error as Error).message);
      continue;
    }
    const { config, settings, eventInvokeConfig, ignoredProperties } = definition;
    if (loaded.functions.has(config.functionName)) {
      throw invalidConfig(
        `resource '${logicalId}': function name '${config.functionName}' is used twice; give each function its own FunctionName`,
      );
    }
    loaded.functions.set(config.functionName, config);
    loaded.logicalIds.set(config.functionName, logicalId);
    loaded.functionSettings.set(config.functionName, settings);
    if (eventInvokeConfig !== undefined) {
      loaded.eventInvokeConfigs.set(config.functionName, eventInvokeConfig);
    }
    loaded.ignoredProperties.push(...ignoredProperties);
  }
  return loaded;
}

/** Converts a resource to the form readHttpEvents reads, with Globals merged into APIs. */
function httpResource(resource: ResourceSymbol): Json {
  return { Type: resource.type, Properties: resource.properties };
}

/**
 * Globals.Api and Globals.HttpApi with intrinsics resolved, because readHttpEvents reads them
 * as they are for the implicit APIs.
 */
function resolvedApiGlobals(template: Json, context: IntrinsicContext): Json {
  const globals = asObject(template.Globals);
  const resolved: Json = {};
  for (const section of ['Api', 'HttpApi']) {
    if (globals[section] === undefined) continue;
    resolved[section] = resolveIntrinsics(globals[section], {
      ...context,
      location: `Globals.${section}`,
    });
  }
  return resolved;
}

/**
 * SAM's Globals rule: maps are merged, lists appended, other values replaced by the
 * resource's own. An intrinsic function counts as a single value on either side.
 */
export function mergeGlobals(globals: unknown, own: unknown): unknown {
  if (own === undefined) return globals;
  if (Array.isArray(globals) && Array.isArray(own)) {
    return [...(globals as unknown[]), ...(own as unknown[])];
  }
  if (isMergeableMap(globals) && isMergeableMap(own)) {
    const result: Json = { ...globals };
    for (const [key, value] of Object.entries(own)) result[key] = mergeGlobals(globals[key], value);
    return result;
  }
  return own;
}

function isMergeableMap(value: unknown): value is Json {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? (keys[0] ?? '') : '';
  return !(isIntrinsicName(only) || only === 'Condition');
}

function asObject(value: unknown): Json {
  return isPlainObject(value) ? value : {};
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
