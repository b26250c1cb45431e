// The upload-to-handler phase: sequential PutObject requests to a bucket whose object
// creations invoke a Python handler, which records time.time() on entry. The latency runs
// from the return of each PutObject call to the handler's start, on the same clock.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { S3Client } from '@aws-sdk/client-s3';

import { percentile } from '../stats.js';
import { ensureBucket, putSmallObject } from './client.js';

/** The bucket of bench/objects-project/template.yaml whose uploads invoke RecordUpload. */
export const UPLOADS_BUCKET = 'bench-uploads';

export interface NotificationResult {
  /** The reason the phase did not run, or undefined when it ran. */
  skipped: string | undefined;
  uploads: number;
  /** Uploads whose handler start was recorded. */
  recorded: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export interface NotificationOptions {
  client: S3Client;
  /** Measured uploads (BENCH_OBJECTS_UPLOADS). */
  uploads: number;
  /** The file RecordUpload appends `<time.time()> <key>` lines to. */
  recordFile: string;
  /** Text `lambdacraft up` printed on stdout, which lists the event sources it does not run. */
  upOutput: string;
}

/** Unmeasured uploads first: the first one starts the function's environment (a cold start). */
const WARMUP_UPLOADS = 5;
/** Pause after each PutObject response, so that each handler usually starts before the next PUT. */
const GAP_MS = 50;
/** How long the first upload's handler may take to start, a cold start included. */
const FIRST_START_TIMEOUT_MS = 15_000;
/** How long the harness waits for the last handler starts after the last upload. */
const LAST_START_TIMEOUT_MS = 10_000;
const BODY = Buffer.alloc(1024, 0x62);

/**
 * Runs the phase when the platform invokes functions for S3 events. When `lambdacraft up`
 * lists the S3 event as not run, or no handler starts after the first upload, it returns a
 * result with `skipped` set and no figures.
 */
export async function measureUploadToHandler(
  options: NotificationOptions,
): Promise<NotificationResult> {
  const notRun = options.upOutput
    .split('\n')
    .find((line) => line.includes('not run yet') && line.includes('(S3)'));
  if (notRun !== undefined) {
    return skipped(options.uploads, `lambdacraft up does not run S3 events: ${notRun.trim()}`);
  }

  const { client, recordFile } = options;
  await ensureBucket(client, UPLOADS_BUCKET);
  await putSmallObject(client, UPLOADS_BUCKET, 'warmup-0', BODY);
  if (!(await waitForRecords(recordFile, 1, FIRST_START_TIMEOUT_MS))) {
    return skipped(
      options.uploads,
      `no handler start was recorded within ${FIRST_START_TIMEOUT_MS} ms of the first upload to ${UPLOADS_BUCKET}`,
    );
  }
  for (let index = 1; index < WARMUP_UPLOADS; index += 1) {
    await putSmallObject(client, UPLOADS_BUCKET, `warmup-${index}`, BODY);
    await sleep(GAP_MS);
  }

  const responseAtMs = new Map<string, number>();
  for (let index = 0; index < options.uploads; index += 1) {
    const key = `upload-${index}`;
    await putSmallObject(client, UPLOADS_BUCKET, key, BODY);
    responseAtMs.set(key, performance.timeOrigin + performance.now());
    await sleep(GAP_MS);
  }
  await waitForRecords(recordFile, WARMUP_UPLOADS + options.uploads, LAST_START_TIMEOUT_MS);

  const latenciesMs: number[] = [];
  for (const [key, startedAtMs] of readRecords(recordFile)) {
    const respondedAtMs = responseAtMs.get(key);
    if (respondedAtMs !== undefined) latenciesMs.push(startedAtMs - respondedAtMs);
  }
  return {
    skipped: undefined,
    uploads: options.uploads,
    recorded: latenciesMs.length,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    minMs: percentile(latenciesMs, 0),
    maxMs: percentile(latenciesMs, 100),
  };
}

function skipped(uploads: number, reason: string): NotificationResult {
  return {
    skipped: reason,
    uploads,
    recorded: 0,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    minMs: Number.NaN,
    maxMs: Number.NaN,
  };
}

/**
 * Returns the first recorded start of each key in epoch milliseconds. An asynchronous
 * invocation may be retried, so a key can appear more than once.
 */
function readRecords(recordFile: string): Map<string, number> {
  const starts = new Map<string, number>();
  if (!existsSync(recordFile)) return starts;

  for (const line of readFileSync(recordFile, 'utf8').split('\n')) {
    const [seconds, key] = line.trim().split(' ');
    if (seconds === undefined || key === undefined || starts.has(key)) continue;
    starts.set(key, Number(seconds) * 1000);
  }
  return starts;
}

/** Polls every 100 ms until `recordFile` has `count` distinct keys. Returns false on timeout. */
async function waitForRecords(recordFile: string, count: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readRecords(recordFile).size >= count) return true;
    await sleep(100);
  }
  return readRecords(recordFile).size >= count;
}
