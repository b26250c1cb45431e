import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  CreateTableCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { isolateAwsEnvironment } from './helpers.js';

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
  const child = spawn(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'dist', 'test', 'dynamodb-mappings-process.js'), dataDir, recordFile],
    {
      env: isolateAwsEnvironment({ ...process.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) resolve(line);
    });
    child.once('exit', (code) => {
      reject(new Error(`platform process exited with ${code}: ${stderr}`));
    });
  });
  return { child, endpoint };
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
