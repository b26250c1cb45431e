// The put-to-handler phase: sequential PutItem requests to a table whose stream invokes a
// Python handler with BatchSize 1 and no batching window. The handler records
// time.monotonic_ns() on entry, and the harness records process.hrtime.bigint() when each
// PutItem response has arrived. Both read CLOCK_MONOTONIC on Linux, one clock for every
// process of the machine, so the difference is the latency with no clock offset. The
// platform commits the item and its stream record before it sends the response, so a
// handler can start while the response is still on its way: such a latency is negative.
// The latency from the request's start is positive unless the clocks disagree.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { percentile } from '../stats.js';
import { benchItem, putItem } from './client.js';

/** The table of bench/tables-project/template.yaml whose stream invokes RecordStart. */
export const LATENCY_TABLE = 'bench-latency';

export interface StreamLatency {
  puts: number;
  /** Puts whose handler start was recorded. */
  recorded: number;
  /** From the PutItem response's arrival to the handler's start. */
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** From the start of the PutItem call to the handler's start. */
  fromRequestP50Ms: number;
  fromRequestP99Ms: number;
  fromRequestMinMs: number;
}

/** Unmeasured puts first: the first one starts the function's environment (a cold start). */
const WARMUP_PUTS = 5;
/** Pause after each PutItem response, so that each handler usually starts before the next put. */
const GAP_MS = 30;
/** How long the first put's handler may take to start, a cold start included. */
const FIRST_START_TIMEOUT_MS = 15_000;
/** How long the harness waits for the last handler starts after the last put. */
const LAST_START_TIMEOUT_MS = 10_000;

/**
 * Puts `puts` items one at a time and returns the latency from each PutItem response to the
 * start of the handler that received its stream record. Throws when no handler starts
 * within FIRST_START_TIMEOUT_MS of the first put.
 */
export async function measureStreamLatency(
  client: DynamoDBClient,
  puts: number,
  recordFile: string,
): Promise<StreamLatency> {
  await putItem(client, LATENCY_TABLE, benchItem('warmup-0', 0));
  if (!(await waitForRecords(recordFile, 1, FIRST_START_TIMEOUT_MS))) {
    throw new Error(
      `no handler start was recorded within ${FIRST_START_TIMEOUT_MS} ms of the first put to ${LATENCY_TABLE}`,
    );
  }
  for (let index = 1; index < WARMUP_PUTS; index += 1) {
    await putItem(client, LATENCY_TABLE, benchItem(`warmup-${index}`, index));
    await sleep(GAP_MS);
  }

  const sentAtNs = new Map<string, bigint>();
  const respondedAtNs = new Map<string, bigint>();
  for (let index = 0; index < puts; index += 1) {
    const key = `put-${index}`;
    sentAtNs.set(key, process.hrtime.bigint());
    await putItem(client, LATENCY_TABLE, benchItem(key, index));
    respondedAtNs.set(key, process.hrtime.bigint());
    await sleep(GAP_MS);
  }
  await waitForRecords(recordFile, WARMUP_PUTS + puts, LAST_START_TIMEOUT_MS);

  const latenciesMs: number[] = [];
  const fromRequestMs: number[] = [];
  for (const [key, startedAtNs] of readRecords(recordFile)) {
    const responded = respondedAtNs.get(key);
    const sent = sentAtNs.get(key);
    if (responded === undefined || sent === undefined) continue;
    latenciesMs.push(Number(startedAtNs - responded) / 1e6);
    fromRequestMs.push(Number(startedAtNs - sent) / 1e6);
  }
  return {
    puts,
    recorded: latenciesMs.length,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    minMs: percentile(latenciesMs, 0),
    maxMs: percentile(latenciesMs, 100),
    fromRequestP50Ms: percentile(fromRequestMs, 50),
    fromRequestP99Ms: percentile(fromRequestMs, 99),
    fromRequestMinMs: percentile(fromRequestMs, 0),
  };
}

/**
 * Returns the first recorded start of each key. A failed batch is retried, so a key can
 * appear more than once.
 */
function readRecords(recordFile: string): Map<string, bigint> {
  const starts = new Map<string, bigint>();
  if (!existsSync(recordFile)) return starts;

  for (const line of readFileSync(recordFile, 'utf8').split('\n')) {
    const [nanoseconds, key] = line.trim().split(' ');
    if (nanoseconds === undefined || key === undefined || starts.has(key)) continue;
    starts.set(key, BigInt(nanoseconds));
  }
  return starts;
}

/** Polls every 100 ms until `recordFile` has `count` distinct keys. Returns false on timeout. */
async function waitForRecords(
  recordFile: string,
  count: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readRecords(recordFile).size >= count) return true;
    await sleep(100);
  }
  return readRecords(recordFile).size >= count;
}
