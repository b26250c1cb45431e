import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';

import {
  batchesIn,
  createStreamTable,
  killGroup,
  putItem,
  startPlatformProcess,
  waitUntil,
} from './dynamodb-mappings-helpers.js';
import { CLIENT_OPTIONS } from './helpers.js';

const KEYS = ['a', 'b', 'c', 'd'];
const VERSIONS = 10;

describe('stream mappings across a kill -9', () => {
  let dataDir: string;
  let recordsDir: string;
  const children: ChildProcess[] = [];

  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-mappings-crash-'));
    // Environments get a private /tmp when the platform runs as root, so the function
    // writes its records under /var/tmp, which it shares with the test.
    recordsDir = mkdtempSync('/var/tmp/lambdacraft-mappings-crash-records-');
  });

  after(() => {
    for (const child of children) killGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(recordsDir, { recursive: true, force: true });
  });

  it('delivers every record in order per key after a restart', async (t) => {
    const recordFile = path.join(recordsDir, 'batches.jsonl');
    const first = await startPlatformProcess(
      dataDir,
      path.join(recordsDir, 'batches.jsonl'),
      children,
    );
    const clients = sdkClients(first.endpoint);
    const streamArn = await createStreamTable(clients.dynamodb, 'crash-table');
    await clients.lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: 'recorder',
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 3,
      }),
    );
    for (let version = 1; version <= VERSIONS; version += 1) {
      for (const key of KEYS) await putItem(clients.dynamodb, 'crash-table', key, version);
    }

    // Each batch is written when it starts and takes 0.2 s, so the third one is in flight.
    await waitUntil('three batches', () => batchesIn(recordFile).length >= 3);
    killGroup(first.child);
    await once(first.child, 'exit');
    clients.lambda.destroy();
    clients.dynamodb.destroy();
    const beforeKill = batchesIn(recordFile).length;

    const second = await startPlatformProcess(
      dataDir,
      path.join(recordsDir, 'batches.jsonl'),
      children,
    );
    await waitUntil(
      'every record',
      () => deliveredPairs(recordFile).size === KEYS.length * VERSIONS,
      120_000,
    );
    killGroup(second.child);
    await once(second.child, 'exit');

    const batches = batchesIn(recordFile);
    const delivered = batches.reduce((total, batch) => total + batch.keys.length, 0);
    t.diagnostic(
      `batches before the kill: ${beforeKill}; duplicates (at-least-once): ${delivered - KEYS.length * VERSIONS}`,
    );
    for (const key of KEYS) {
      const firstSeen: number[] = [];
      for (const batch of batches) {
        batch.keys.forEach((batchKey, index) => {
          const version = batch.versions[index] ?? 0;
          if (batchKey === key && !firstSeen.includes(version)) firstSeen.push(version);
        });
      }
      assert.deepEqual(
        firstSeen,
        Array.from({ length: VERSIONS }, (_, index) => index + 1),
        `first deliveries of key ${key} in order`,
      );
    }
  });
});

/** Collects the `<key>:<version>` pairs delivered so far. */
function deliveredPairs(file: string): Set<string> {
  const pairs = new Set<string>();
  for (const batch of batchesIn(file)) {
    batch.keys.forEach((key, index) => pairs.add(`${key}:${batch.versions[index] ?? 0}`));
  }
  return pairs;
}

/** Kills the platform process and the function processes it started. */
function sdkClients(endpoint: string): { lambda: LambdaClient; dynamodb: DynamoDBClient } {
  const options = { endpoint, ...CLIENT_OPTIONS };
  return { lambda: new LambdaClient(options), dynamodb: new DynamoDBClient(options) };
}
