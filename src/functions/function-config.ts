import path from 'node:path';

import { invalidConfig } from '../errors.js';
import { parseRuntime, type RuntimeId } from './runtimes.js';

export const MIN_MEMORY_SIZE_MB = 128;
export const MAX_MEMORY_SIZE_MB = 10_240;
export const DEFAULT_MEMORY_SIZE_MB = 128;
export const MIN_TIMEOUT_SECONDS = 1;
export const MAX_TIMEOUT_SECONDS = 900;
export const DEFAULT_TIMEOUT_SECONDS = 3;
/** Lambda measures the variables as the compact JSON of the map. */
export const MAX_ENVIRONMENT_BYTES = 4096;
/** Lambda's limit on a function's Description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 256;

const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/;

/** Variables only Lambda may set; a function that sets one is rejected as on AWS. */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

export type Architecture = 'x86_64' | 'arm64';

/** What the platform needs to run one function version. */
export interface FunctionConfig {
  functionName: string;
  runtime: RuntimeId;
  /** Absent for `provided` runtimes, which read `_HANDLER` themselves if at all. */
  handler: string;
  /** Absolute path of the code folder (`LAMBDA_TASK_ROOT`). */
  codePath: string;
  memorySizeMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  architecture: Architecture;
  version: string;
  /** The template's Description; absent when it sets none. */
  description?: string;
}

/** The function as a template or an API call describes it, before validation. */
export interface FunctionSpec {
  functionName: string;
  runtime: string;
  handler?: string;
  codePath: string;
  memorySizeMb?: number;
  timeoutSeconds?: number;
  environment?: Record<string, string>;
  architecture?: string;
  description?: string;
}

export function validateFunctionConfig(spec: FunctionSpec): FunctionConfig {
  if (!FUNCTION_NAME_PATTERN.test(spec.functionName)) {
    throw invalidConfig(
      `function name '${spec.functionName}' is invalid; use 1 to 64 letters, digits, '-' or '_'`,
    );
  }
  const runtime = parseRuntime(spec.runtime);
  const handler = spec.handler ?? '';
  if (runtime.family !== 'provided' && handler === '') {
    throw invalidConfig(
      `function '${spec.functionName}' has no handler; set Handler (for example app.handler)`,
    );
  }

  return {
    functionName: spec.functionName,
    runtime,
    handler,
    codePath: path.resolve(spec.codePath),
    memorySizeMb: validateMemorySize(spec.functionName, spec.memorySizeMb),
    timeoutSeconds: validateTimeout(spec.functionName, spec.timeoutSeconds),
    environment: validateEnvironment(spec.functionName, spec.environment ?? {}),
    architecture: validateArchitecture(spec.functionName, spec.architecture),
    version: '$LATEST',
    ...validateDescription(spec.functionName, spec.description),
  };
}

function validateDescription(
  functionName: string,
  description: string | undefined,
): { description?: string } {
  if (description === undefined) return {};
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidConfig(
      `function '${functionName}': Description has ${description.length} characters, over Lambda's limit of ${MAX_DESCRIPTION_LENGTH}; shorten it`,
    );
  }
  return { description };
}

function validateMemorySize(functionName: string, memorySizeMb: number | undefined): number {
  const value = memorySizeMb ?? DEFAULT_MEMORY_SIZE_MB;
  if (!Number.isInteger(value) || value < MIN_MEMORY_SIZE_MB || value > MAX_MEMORY_SIZE_MB) {
    throw invalidConfig(
      `function '${functionName}': memory size ${value} MB is outside Lambda's range; set MemorySize to a whole number between ${MIN_MEMORY_SIZE_MB} and ${MAX_MEMORY_SIZE_MB}`,
    );
  }
  return value;
}

function validateTimeout(functionName: string, timeoutSeconds: number | undefined): number {
  const value = timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(value) || value < MIN_TIMEOUT_SECONDS || value > MAX_TIMEOUT_SECONDS) {
    throw invalidConfig(
      `function '${functionName}': timeout ${value} s is outside Lambda's range; set Timeout to a whole number of seconds between ${MIN_TIMEOUT_SECONDS} and ${MAX_TIMEOUT_SECONDS}`,
    );
  }
  return value;
}

function validateEnvironment(
  functionName: string,
  variables: Record<string, string>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])*$/.test(name)) {
      throw invalidConfig(
        `function '${functionName}': environment variable name '${name}' is invalid; names start with a letter and contain only letters, digits and '_'`,
      );
    }
    if (RESERVED_VARIABLES.has(name)) {
      throw invalidConfig(
        `function '${functionName}': environment variable '${name}' is reserved by Lambda; remove it from Environment.Variables`,
      );
    }
    result[name] = String(value);
  }

  const size = Buffer.byteLength(JSON.stringify(result));
  if (size > MAX_ENVIRONMENT_BYTES) {
    throw invalidConfig(
      `function '${functionName}': environment variables take ${size} bytes as JSON, over Lambda's limit of ${MAX_ENVIRONMENT_BYTES}; shorten or remove some`,
    );
  }
  return result;
}

function validateArchitecture(
  functionName: string,
  architecture: string | undefined,
): Architecture {
  const value = architecture ?? 'x86_64';
  if (value !== 'x86_64' && value !== 'arm64') {
    throw invalidConfig(
      `function '${functionName}': architecture '${value}' is invalid; use x86_64 or arm64`,
    );
  }
  return value;
}
