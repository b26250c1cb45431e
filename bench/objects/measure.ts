// The object store benchmark (`BENCH_TARGETS=objects`): small PutObject and GetObject rates,
// large-object throughput and the upload-to-handler latency of `lambdacraft up`, next to a
// bare HTTP server and the file system in the same run. It runs once, after the rounds.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { S3Client } from '@aws-sdk/client-s3';

import type { ObjectsConfig } from '../config.js';
import { BENCH_DIST_DIR, BENCH_SOURCE_DIR } from '../paths.js';
import { upCommand } from '../project.js';
import { RunningTarget, type StopReport, type TargetDefinition } from '../targets.js';
import { benchS3Client, ensureBucket, getSmallObject, putSmallObject, rawPut } from './client.js';
import { measureLargeFile, SmallFileFloor, type LargeFileFloor } from './file-floor.js';
import {
  download,
  multipartUpload,
  readRootRssKb,
  streamedPut,
  timeTransfer,
  type Transfer,
  type TransferDirection,
} from './large-object.js';
import { measureUploadToHandler, type NotificationResult } from './notifications.js';
import { runPhase, type PhaseResult } from './operations.js';

export const SMALL_OBJECT_BYTES = 4096;
/** The concurrencies of the small-object phases. The SDK client opens one socket per request. */
export const SMALL_CONCURRENCIES = [1, 32];
const SMALL_BUCKET = 'bench-small';
const LARGE_BUCKET = 'bench-large';
/** The label of the floor's rows; the report leaves rows with it out of the goals. */
export const HTTP_FLOOR_LABEL = 'floor: bare Node http';
const STREAMED_PUT_LABEL = 'one PutObject, file stream body';
const DOWNLOAD_LABEL = 'GetObject, body streamed';
/**
 * Unmeasured requests of each client before the first small phase, so that V8 has compiled
 * the hot code. Without them, a first phase of 2000 SDK PutObject requests ran at about two
 * thirds of the rate of a second identical one on a 2-core VM.
 */
const WARMUP_REQUESTS = 1000;
/** Pause after the platform listens, so that its start-up work is done. */
const START_SETTLE_MS = 1_000;

export interface ObjectsResult {
  settings: ObjectsConfig;
  /** 1, 5 and 15 minute load averages when the object store benchmark started. */
  loadAverageAtStart: number[];
  /** Small-object phases per side: LambdaCraft, the bare HTTP floor and the file floor. */
  small: PhaseResult[];
  largeFloor: LargeFileFloor | undefined;
  /** VmRSS of the platform's process before the large-object phase, in kB. */
  rootRssBeforeLargeKb: number;
  transfers: Transfer[];
  notifications: NotificationResult | undefined;
  platformStop: StopReport | undefined;
  floorStop: StopReport | undefined;
  /** The stop of the HTTP floor started again for the large upload. */
  largeFloorStop?: StopReport;
  /** Phases that failed as a whole, with the error. */
  failures: string[];
}

interface ObjectsSetup {
  config: ObjectsConfig;
  platformMain: string;
  workDir: string;
  logDir: string;
  progress: (text: string) => void;
}

/** Runs the HTTP floor, then LambdaCraft with the file floors, then the large and event phases. */
export async function measureObjects(setup: ObjectsSetup): Promise<ObjectsResult> {
  const { config, progress } = setup;
  const result: ObjectsResult = {
    settings: config,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    small: [],
    largeFloor: undefined,
    rootRssBeforeLargeKb: Number.NaN,
    transfers: [],
    notifications: undefined,
    platformStop: undefined,
    floorStop: undefined,
    failures: [],
  };
  const body = randomBytes(SMALL_OBJECT_BYTES);

  progress('objects: bare HTTP floor, small PUT and GET');
  await attempt(result, () => measureHttpFloor(setup, body, result));

  progress('objects: LambdaCraft, small PutObject and GetObject');
  const dataDir = path.join(setup.workDir, 'data-objects');
  mkdirSync(dataDir, { recursive: true });
  const recordFile = path.join(setup.workDir, 'objects-upload-starts.txt');
  const logPrefix = path.join(setup.logDir, 'objects-platform');
  const platform = await attempt(result, () =>
    RunningTarget.start(platformDefinition(setup, recordFile), logPrefix, dataDir),
  );
  if (platform === undefined) {
    rmSync(dataDir, { recursive: true, force: true });
    return result;
  }
  const client = benchS3Client(
    `http://127.0.0.1:${platform.port}`,
    Math.max(...SMALL_CONCURRENCIES),
  );
  try {
    await sleep(START_SETTLE_MS);
    const target = { client, port: platform.port, pid: platform.pid, side: 'LambdaCraft' };
    await attempt(result, () => measureSmall(target, config, body, result));

    progress('objects: file floor, small writes and reads');
    const floorFolder = path.join(dataDir, 'bench-floor');
    await attempt(result, () => measureSmallFiles(floorFolder, config, body, result));

    progress(`objects: ${config.largeMegabytes} MiB object, file floor, uploads and download`);
    await attempt(result, () => measureLarge(client, platform.pid, floorFolder, config, result));
    progress(`objects: ${config.largeMegabytes} MiB streamed PutObject to the bare HTTP floor`);
    await attempt(result, () =>
      measureLargeHttpFloor(
        setup,
        largeSourceFile(floorFolder),
        config.largeMegabytes * 1024 * 1024,
        result,
      ),
    );

    progress(`objects: upload-to-handler latency, ${config.notificationUploads} uploads`);
    result.notifications = await attempt(result, () =>
      measureUploadToHandler({
        client,
        uploads: config.notificationUploads,
        recordFile,
        upOutput: readFileSync(`${logPrefix}.stdout`, 'utf8'),
      }),
    );
  } finally {
    client.destroy();
    result.platformStop = await platform.stop([]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

function platformDefinition(setup: ObjectsSetup, recordFile: string): TargetDefinition {
  const projectDir = path.join(setup.workDir, 'objects-project');
  cpSync(path.join(BENCH_SOURCE_DIR, 'objects-project'), projectDir, { recursive: true });
  return {
    id: 'objects',
    label: 'LambdaCraft object store',
    functionName: 'RecordUpload',
    command: (port, dataDir) =>
      upCommand({
        platformMain: setup.platformMain,
        projectDir,
        port,
        httpPort: 0,
        dataDir,
        extraArgs: ['--parameter-overrides', `RecordFile=${recordFile}`],
      }),
  };
}

async function measureHttpFloor(
  setup: ObjectsSetup,
  body: Buffer,
  result: ObjectsResult,
): Promise<void> {
  const definition = httpFloorDefinition();
  const floor = await RunningTarget.start(
    definition,
    path.join(setup.logDir, 'objects-http-floor'),
    setup.workDir,
  );
  const client = benchS3Client(`http://127.0.0.1:${floor.port}`, Math.max(...SMALL_CONCURRENCIES));
  try {
    const target = { client, port: floor.port, pid: floor.pid, side: definition.label };
    await attempt(result, () => measureSmall(target, setup.config, body, result));
  } finally {
    client.destroy();
    result.floorStop = await floor.stop([]);
  }
}

/**
 * Returns the target of floor-server.ts: a bare Node.js server that discards bodies and,
 * given `largeFile`, serves that file for every GET.
 */
function httpFloorDefinition(largeFile?: string): TargetDefinition {
  return {
    id: 'objects',
    label: HTTP_FLOOR_LABEL,
    functionName: 'none',
    textLog: true,
    command: (port) => ({
      file: process.execPath,
      args: [
        path.join(BENCH_DIST_DIR, 'objects', 'floor-server.js'),
        String(port),
        ...(largeFile === undefined ? [] : [largeFile]),
      ],
    }),
  };
}

/**
 * Times the streamed PutObject of the large file against the bare HTTP floor, which stores
 * nothing, and a GetObject of the file from the floor: the rates the SDK client
 * and HTTP reach on this machine without a store.
 */
async function measureLargeHttpFloor(
  setup: ObjectsSetup,
  sourceFile: string,
  bytes: number,
  result: ObjectsResult,
): Promise<void> {
  const floor = await RunningTarget.start(
    httpFloorDefinition(sourceFile),
    path.join(setup.logDir, 'objects-large-http-floor'),
    setup.workDir,
  );
  const client = benchS3Client(`http://127.0.0.1:${floor.port}`, 1);
  try {
    const time = (label: string, direction: TransferDirection, transfer: () => Promise<void>) =>
      timeTransfer(`${HTTP_FLOOR_LABEL}: ${label}`, direction, bytes, floor.pid, transfer);
    result.transfers.push(
      await time(STREAMED_PUT_LABEL, 'upload', () =>
        streamedPut(client, LARGE_BUCKET, 'single', sourceFile, bytes),
      ),
      await time(DOWNLOAD_LABEL, 'download', () => download(client, LARGE_BUCKET, 'single', bytes)),
    );
  } finally {
    client.destroy();
    result.largeFloorStop = await floor.stop([]);
  }
}

/** An S3 endpoint under test: the SDK client for it, its port and pid, and its label. */
interface SmallTarget {
  client: S3Client;
  port: number;
  pid: number;
  side: string;
}

/**
 * At each concurrency: SDK PutObject, then SDK GetObject of the same keys, then unsigned PUTs
 * from Node.js's HTTP client. The last row shows what the server does without the SDK's
 * per-request CPU time (signing, checksums, middleware), which shares the machine.
 */
async function measureSmall(
  { client, port, pid, side }: SmallTarget,
  config: ObjectsConfig,
  body: Buffer,
  result: ObjectsResult,
): Promise<void> {
  const count = config.smallRequests;
  const maxConcurrency = Math.max(...SMALL_CONCURRENCIES);
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxConcurrency });
  try {
    await ensureBucket(client, SMALL_BUCKET);
    await runPhase('warm-up', WARMUP_REQUESTS, maxConcurrency, (index) =>
      putSmallObject(client, SMALL_BUCKET, `warmup-${index}`, body),
    );
    await runPhase('warm-up', WARMUP_REQUESTS, maxConcurrency, (index) =>
      rawPut(agent, port, SMALL_BUCKET, `warmup-raw-${index}`, body),
    );
    for (const concurrency of SMALL_CONCURRENCIES) {
      const key = (index: number) => `c${concurrency}-${index}`;
      result.small.push(
        await runPhase(
          `${side}: SDK PutObject`,
          count,
          concurrency,
          (index) => putSmallObject(client, SMALL_BUCKET, key(index), body),
          pid,
        ),
        await runPhase(
          `${side}: SDK GetObject`,
          count,
          concurrency,
          (index) => getSmallObject(client, SMALL_BUCKET, key(index), body.length),
          pid,
        ),
        await runPhase(
          `${side}: unsigned PUT, Node http`,
          count,
          concurrency,
          (index) => rawPut(agent, port, SMALL_BUCKET, `raw-${key(index)}`, body),
          pid,
        ),
      );
    }
  } finally {
    agent.destroy();
  }
}

/** Measures the same number of 4 KiB file writes and reads as each SDK phase makes requests. */
async function measureSmallFiles(
  folder: string,
  config: ObjectsConfig,
  body: Buffer,
  result: ObjectsResult,
): Promise<void> {
  for (const concurrency of SMALL_CONCURRENCIES) {
    const files = new SmallFileFloor(path.join(folder, `small-c${concurrency}`));
    result.small.push(
      await runPhase('floor: file write + fsync + rename', config.smallRequests, concurrency, (i) =>
        files.write(i, body),
      ),
      await runPhase('floor: file read', config.smallRequests, concurrency, (i) => files.read(i)),
    );
  }
}

async function measureLarge(
  client: S3Client,
  platformPid: number,
  folder: string,
  config: ObjectsConfig,
  result: ObjectsResult,
): Promise<void> {
  const bytes = config.largeMegabytes * 1024 * 1024;
  const sourceFile = largeSourceFile(folder);
  mkdirSync(folder, { recursive: true });
  result.largeFloor = await measureLargeFile(sourceFile, bytes);

  await ensureBucket(client, LARGE_BUCKET);
  result.rootRssBeforeLargeKb = readRootRssKb(platformPid);
  const time = (label: string, direction: TransferDirection, transfer: () => Promise<void>) =>
    timeTransfer(`${direction}: ${label}`, direction, bytes, platformPid, transfer);
  result.transfers.push(
    await time('lib-storage Upload (multipart)', 'upload', () =>
      multipartUpload(client, LARGE_BUCKET, 'multipart', sourceFile),
    ),
    await time(STREAMED_PUT_LABEL, 'upload', () =>
      streamedPut(client, LARGE_BUCKET, 'single', sourceFile, bytes),
    ),
    await time(DOWNLOAD_LABEL, 'download', () => download(client, LARGE_BUCKET, 'single', bytes)),
  );
}

function largeSourceFile(folder: string): string {
  return path.join(folder, 'large.bin');
}

async function attempt<T>(result: ObjectsResult, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    result.failures.push(String(error));
    return undefined;
  }
}
