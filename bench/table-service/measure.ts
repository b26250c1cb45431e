// The table service benchmark (`BENCH_TARGETS=tables`). Through the AWS SDK against
// `lambdacraft up`, it measures PutItem and GetItem rates, a Query over 100,000 items of one
// partition and the put-to-handler latency of a table stream. SQLite's own insert and select
// rates on the same disk are the floor. Each round starts the platform on an empty data
// folder and stops it.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import type { TablesConfig } from '../config.js';
import { runPhase, type PhaseResult } from '../objects/operations.js';
import { BENCH_SOURCE_DIR } from '../paths.js';
import { upCommand } from '../project.js';
import { RunningTarget, type StopReport, type TargetDefinition } from '../targets.js';
import {
  BATCH_WRITE_ITEMS,
  batchWrite,
  benchDynamoDBClient,
  benchItem,
  getItem,
  type Item,
  paddedIndex,
  putItem,
  queryPage,
} from './client.js';
import { measureSqliteFloor, type FloorFigure } from './sqlite-floor.js';
import { measureStreamLatency, type StreamLatency } from './stream-latency.js';

/** The concurrency of the concurrent phases; the client keeps this many keep-alive sockets. */
export const CONCURRENCY = 16;
const STREAMED_TABLE = 'bench-items';
const PLAIN_TABLE = 'bench-plain';
const STREAM_ONLY_TABLE = 'bench-stream-only';
const QUERY_TABLE = 'bench-query';
const QUERY_PARTITION = 'partition';
/** Items per page of the middle Query. */
export const MIDDLE_QUERY_LIMIT = 100;
/**
 * Unmeasured PutItem and GetItem requests before the first phase, so that V8 has compiled
 * the hot code of the client and the platform.
 */
const WARMUP_REQUESTS = 500;
/** Pause after the platform listens, so that its start-up work is done. */
const START_SETTLE_MS = 1_000;

/** Paging through the whole partition with Query, 1 MB per page. */
export interface PageThrough {
  items: number;
  pages: number;
  seconds: number;
  itemsPerSecond: number;
}

export interface TablesRound {
  round: number;
  /** 1-minute load average when the round started. */
  loadAverage: number;
  /** PutItem and GetItem phases, sequential and concurrent. */
  requests: PhaseResult[];
  /** BatchWriteItem of the Query partition: one operation per batch of 25 items. */
  load: PhaseResult | undefined;
  /** UnprocessedItems that had to be sent again during the load. */
  loadResends: number;
  pageThrough: PageThrough | undefined;
  /** Sequential Query requests with Limit 100 from the middle of the partition. */
  middleQuery: PhaseResult | undefined;
  stream: StreamLatency | undefined;
  floor: FloorFigure[];
  platformStop: StopReport | undefined;
  /** Phases that failed as a whole, with the error. */
  failures: string[];
}

export interface TablesResult {
  settings: TablesConfig;
  rounds: TablesRound[];
}

interface TablesSetup {
  config: TablesConfig;
  rounds: number;
  platformMain: string;
  workDir: string;
  logDir: string;
  progress: (text: string) => void;
}

/** Runs `rounds` rounds, each on a fresh platform, followed by the SQLite floor. */
export async function measureTables(setup: TablesSetup): Promise<TablesResult> {
  const projectDir = path.join(setup.workDir, 'tables-project');
  cpSync(path.join(BENCH_SOURCE_DIR, 'tables-project'), projectDir, { recursive: true });
  const rounds: TablesRound[] = [];
  for (let round = 1; round <= setup.rounds; round += 1) {
    rounds.push(await measureRound(setup, projectDir, round));
  }
  return { settings: setup.config, rounds };
}

async function measureRound(
  setup: TablesSetup,
  projectDir: string,
  round: number,
): Promise<TablesRound> {
  const { config, progress } = setup;
  const where = `tables round ${round}/${setup.rounds}`;
  const result: TablesRound = {
    round,
    loadAverage: Math.round((os.loadavg()[0] ?? Number.NaN) * 100) / 100,
    requests: [],
    load: undefined,
    loadResends: 0,
    pageThrough: undefined,
    middleQuery: undefined,
    stream: undefined,
    floor: [],
    platformStop: undefined,
    failures: [],
  };
  const dataDir = path.join(setup.workDir, `data-tables-round${round}`);
  mkdirSync(dataDir, { recursive: true });
  const recordFile = path.join(setup.workDir, `tables-stream-starts-round${round}.txt`);
  const definition = platformDefinition(setup.platformMain, projectDir, recordFile);
  const logPrefix = path.join(setup.logDir, `tables-platform-round${round}`);

  progress(`${where}: starting lambdacraft up`);
  const platform = await attempt(result, () => RunningTarget.start(definition, logPrefix, dataDir));
  if (platform !== undefined) {
    const client = benchDynamoDBClient(`http://127.0.0.1:${platform.port}`, CONCURRENCY);
    try {
      await sleep(START_SETTLE_MS);
      progress(`${where}: PutItem and GetItem`);
      await attempt(result, () => measureRequests(client, platform.pid, config, result));

      progress(`${where}: put-to-handler latency, ${config.streamPuts} puts`);
      result.stream = await attempt(result, () =>
        measureStreamLatency(client, config.streamPuts, recordFile),
      );

      progress(`${where}: BatchWriteItem of ${config.queryItems} items, then Query`);
      await attempt(result, () => measureQuery(client, platform.pid, config, result));
    } finally {
      client.destroy();
      result.platformStop = await platform.stop([]);
    }
  }

  progress(`${where}: SQLite floor`);
  await attempt(result, () => {
    result.floor = measureSqliteFloor(path.join(dataDir, 'floor'), {
      rowInserts: config.floorRows,
      batchedRows: config.queryItems,
      batchRows: BATCH_WRITE_ITEMS,
    });
    return Promise.resolve();
  });
  rmSync(dataDir, { recursive: true, force: true });
  return result;
}

function platformDefinition(
  platformMain: string,
  projectDir: string,
  recordFile: string,
): TargetDefinition {
  return {
    id: 'tables',
    label: 'LambdaCraft table service',
    functionName: 'RecordStart',
    command: (port, dataDir) =>
      upCommand({
        platformMain,
        projectDir,
        port,
        httpPort: 0,
        dataDir,
        extraArgs: ['--parameter-overrides', `RecordFile=${recordFile}`],
      }),
  };
}

/**
 * Sequentially, then at CONCURRENCY: PutItem of fresh keys to the table whose stream invokes
 * a function, GetItem of the same keys, then PutItem to a table whose stream nothing reads
 * and to a table without a stream. The last two split the cost of the first PutItem.
 */
async function measureRequests(
  client: DynamoDBClient,
  pid: number,
  config: TablesConfig,
  result: TablesRound,
): Promise<void> {
  const warmupItem = (index: number) => benchItem(`warmup-${paddedIndex(index)}`, index);
  await runPhase('warm-up', WARMUP_REQUESTS, CONCURRENCY, (index) =>
    putItem(client, PLAIN_TABLE, warmupItem(index)),
  );
  await runPhase('warm-up', WARMUP_REQUESTS, CONCURRENCY, (index) =>
    getItem(client, PLAIN_TABLE, warmupItem(index)),
  );

  const phases = [
    { concurrency: 1, count: config.sequentialRequests },
    { concurrency: CONCURRENCY, count: config.concurrentRequests },
  ];
  for (const { concurrency, count } of phases) {
    const item = (index: number) => benchItem(`c${concurrency}-${paddedIndex(index)}`, index);
    result.requests.push(
      await runPhase(
        'PutItem, stream read by a function',
        count,
        concurrency,
        (index) => putItem(client, STREAMED_TABLE, item(index)),
        pid,
      ),
      await runPhase(
        'GetItem, ConsistentRead',
        count,
        concurrency,
        (index) => getItem(client, STREAMED_TABLE, item(index)),
        pid,
      ),
      await runPhase(
        'PutItem, stream read by nothing',
        count,
        concurrency,
        (index) => putItem(client, STREAM_ONLY_TABLE, item(index)),
        pid,
      ),
      await runPhase(
        'PutItem, table without stream',
        count,
        concurrency,
        (index) => putItem(client, PLAIN_TABLE, item(index)),
        pid,
      ),
    );
  }
}

/**
 * Loads the Query partition with BatchWriteItem at CONCURRENCY, pages through it, then runs
 * Limit 100 queries that start at varying sort keys in its middle.
 */
async function measureQuery(
  client: DynamoDBClient,
  pid: number,
  config: TablesConfig,
  result: TablesRound,
): Promise<void> {
  const items = config.queryItems;
  const sortKey = (index: number) => `sk-${paddedIndex(index)}`;
  const batches = Math.ceil(items / BATCH_WRITE_ITEMS);
  result.load = await runPhase(
    `BatchWriteItem, ${BATCH_WRITE_ITEMS} items per request`,
    batches,
    CONCURRENCY,
    async (batch) => {
      const first = batch * BATCH_WRITE_ITEMS;
      const last = Math.min(items, first + BATCH_WRITE_ITEMS);
      const batchItems = [];
      for (let index = first; index < last; index += 1) {
        batchItems.push(benchItem(QUERY_PARTITION, index, sortKey(index)));
      }
      result.loadResends += await batchWrite(client, QUERY_TABLE, batchItems);
    },
    pid,
  );
  if (result.load.errors > 0) {
    throw new Error(`the load failed for ${result.load.errors} batches; Query was not measured`);
  }

  result.pageThrough = await pageThrough(client, items, sortKey);

  // Start keys spread over the middle fifth of the partition, in a fixed order.
  const middleStart = Math.floor(items * 0.4);
  const middleSpan = Math.max(1, Math.floor(items * 0.2));
  result.middleQuery = await runPhase(
    `Query, sk > :after, Limit ${MIDDLE_QUERY_LIMIT}`,
    config.middleQueries,
    1,
    async (index) => {
      const start = middleStart + ((index * 7919) % middleSpan);
      const page = await queryPage(client, QUERY_TABLE, QUERY_PARTITION, {
        after: sortKey(start),
        limit: MIDDLE_QUERY_LIMIT,
      });
      const expected = Math.min(MIDDLE_QUERY_LIMIT, items - start - 1);
      if (page.sortKeys.length !== expected) {
        throw new Error(
          `Query after ${sortKey(start)} returned ${page.sortKeys.length} items, expected ${expected}`,
        );
      }
      if (
        page.sortKeys[0] !== sortKey(start + 1) ||
        page.sortKeys.at(-1) !== sortKey(start + expected)
      ) {
        throw new Error(
          `Query after ${sortKey(start)} returned ${page.sortKeys[0]} to ${page.sortKeys.at(-1)}, expected ${sortKey(start + 1)} to ${sortKey(start + expected)}`,
        );
      }
    },
    pid,
  );
}

/** Reads the whole partition page by page and checks that every sort key came once, in order. */
async function pageThrough(
  client: DynamoDBClient,
  items: number,
  sortKey: (index: number) => string,
): Promise<PageThrough> {
  let pages = 0;
  let read = 0;
  let exclusiveStartKey: Item | undefined;
  const started = process.hrtime.bigint();
  do {
    const page = await queryPage(client, QUERY_TABLE, QUERY_PARTITION, {
      exclusiveStartKey,
    });
    for (const key of page.sortKeys) {
      if (key !== sortKey(read)) {
        throw new Error(`paging returned ${key} at position ${read}, not ${sortKey(read)}`);
      }
      read += 1;
    }
    pages += 1;
    exclusiveStartKey = page.lastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (read !== items) throw new Error(`paging read ${read} items, not ${items}`);
  return { items: read, pages, seconds, itemsPerSecond: read / seconds };
}

async function attempt<T>(result: TablesRound, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    result.failures.push(String(error));
    return undefined;
  }
}
