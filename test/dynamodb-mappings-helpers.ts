import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  LambdaClient,
  type CreateEventSourceMappingCommandInput,
  type LambdaServiceException,
} from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import type { FunctionConfig } from '../src/functions/function-config.js';
import { Platform } from '../src/platform.js';
import { CLIENT_OPTIONS, spawnNodeUntilReady } from './helpers.js';

/** SDK client options for a platform on 127.0.0.1, without the endpoint. */

/** One line the python-stream-recorder function wrote. */
export interface RecordedBatch {
  sequences: string[];
  keys: string[];
  versions: number[];
  eventSourceARN: string;
}

export interface RecordedFailure {
  failure: {
    requestContext: Record<string, unknown>;
    responseContext?: Record<string, unknown>;
    DDBStreamBatchInfo: Record<string, unknown>;
    version: string;
    timestamp: string;
  };
}

/** Creates a table keyed by `pk` with a NEW_AND_OLD_IMAGES stream; returns the stream ARN. */
export async function createStreamTable(client: DynamoDBClient, tableName: string) {
  const output = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const streamArn = output.TableDescription?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`table ${tableName} has no stream`);
  return streamArn;
}

/** Puts `{pk, version, ...extra}`. */
export async function putItem(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  version: number,
  extra: Record<string, AttributeValue> = {},
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: pk }, version: { N: String(version) }, ...extra },
    }),
  );
}

/** Reads the lines a recorder function wrote so far. */
export function readRecorded(file: string): (RecordedBatch | RecordedFailure)[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedBatch | RecordedFailure);
}

export function batchesIn(file: string): RecordedBatch[] {
  return readRecorded(file).filter((entry): entry is RecordedBatch => 'sequences' in entry);
}

export function failuresIn(file: string): RecordedFailure[] {
  return readRecorded(file).filter((entry): entry is RecordedFailure => 'failure' in entry);
}

/** Polls until `check` returns true; throws, naming `description`, after `timeoutMs`. */
export async function waitUntil(
  description: string,
  check: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(50);
  }
}

/** An in-process platform for stream mapping tests, with its clients and temporary folders. */
export interface MappingsPlatform {
  platform: Platform;
  lambda: LambdaClient;
  dynamodb: DynamoDBClient;
  /** Returns the file that the function `functionName` records its batches in. */
  recordFile: (functionName: string) => string;
  /** Destroys the clients, closes the platform and removes both folders. */
  close: () => Promise<void>;
}

/**
 * Starts a platform on 127.0.0.1 with the functions that `functionsOf` builds around their
 * record files. The data folder is `<tmpdir>/<prefix>-*` and the records folder
 * `/var/tmp/<prefix>-records-*`.
 */
export async function startMappingsPlatform(options: {
  prefix: string;
  functionsOf: (recordFile: (functionName: string) => string) => FunctionConfig[];
  spares?: boolean;
}): Promise<MappingsPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${options.prefix}-`));
  // Environments get a private /tmp when the platform runs as root, so the handlers
  // write their records under /var/tmp, which they share with the test.
  const recordsDir = mkdtempSync(`/var/tmp/${options.prefix}-records-`);
  const recordFile = (functionName: string) => path.join(recordsDir, `${functionName}.jsonl`);
  const platform = await Platform.start({
    dataDir,
    functions: options.functionsOf(recordFile),
    spares: options.spares ?? true,
  });
  const endpoint = await platform.listen(0, '127.0.0.1');
  const lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  const dynamodb = new DynamoDBClient({ endpoint, ...CLIENT_OPTIONS });
  return {
    platform,
    lambda,
    dynamodb,
    recordFile,
    close: async () => {
      lambda.destroy();
      dynamodb.destroy();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(recordsDir, { recursive: true, force: true });
    },
  };
}

/** Returns the error CreateEventSourceMapping raises for `input`, and fails if the call succeeds. */
export async function createMappingRejection(
  lambda: LambdaClient,
  input: Partial<CreateEventSourceMappingCommandInput>,
): Promise<LambdaServiceException> {
  const error = await lambda
    .send(new CreateEventSourceMappingCommand(input as CreateEventSourceMappingCommandInput))
    .then(
      () => undefined,
      (caught: unknown) => caught as LambdaServiceException,
    );
  assert.ok(error, `expected ${JSON.stringify(input)} to be rejected`);
  return error;
}

/** Counts the records delivered in all batches. */
export function deliveredCount(batches: RecordedBatch[]): number {
  return batches.reduce((total, batch) => total + batch.sequences.length, 0);
}

/**
 * Starts `dynamodb-mappings-process.js` with its data folder and record file in a process
 * group of its own, so that its functions die with it, and resolves with the child and the
 * endpoint it prints. The child joins `children` at once, for the caller's cleanup.
 */
export async function startPlatformProcess(
  dataDir: string,
  recordFile: string,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; endpoint: string }> {
  const { child, ready } = await spawnNodeUntilReady({
    args: [
      path.join(PACKAGE_ROOT, 'dist', 'test', 'dynamodb-mappings-process.js'),
      dataDir,
      recordFile,
    ],
    // The endpoint is the first line the process prints.
    parseReady: (stdout) => (stdout.includes('\n') ? stdout.split('\n')[0] : undefined),
    detached: true,
    children,
  });
  return { child, endpoint: ready };
}

/** Kills the process group of a child started by `startPlatformProcess`, if it still runs. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
