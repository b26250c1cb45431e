import { createHash } from 'node:crypto';

import { functionArn, type AccountContext } from '../../functions/arn.js';
import { CodeDigests } from '../../functions/code-digest.js';
import type { FunctionConfig } from '../../functions/function-config.js';
import type { ApiContext } from '../routes.js';

/**
 * Digests of the code folders. A digest is reused only if it was started after the
 * requesting registry's last change of the function, so one cache serves every registry.
 */
const codeDigests = new CodeDigests();

/** Returns the CodeSize that GetFunction reports for a function version, in bytes. */
export async function codeSizeOf(config: FunctionConfig, context: ApiContext): Promise<number> {
  const code = await codeDigests.digest(config.codePath, context.registry.changedAtMs(config));
  return code.sizeBytes;
}

/** Options of a FunctionConfiguration, which depend on the operation that returns it. */
export interface DescribeOptions {
  /** The qualifier the FunctionArn ends with; an unqualified ARN when undefined. */
  arnQualifier: string | undefined;
  /** Whether to add State and LastUpdateStatus, which GetFunction returns and ListFunctions leaves out. */
  withState: boolean;
}

/** Returns Lambda's FunctionConfiguration shape for a function version the platform runs. */
export async function describeFunction(
  config: FunctionConfig,
  context: ApiContext,
  options: DescribeOptions,
): Promise<Record<string, unknown>> {
  const { account, registry } = context;
  const changedAtMs = registry.changedAtMs(config);
  const code = await codeDigests.digest(config.codePath, changedAtMs);

  const description: Record<string, unknown> = {
    FunctionName: config.functionName,
    FunctionArn: functionArn(account, config.functionName, options.arnQualifier),
    Runtime: config.runtime.id,
    Role: executionRoleArn(account, config.functionName),
  };
  if (config.handler !== '') description.Handler = config.handler;
  description.CodeSize = code.sizeBytes;
  if (config.description !== undefined) description.Description = config.description;
  Object.assign(description, {
    Timeout: config.timeoutSeconds,
    MemorySize: config.memorySizeMb,
    LastModified: lambdaTimestamp(changedAtMs),
    CodeSha256: code.sha256,
    Version: config.version,
  });
  if (Object.keys(config.environment).length > 0) {
    description.Environment = { Variables: { ...config.environment } };
  }

  description.TracingConfig = { Mode: 'PassThrough' };
  description.RevisionId = revisionId(config, changedAtMs, code.sha256);
  if (options.withState) {
    description.State = 'Active';
    description.LastUpdateStatus = 'Successful';
  }
  return Object.assign(description, {
    PackageType: 'Zip',
    Architectures: [config.architecture],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${config.functionName}` },
  });
}

/**
 * Returns the FunctionConfiguration of a function the template defines but the platform could
 * not accept: its name, State Failed and the reason. NOTE: ListFunctions on AWS leaves State
 * out of every entry, but here it is kept for these, because they have no other fields that
 * would show why the function does not run.
 */
export function describeFailedFunction(
  functionName: string,
  reason: string,
  account: AccountContext,
  arnQualifier: string | undefined,
): Record<string, unknown> {
  return {
    FunctionName: functionName,
    FunctionArn: functionArn(account, functionName, arnQualifier),
    Role: executionRoleArn(account, functionName),
    Version: '$LATEST',
    State: 'Failed',
    StateReason: reason,
    StateReasonCode: 'InvalidConfiguration',
    LastUpdateStatus: 'Failed',
    PackageType: 'Zip',
  };
}

/**
 * The execution role a function reports. NOTE: LambdaCraft has no IAM and ignores the
 * template's Role, so this is a made-up role named after the function in the platform's
 * account. It stays the same across restarts, and no policy is attached to it.
 */
function executionRoleArn(account: AccountContext, functionName: string): string {
  return `arn:aws:iam::${account.accountId}:role/lambdacraft/${functionName}-role`;
}

/** Formats a time as Lambda writes LastModified: `2024-05-01T12:30:45.123+0000`. */
function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}

/**
 * Derives a RevisionId that changes with the configuration, the time it was put or published,
 * and the code. Lambda's RevisionId is a random UUID per update, and this one has its form.
 */
function revisionId(config: FunctionConfig, changedAtMs: number, codeSha256: string): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(config))
    .update(`\0${changedAtMs}\0${codeSha256}`)
    .digest('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
