import os from 'node:os';
import path from 'node:path';

export const TARGET_IDS = [
  'floor-a',
  'floor-b',
  'floor-c',
  'lambdacraft-python',
  'lambdacraft-node',
  'lambdacraft-cold',
  'gateway-python',
  'gateway-node',
  'serverless-offline-python',
  'serverless-offline-node',
  'architect-sandbox-python',
  'architect-sandbox-node',
  'scaling',
  'schedules',
  'objects',
  'tables',
] as const;
export type TargetId = (typeof TARGET_IDS)[number];

/** Settings of one benchmark run; the environment variables named below override defaults. */
export interface BenchConfig {
  /** BENCH_ROUNDS: how many times every target is started, measured and stopped. */
  rounds: number;
  /** BENCH_SECONDS: length of each measured load phase. */
  loadSeconds: number;
  /** BENCH_LOAD_WARMUP_SECONDS: unmeasured load at the same concurrency before each phase. */
  loadWarmupSeconds: number;
  /** BENCH_OUT: the JSON results file. */
  outFile: string;
  /**
   * BENCH_TARGETS: comma-separated subset of TARGET_IDS, for development runs. `scaling`
   * selects the scaling benchmark (bench/scaling/), which runs once after the rounds.
   */
  targets: TargetId[];
  /** Settings of the scaling benchmark; BENCH_SCALING_* override them. */
  scaling: ScalingConfig;
  /**
   * BENCH_SCHEDULES_FIRES: measured fires of the schedules benchmark (bench/schedules.ts),
   * which runs once after the rounds when `schedules` is selected.
   */
  schedulesFires: number;
  /** Settings of the object store benchmark (bench/objects/); BENCH_OBJECTS_* override them. */
  objects: ObjectsConfig;
  /**
   * Settings of the table service benchmark (bench/table-service/), which runs BENCH_ROUNDS
   * rounds after the other rounds when `tables` is selected; BENCH_TABLES_* override them.
   */
  tables: TablesConfig;
  /** BENCH_LOAD_TOOL: `wrk` (default when installed) or `autocannon`. */
  loadTool: 'wrk' | 'autocannon' | undefined;
  sequentialWarmupRequests: number;
  sequentialRequests: number;
  concurrencies: number[];
  /** Samples of each bare process spawn (`python3 -c pass`, `node -e 0`). */
  spawnSamples: number;
  /** Interval of the process tree's VmRSS samples. */
  memorySampleIntervalMs: number;
  /**
   * Every how many samples PSS is read as well: reading smaps_rollup took about 1 ms per
   * Node.js process on a 2-core VM, 25 times as long as reading VmRSS from status.
   */
  pssSampleEvery: number;
  /**
   * Every how many samples the sampler scans /proc for new descendants (one read per process
   * on the machine); the samples between read only the processes already found.
   */
  treeScanEvery: number;
}

export interface ObjectsConfig {
  /** BENCH_OBJECTS_REQUESTS: measured operations of each small-object phase (4 KiB each). */
  smallRequests: number;
  /** BENCH_OBJECTS_LARGE_MB: size of the large object, in MiB. */
  largeMegabytes: number;
  /** BENCH_OBJECTS_UPLOADS: measured uploads of the upload-to-handler phase. */
  notificationUploads: number;
}

export interface TablesConfig {
  /** BENCH_TABLES_SEQUENTIAL: measured requests of each sequential PutItem or GetItem phase. */
  sequentialRequests: number;
  /** BENCH_TABLES_REQUESTS: measured requests of each PutItem or GetItem phase at concurrency 16. */
  concurrentRequests: number;
  /** BENCH_TABLES_QUERY_ITEMS: items loaded into the one partition that Query reads. */
  queryItems: number;
  /** BENCH_TABLES_MIDDLE_QUERIES: sequential Limit 100 queries from the partition's middle. */
  middleQueries: number;
  /** BENCH_TABLES_STREAM_PUTS: measured puts of the put-to-handler latency phase. */
  streamPuts: number;
  /** BENCH_TABLES_FLOOR_ROWS: rows of the SQLite floor's one-transaction-per-row inserts. */
  floorRows: number;
}

export interface ScalingConfig {
  /** BENCH_SCALING_BURST: concurrent Invoke requests of each burst, one connection each. */
  burstRequests: number;
  /** BENCH_SCALING_LIMIT: `--account-concurrency` of the second burst, which should throttle. */
  limitedConcurrency: number;
  /** BENCH_SCALING_IDLE: environments started, then left idle, for the per-environment memory. */
  idleEnvironments: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 3),
    loadSeconds: positiveInteger(env, 'BENCH_SECONDS', 10),
    loadWarmupSeconds: nonNegativeInteger(env, 'BENCH_LOAD_WARMUP_SECONDS', 2),
    outFile: path.resolve(
      env.BENCH_OUT ?? path.join(os.tmpdir(), 'lambdacraft-bench', 'latest.json'),
    ),
    targets: targetList(env.BENCH_TARGETS),
    loadTool: loadTool(env.BENCH_LOAD_TOOL),
    schedulesFires: positiveInteger(env, 'BENCH_SCHEDULES_FIRES', 120),
    objects: {
      smallRequests: positiveInteger(env, 'BENCH_OBJECTS_REQUESTS', 2000),
      largeMegabytes: positiveInteger(env, 'BENCH_OBJECTS_LARGE_MB', 256),
      notificationUploads: positiveInteger(env, 'BENCH_OBJECTS_UPLOADS', 200),
    },
    tables: {
      sequentialRequests: positiveInteger(env, 'BENCH_TABLES_SEQUENTIAL', 500),
      concurrentRequests: positiveInteger(env, 'BENCH_TABLES_REQUESTS', 2000),
      queryItems: positiveInteger(env, 'BENCH_TABLES_QUERY_ITEMS', 100_000),
      middleQueries: positiveInteger(env, 'BENCH_TABLES_MIDDLE_QUERIES', 300),
      streamPuts: positiveInteger(env, 'BENCH_TABLES_STREAM_PUTS', 150),
      floorRows: positiveInteger(env, 'BENCH_TABLES_FLOOR_ROWS', 20_000),
    },
    scaling: {
      burstRequests: positiveInteger(env, 'BENCH_SCALING_BURST', 1000),
      limitedConcurrency: positiveInteger(env, 'BENCH_SCALING_LIMIT', 200),
      idleEnvironments: positiveInteger(env, 'BENCH_SCALING_IDLE', 200),
    },
    sequentialWarmupRequests: 50,
    sequentialRequests: 2000,
    concurrencies: [16, 64],
    spawnSamples: 20,
    memorySampleIntervalMs: 100,
    pssSampleEvery: 10,
    treeScanEvery: 5,
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = nonNegativeInteger(env, name, fallback);
  if (value === 0) throw new Error(`${name}=0 is invalid; set it to a whole number above 0`);
  return value;
}

function nonNegativeInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;

  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name}='${text}' is invalid; set it to a whole number (default ${fallback})`);
  }
  return value;
}

function targetList(text: string | undefined): TargetId[] {
  if (text === undefined || text === '') return [...TARGET_IDS];

  return text.split(',').map((item) => {
    const id = item.trim();
    const known = TARGET_IDS.find((target) => target === id);
    if (known === undefined) {
      throw new Error(`BENCH_TARGETS names unknown target '${id}'; use ${TARGET_IDS.join(', ')}`);
    }
    return known;
  });
}

function loadTool(text: string | undefined): BenchConfig['loadTool'] {
  if (text === undefined || text === '') return undefined;
  if (text === 'wrk' || text === 'autocannon') return text;
  throw new Error(`BENCH_LOAD_TOOL='${text}' is invalid; use wrk or autocannon`);
}
