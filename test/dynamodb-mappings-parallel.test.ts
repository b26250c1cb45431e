import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaServiceException,
} from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { validateFunctionConfig } from '../src/functions/function-config.js';
import { laneOf } from '../src/invoke/event-sources/shard-lanes.js';
import { DEFAULT_ACCOUNT } from '../src/platform.js';
import { loadTemplate } from '../src/template/load.js';
import {
  batchesIn,
  createStreamTable,
  putItem,
  waitUntil,
  type RecordedBatch,
  killGroup,
  startPlatformProcess,
  createMappingRejection,
  startMappingsPlatform,
  type MappingsPlatform,
} from './dynamodb-mappings-helpers.js';
import { CLIENT_OPTIONS, testFunction } from './helpers.js';

/** One line the python-stream-timing function wrote; times in epoch seconds. */
interface TimedBatch {
  sequences: string[];
  keys: string[];
  versions: number[];
  started: number;
  ended: number;
}

/** Returns `count` item keys (`pk` values) that fall into distinct lanes of `laneCount`. */
function keysInDistinctLanes(prefix: string, laneCount: number, count: number): string[] {
  const keys: string[] = [];
  const lanes = new Set<number>();
  for (let index = 0; keys.length < count; index += 1) {
    const key = `${prefix}-${index}`;
    const lane = laneOf({ pk: { S: key } }, laneCount);
    if (lanes.has(lane)) continue;
    lanes.add(lane);
    keys.push(key);
  }
  return keys;
}

function timedBatches(file: string): TimedBatch[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TimedBatch);
}

function overlaps(a: TimedBatch, b: TimedBatch): boolean {
  return a.started < b.ended && b.started < a.ended;
}

function recordCount(batches: { keys: string[] }[]): number {
  return batches.reduce((total, batch) => total + batch.keys.length, 0);
}

describe('ParallelizationFactor of stream mappings', () => {
  let suite: MappingsPlatform;
  let lambda: LambdaClient;
  let dynamodb: DynamoDBClient;
  let recordFile: MappingsPlatform['recordFile'];

  before(async () => {
    suite = await startMappingsPlatform({
      prefix: 'lambdacraft-mappings-parallel',
      functionsOf: (recordFileOf) =>
        ['esm-parallel', 'esm-serial', 'esm-factor-api'].map((functionName) =>
          validateFunctionConfig(
            testFunction('python-stream-timing', 'python3.11', 'app.handler', {
              functionName,
              environment: { RECORD_FILE: recordFileOf(functionName), SLEEP_SECONDS: '0.4' },
            }),
          ),
        ),
      spares: false,
    });
    ({ lambda, dynamodb, recordFile } = suite);
  });

  after(() => suite.close());

  const rejection = (input: Partial<CreateEventSourceMappingCommandInput>) =>
    createMappingRejection(lambda, input);

  it('API stores and validates the factor', async () => {
    const streamArn = await createStreamTable(dynamodb, 'factor-api-table');
    const base = {
      EventSourceArn: streamArn,
      FunctionName: 'esm-factor-api',
      StartingPosition: 'LATEST' as const,
    };
    const tooHigh = await rejection({ ...base, ParallelizationFactor: 11 });
    assert.equal(tooHigh.name, 'ValidationException');
    assert.equal(
      tooHigh.message,
      "1 validation error detected: Value '11' at 'parallelizationFactor' failed to satisfy constraint: Member must have value less than or equal to 10",
    );
    const tooLow = await rejection({ ...base, ParallelizationFactor: 0 });
    assert.equal(tooLow.name, 'ValidationException');
    assert.equal(
      tooLow.message,
      "1 validation error detected: Value '0' at 'parallelizationFactor' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );

    const created = await lambda.send(
      new CreateEventSourceMappingCommand({ ...base, ParallelizationFactor: 4 }),
    );
    assert.equal(created.ParallelizationFactor, 4);
    const fetched = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(fetched.ParallelizationFactor, 4);
    const listed = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn }),
    );
    assert.equal(listed.EventSourceMappings?.[0]?.ParallelizationFactor, 4);

    const updated = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: created.UUID, ParallelizationFactor: 10 }),
    );
    assert.equal(updated.ParallelizationFactor, 10);
    const rejected = await lambda
      .send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, ParallelizationFactor: 11 }))
      .then(
        () => undefined,
        (caught: unknown) => caught as LambdaServiceException,
      );
    assert.equal(rejected?.name, 'ValidationException');
    const unchanged = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(unchanged.ParallelizationFactor, 10);
  });

  it('template reads ParallelizationFactor', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-parallel-template-'));
    const event = (factor: number) => ({
      Type: 'DynamoDB',
      Properties: {
        Stream: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: factor,
      },
    });
    const template = {
      Transform: 'AWS::Serverless-2016-10-31',
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 'lanes',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            StreamSpecification: { StreamViewType: 'KEYS_ONLY' },
          },
        },
        Consumer: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            FunctionName: 'consumer',
            CodeUri: path.join(PACKAGE_ROOT, 'test', 'functions', 'python-stream-timing'),
            Handler: 'app.handler',
            Runtime: 'python3.11',
            Events: { Fast: event(4), Invalid: event(11) },
          },
        },
      },
    };
    const file = path.join(folder, 'template.json');
    writeFileSync(file, JSON.stringify(template));
    try {
      const loaded = loadTemplate(file, { account: DEFAULT_ACCOUNT, parameterOverrides: {} });
      const { mappings, errors } = loaded.dynamodbEvents;
      assert.equal(mappings.length, 1);
      assert.equal(mappings[0]?.eventId, 'Fast');
      assert.equal(mappings[0]?.settings.parallelizationFactor, 4);
      assert.equal(errors.length, 1);
      assert.match(errors[0] ?? '', /event 'Invalid'.*ParallelizationFactor 11 is invalid/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('factor 4 overlaps batches of different keys', async () => {
    const streamArn = await createStreamTable(dynamodb, 'parallel-table');
    const keys = keysInDistinctLanes('item', 4, 4);
    const versions = 3;
    for (let version = 1; version <= versions; version += 1) {
      for (const key of keys) await putItem(dynamodb, 'parallel-table', key, version);
    }
    await lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: 'esm-parallel',
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1,
        ParallelizationFactor: 4,
      }),
    );

    const file = recordFile('esm-parallel');
    const total = keys.length * versions;
    await waitUntil('every record', () => recordCount(timedBatches(file)) === total, 60_000);
    const batches = timedBatches(file);
    const overlapping = batches.some((a, i) =>
      batches.some((b, j) => i !== j && a.keys[0] !== b.keys[0] && overlaps(a, b)),
    );
    assert.ok(overlapping, 'batches of different keys ran at the same time');
    for (const key of keys) {
      const ofKey = batches
        .filter((batch) => batch.keys.includes(key))
        .sort((a, b) => a.started - b.started);
      ofKey.forEach((a, i) => {
        for (const b of ofKey.slice(i + 1)) {
          assert.ok(!overlaps(a, b), `two batches of ${key} ran at the same time`);
        }
      });
      assert.deepEqual(
        ofKey.flatMap((batch) => batch.versions),
        [1, 2, 3],
        `versions of ${key} in order`,
      );
    }
  });

  it('factor 1 runs one batch at a time', async () => {
    const streamArn = await createStreamTable(dynamodb, 'serial-table');
    const keys = keysInDistinctLanes('item', 4, 4);
    for (const key of keys) await putItem(dynamodb, 'serial-table', key, 1);
    await lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: 'esm-serial',
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1,
      }),
    );

    const file = recordFile('esm-serial');
    await waitUntil('every record', () => recordCount(timedBatches(file)) === keys.length, 60_000);
    const batches = timedBatches(file);
    batches.forEach((a, i) => {
      for (const b of batches.slice(i + 1)) {
        assert.ok(!overlaps(a, b), `${a.keys[0]} and ${b.keys[0]} ran at the same time`);
      }
    });
    assert.deepEqual(
      batches.map((batch) => batch.keys[0]),
      keys,
    );
  });
});

describe('ParallelizationFactor across a kill -9', () => {
  let dataDir: string;
  let recordsDir: string;
  const children: ChildProcess[] = [];

  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-mappings-parallel-crash-'));
    recordsDir = mkdtempSync('/var/tmp/lambdacraft-mappings-parallel-crash-records-');
  });

  after(() => {
    for (const child of children) killGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(recordsDir, { recursive: true, force: true });
  });

  it('failing lane holds the checkpoint back', async () => {
    const recordFile = path.join(recordsDir, 'batches.jsonl');
    const [bad, ...good] = keysInDistinctLanes('crash', 4, 4) as [string, ...string[]];
    const first = await startPlatformProcess(dataDir, recordFile, children);
    const lambda = new LambdaClient({ endpoint: first.endpoint, ...CLIENT_OPTIONS });
    const dynamodb = new DynamoDBClient({ endpoint: first.endpoint, ...CLIENT_OPTIONS });
    const streamArn = await createStreamTable(dynamodb, 'lanes-table');
    // Version 1 of the good keys, then the item that always fails, then versions 2 and 3.
    for (const key of good) await putItem(dynamodb, 'lanes-table', key, 1);
    await putItem(dynamodb, 'lanes-table', bad, 1, { fail: { S: 'always' } });
    for (let version = 2; version <= 3; version += 1) {
      for (const key of good) await putItem(dynamodb, 'lanes-table', key, version);
    }
    await lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: streamArn,
        FunctionName: 'recorder',
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: 4,
      }),
    );

    const goodPairs = (batches: RecordedBatch[]) =>
      pairsOf(batches).filter((pair) => !pair.startsWith(`${bad}:`));
    await waitUntil('every good record', () => goodPairs(batchesIn(recordFile)).length === 9);
    // Each recorded batch takes 0.2 s after its line is written; let the last ones finish.
    await sleep(1000);
    assert.ok(pairsOf(batchesIn(recordFile)).includes(`${bad}:1`), 'the failing item ran');
    killGroup(first.child);
    await once(first.child, 'exit');
    lambda.destroy();
    dynamodb.destroy();
    const beforeKill = batchesIn(recordFile).length;

    // The checkpoint stays before the failing item, so the records after it come again.
    const second = await startPlatformProcess(dataDir, recordFile, children);
    const redelivered = () => batchesIn(recordFile).slice(beforeKill);
    const expected = good.flatMap((key) => [`${key}:2`, `${key}:3`]).sort();
    await waitUntil(
      'the records after the failing item',
      () => {
        const pairs = new Set(goodPairs(redelivered()));
        return expected.every((pair) => pairs.has(pair));
      },
      60_000,
    );
    killGroup(second.child);
    await once(second.child, 'exit');

    const again = pairsOf(redelivered());
    assert.ok(again.includes(`${bad}:1`), 'the failing item is retried');
    for (const key of good) {
      assert.ok(!again.includes(`${key}:1`), `${key}:1 came before the checkpoint`);
    }
    assert.deepEqual([...new Set(goodPairs(redelivered()))].sort(), expected);
  });
});

/** Lists the `<key>:<version>` pairs of the batches, in delivery order. */
function pairsOf(batches: RecordedBatch[]): string[] {
  return batches.flatMap((batch) =>
    batch.keys.map((key, index) => `${key}:${batch.versions[index] ?? 0}`),
  );
}

/** Kills the platform process and the function processes it started. */
