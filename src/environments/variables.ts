import type { FunctionConfig } from '../functions/function-config.js';
import type { AccountContext } from '../functions/arn.js';

/** Credentials every environment gets, so no SDK in a handler reaches for the host's identity. */
export const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIALAMBDACRAFTLOCAL',
  AWS_SECRET_ACCESS_KEY: 'lambdacraft-local-secret',
  AWS_SESSION_TOKEN: 'lambdacraft-local-session',
};

/** How an environment was started, the value of `AWS_LAMBDA_INITIALIZATION_TYPE`. */
export type InitializationType = 'on-demand' | 'provisioned-concurrency';

export interface EnvironmentContext {
  account: AccountContext;
  runtimeApi: string;
  logStreamName: string;
  tempDir: string;
  /** True when the runtime has `tempDir` mounted as /tmp. */
  privateTmp: boolean;
  /** Folder for Python's bytecode, so that code folders stay as they were deployed. */
  pycacheDir: string;
  runtimeDir: string;
  /** URL for handlers' AWS SDK calls (the platform's AWS endpoint), when one is serving. */
  endpointUrl: string | undefined;
  initializationType: InitializationType;
}

/**
 * Builds the environment of one execution environment as Lambda sets it. Nothing is
 * inherited from the platform's own environment but PATH, so the host's AWS profile,
 * credentials and container credential URIs never reach a handler.
 */
export function buildVariables(
  config: FunctionConfig,
  context: EnvironmentContext,
): Record<string, string> {
  const variables: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    HOME: context.privateTmp ? '/tmp' : context.tempDir,
    TMPDIR: context.privateTmp ? '/tmp' : context.tempDir,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    ...runtimeVariables(config, context),
    ...config.environment,
    // Reserved: set after the function's own variables, which may not override them.
    _HANDLER: config.handler,
    AWS_REGION: context.account.region,
    AWS_DEFAULT_REGION: context.account.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime.id}`,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: config.version,
    AWS_LAMBDA_INITIALIZATION_TYPE: context.initializationType,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: context.logStreamName,
    AWS_LAMBDA_RUNTIME_API: context.runtimeApi,
    LAMBDA_TASK_ROOT: config.codePath,
    LAMBDA_RUNTIME_DIR: context.runtimeDir,
    AWS_ACCESS_KEY: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
    ...LOCAL_CREDENTIALS,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Point the SDKs' shared config and credentials files at paths that do not exist.
    AWS_CONFIG_FILE: `${context.tempDir}/.aws-config-unused`,
    AWS_SHARED_CREDENTIALS_FILE: `${context.tempDir}/.aws-credentials-unused`,
  };
  if (context.endpointUrl !== undefined) {
    variables.AWS_ENDPOINT_URL = context.endpointUrl;
  }
  return variables;
}

function runtimeVariables(
  config: FunctionConfig,
  context: EnvironmentContext,
): Record<string, string> {
  switch (config.runtime.family) {
    case 'python':
      return pythonVariables(context.pycacheDir);
    case 'nodejs':
      return { NODE_PATH: [`${config.codePath}/node_modules`, context.runtimeDir].join(':') };
    case 'provided':
      return {};
  }
}

/** Variables a Python interpreter reads at start-up, the same for spares and fresh spawns. */
export function pythonVariables(pycacheDir: string): Record<string, string> {
  const variables = { PYTHONUNBUFFERED: '1', LC_CTYPE: 'C.UTF-8' };
  // A runtime with a private /tmp cannot reach a bytecode folder under the host's /tmp.
  if (pycacheDir === '/tmp' || pycacheDir.startsWith('/tmp/')) {
    return { ...variables, PYTHONDONTWRITEBYTECODE: '1' };
  }
  return { ...variables, PYTHONPYCACHEPREFIX: pycacheDir };
}

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, the stream name Lambda gives each environment. */
export function logStreamName(version: string, environmentId: string, now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[${version}]${environmentId}`;
}
