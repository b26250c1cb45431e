import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import { validateFunctionConfig, type FunctionConfig } from '../functions/function-config.js';
import { readHttpEvents, type HttpEvents } from './http-events.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';
import { parseTemplateText } from './yaml.js';

export interface LoadedTemplate {
  file: string;
  functions: Map<string, FunctionConfig>;
  /** Functions whose definition is invalid, by logical id, with the reason and the fix. */
  invalid: Map<string, string>;
  http: HttpEvents;
  /** Resources of types the platform does not run yet, as `UploadsBucket (AWS::S3::Bucket)`. */
  notRunResources: string[];
  /** Logical ids of the functions, keyed by function name. */
  logicalIds: Map<string, string>;
}

export interface LoadOptions {
  account: AccountContext;
  parameterOverrides: Record<string, string>;
  stackName?: string;
}

type Json = Record<string, unknown>;

const RUN_RESOURCE_TYPES = new Set([
  'AWS::Serverless::Function',
  'AWS::Serverless::Api',
  'AWS::Serverless::HttpApi',
]);

/** Loads the `AWS::Serverless::Function` resources of a SAM template, Globals applied. */
export function loadTemplate(file: string, options: LoadOptions): LoadedTemplate {
  const template = readTemplate(file);
  const directory = path.dirname(path.resolve(file));
  const context: Omit<IntrinsicContext, 'location'> = {
    account: options.account,
    stackName: options.stackName ?? path.basename(directory),
    parameters: parameterValues(template, options.parameterOverrides),
  };
  const globals = asObject(asObject(template.Globals).Function);

  const functions = new Map<string, FunctionConfig>();
  const logicalIds = new Map<string, string>();
  const invalid = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(asObject(template.Resources))) {
    const { Type: type, Properties: properties } = asObject(resource);
    if (type !== 'AWS::Serverless::Function') continue;

    const merged = mergeGlobals(globals, asObject(properties));
    let config: FunctionConfig;
    try {
      config = functionFromProperties(logicalId, merged, directory, {
        ...context,
        location: `resource '${logicalId}'`,
      });
    } catch (error) {
      // One bad function must not stop the others from running.
      invalid.set(logicalId, (error as Error).message);
      continue;
    }
    if (functions.has(config.functionName)) {
      throw invalidConfig(
        `resource '${logicalId}': function name '${config.functionName}' is used twice; give each function its own FunctionName`,
      );
    }
    functions.set(config.functionName, config);
    logicalIds.set(config.functionName, logicalId);
  }
  const resources = asObject(template.Resources);
  const functionNames = new Map([...logicalIds].map(([name, logicalId]) => [logicalId, name]));
  const http = readHttpEvents(resources, functionNames, asObject(template.Globals), {
    ...context,
    resources: new Set(Object.keys(resources)),
    location: 'template',
  });
  const notRunResources = Object.entries(resources)
    .map(([logicalId, resource]) => [logicalId, String(asObject(resource).Type)])
    .filter(([, type]) => !RUN_RESOURCE_TYPES.has(type ?? ''))
    .map(([logicalId, type]) => `${logicalId} (${type})`);
  return { file: path.resolve(file), functions, logicalIds, invalid, http, notRunResources };
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
  if (value === null || typeof value !== 'object' || !('Resources' in value)) {
    throw invalidConfig(`template '${file}' has no Resources section; is it a SAM template?`);
  }
  return value;
}

function parameterValues(
  template: Json,
  overrides: Record<string, string>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, declaration] of Object.entries(asObject(template.Parameters))) {
    const fallback = asObject(declaration).Default;
    if (Array.isArray(fallback)) values[name] = fallback.map(String).join(',');
    else if (typeof fallback === 'string' || typeof fallback === 'number')
      values[name] = String(fallback);
    else if (typeof fallback === 'boolean') values[name] = String(fallback);
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in asObject(template.Parameters))) {
      throw invalidConfig(
        `parameter override '${name}' names no parameter of the template; declared parameters: ${Object.keys(asObject(template.Parameters)).join(', ') || 'none'}`,
      );
    }
    values[name] = value;
  }
  return values;
}

/** SAM's Globals rule: maps are merged, lists appended, scalars replaced by the resource's. */
export function mergeGlobals(globals: unknown, own: unknown): unknown {
  if (own === undefined) return globals;
  if (Array.isArray(globals) && Array.isArray(own))
    return [...(globals as unknown[]), ...(own as unknown[])];
  if (isPlainObject(globals) && isPlainObject(own) && !isIntrinsicObject(own)) {
    const result: Json = { ...globals };
    for (const [key, value] of Object.entries(own)) result[key] = mergeGlobals(globals[key], value);
    return result;
  }
  return own;
}

function functionFromProperties(
  logicalId: string,
  properties: unknown,
  directory: string,
  context: IntrinsicContext,
): FunctionConfig {
  const props = resolveFunctionProperties(asObject(properties), context);
  const codeUri = props.CodeUri ?? '.';
  if (typeof codeUri !== 'string') {
    throw invalidConfig(
      `resource '${logicalId}': CodeUri ${JSON.stringify(codeUri)} is not a local folder; set CodeUri to a folder path relative to the template`,
    );
  }
  if (typeof props.Runtime !== 'string') {
    throw invalidConfig(
      `resource '${logicalId}': Runtime is missing; set Runtime (for example python3.12)`,
    );
  }
  const variables = asObject(asObject(props.Environment).Variables);

  try {
    return validateFunctionConfig({
      functionName: typeof props.FunctionName === 'string' ? props.FunctionName : logicalId,
      runtime: props.Runtime,
      handler: typeof props.Handler === 'string' ? props.Handler : undefined,
      codePath: codeFolder(codeUri, directory),
      memorySizeMb: optionalNumber(props.MemorySize, 'MemorySize'),
      timeoutSeconds: optionalNumber(props.Timeout, 'Timeout'),
      environment: Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, String(value)]),
      ),
      architecture: Array.isArray(props.Architectures) ? String(props.Architectures[0]) : undefined,
    });
  } catch (error) {
    // Validation names the function; the resource name says the same here.
    const message = (error as Error).message.replace(/^function '[^']*': /, '');
    throw invalidConfig(`resource '${logicalId}': ${message}`);
  }
}

/**
 * The properties this loader runs a function from. Only these are resolved: others, such as
 * Events whose `Bucket` refers to a resource, need the whole stack and are read elsewhere.
 */
const RUN_PROPERTIES = [
  'FunctionName',
  'CodeUri',
  'Handler',
  'Runtime',
  'MemorySize',
  'Timeout',
  'Environment',
  'Architectures',
];

function resolveFunctionProperties(properties: Json, context: IntrinsicContext): Json {
  const resolved: Json = {};
  for (const name of RUN_PROPERTIES) {
    if (properties[name] === undefined) continue;
    resolved[name] = resolveIntrinsics(properties[name], {
      ...context,
      location: `${context.location} property ${name}`,
    });
  }
  return resolved;
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

function codeFolder(codeUri: string, directory: string): string {
  const folder = path.resolve(directory, codeUri);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw invalidConfig(
      `CodeUri '${codeUri}' is not a folder (${folder} ${existsSync(folder) ? 'is a file' : 'does not exist'}); set CodeUri to the folder holding the handler, relative to the template`,
    );
  }
  return folder;
}

function asObject(value: unknown): Json {
  return isPlainObject(value) ? value : {};
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isIntrinsicObject(value: Json): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'));
}
