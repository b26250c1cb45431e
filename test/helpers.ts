import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { LambdaClient } from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { validateFunctionConfig, type FunctionSpec } from '../src/functions/function-config.js';
import { DEFAULT_ACCOUNT, Platform, type PlatformOptions } from '../src/platform.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';

/**
 * Region, credentials and retries of the SDK clients that tests point at a platform: the
 * platform verifies signatures made with these keys, and a failed call is not retried.
 */
export const CLIENT_OPTIONS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
  maxAttempts: 1,
};

export const FUNCTIONS_DIR = path.join(PACKAGE_ROOT, 'test', 'functions');
export const PROJECTS_DIR = path.join(PACKAGE_ROOT, 'test', 'projects');

/** Keeps every AWS SDK in tests off metadata addresses and real accounts. */
export function isolateAwsEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_CONTAINER_') || name === 'AWS_PROFILE') delete env[name];
  }
  env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  env.AWS_SECRET_ACCESS_KEY = 'local-test-secret';
  env.AWS_REGION = 'us-east-1';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}
isolateAwsEnvironment();

/**
 * Runs `node <args>` and resolves with the first value that `parseReady` returns for the
 * child's standard output so far. Rejects with both outputs if the child exits first, or
 * after `timeoutMs` if given. The child joins `children`, if given, as soon as it starts, for
 * the caller's cleanup.
 */
export async function spawnNodeUntilReady<T>(options: {
  args: string[];
  parseReady: (stdout: string) => T | undefined;
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  children?: ChildProcess[];
  timeoutMs?: number;
}): Promise<{ child: ChildProcess; ready: T }> {
  const child = spawn(process.execPath, options.args, {
    env: options.env ?? isolateAwsEnvironment({ ...process.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  options.children?.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = await new Promise<T>((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            reject(
              new Error(
                `${options.args.join(' ')} was not ready after ${options.timeoutMs} ms:\n${stdout}${stderr}`,
              ),
            );
          }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const parsed = options.parseReady(stdout);
      if (parsed === undefined) return;
      clearTimeout(timer);
      resolve(parsed);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.args.join(' ')} exited with ${code}:\n${stdout}${stderr}`));
    });
  });
  return { child, ready };
}

/** A `lambdacraft up` child process and the URLs it printed. */
export interface UpProcess {
  child: ChildProcess;
  /** URL of the AWS endpoint (Lambda, S3 and DynamoDB APIs). */
  endpoint: string;
  /** URL of the HTTP gateway. */
  gateway: string;
}

/**
 * Starts `lambdacraft up <projectDir>` from dist on free ports with its state in `dataDir`, and
 * resolves once it has printed both its AWS endpoint and its HTTP gateway. The options go to
 * `spawnNodeUntilReady`.
 */
export async function startUpProcess(
  projectDir: string,
  dataDir: string,
  options: { env?: NodeJS.ProcessEnv; children?: ChildProcess[]; timeoutMs?: number } = {},
): Promise<UpProcess> {
  const { child, ready } = await spawnNodeUntilReady({
    args: [
      path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs'),
      'up',
      projectDir,
      '--port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
    ],
    parseReady: (stdout) => {
      const endpoint = /AWS endpoint \([^)]*\): (http:\/\/\S+)/.exec(stdout)?.[1];
      const gateway = /HTTP gateway: (http:\/\/\S+)/.exec(stdout)?.[1];
      if (endpoint === undefined || gateway === undefined) return undefined;
      return { endpoint, gateway };
    },
    ...options,
  });
  return { child, ...ready };
}

/** A function spec with its code in test/functions/<folder>. */
export function testFunction(
  folder: string,
  runtime: string,
  handler: string | undefined,
  overrides: Partial<FunctionSpec> = {},
): FunctionSpec {
  return {
    functionName: folder,
    runtime,
    handler,
    codePath: path.join(FUNCTIONS_DIR, folder),
    ...overrides,
  };
}

export interface RunningPlatform {
  platform: Platform;
  endpoint: string;
  lambda: LambdaClient;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a platform with the AWS endpoint on a free port and an SDK client pointed at it. */
export async function startPlatform(
  specs: FunctionSpec[],
  options: Partial<Omit<PlatformOptions, 'dataDir' | 'functions'>> = {},
): Promise<RunningPlatform> {
  return startWith({ functions: specs.map(validateFunctionConfig), ...options });
}

/** Starts a platform for a SAM template, as `lambdacraft up` does, with its AWS endpoint. */
export async function startProject(
  templateFile: string,
  options: Partial<PlatformOptions> = {},
): Promise<RunningPlatform & { template: LoadedTemplate }> {
  const template = loadTemplate(templateFile, { account: DEFAULT_ACCOUNT, parameterOverrides: {} });
  const running = await startWith({
    functions: [...template.functions.values()],
    invalidFunctions: template.invalid,
    functionSettings: template.functionSettings,
    ...options,
  });
  return { ...running, template };
}

async function startWith(options: Omit<PlatformOptions, 'dataDir'>): Promise<RunningPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-test-'));
  const platform = await Platform.start({ dataDir, ...options });
  const endpoint = await platform.listen(0, '127.0.0.1');
  const lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  return {
    platform,
    endpoint,
    lambda,
    dataDir,
    async close() {
      lambda.destroy();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function json(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}

/** Parses a REPORT line into its fields (`Duration` -> `1.23 ms`). */
export function parseReport(log: string): Record<string, string> {
  const line = log.split('\n').find((item) => item.startsWith('REPORT RequestId: '));
  if (line === undefined) throw new Error(`no REPORT line in log:\n${log}`);
  const fields: Record<string, string> = {};
  for (const part of line.split('\t')) {
    const colon = part.indexOf(': ');
    if (colon !== -1) fields[part.slice(0, colon).replace(/^REPORT /, '')] = part.slice(colon + 2);
  }
  return fields;
}

/** Lists the process ids below `pid`, children first, read from /proc. */
export function descendantPids(pid: number): number[] {
  let listed: string;
  try {
    listed = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  const children = listed
    .split(' ')
    .filter((text) => text !== '')
    .map(Number);
  return children.flatMap((child) => [child, ...descendantPids(child)]);
}

/** Returns a process's command line with NUL between the arguments, or '' once it is gone. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Tells whether a process exists and is not a zombie waiting for its parent. */
export function isProcessRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
