// Phases of the scaling benchmark. Each platform phase starts `lambdacraft up` fresh, so
// every burst begins with no environment, and stops it before the next phase.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ScalingConfig } from '../config.js';
import { descendantPids, type TreeSample } from '../process-tree.js';
import { RunningTarget, type StopReport, type TargetDefinition } from '../targets.js';
import { openConnections, sendBurst, type BurstResult } from './burst-client.js';
import {
  readCommandLine,
  readMappingBreakdown,
  readProcessMemory,
  readProcessState,
  readWorkingDirectory,
  type MappingMemory,
  type ProcessMemory,
} from './process-memory.js';
import {
  measureIdleInterpreters,
  runSpawnBurst,
  summarizeMemory,
  type MemoryPerProcess,
  type SpawnBurstResult,
} from './python-floor.js';
import { scaleUpFrom, type ScaleUp } from './scale-up.js';
import { prepareScalingProject, scalingPlatform, SLEEP_FUNCTION, upHasOption } from './platform.js';
import { epochMs, TreeTimeline, type CountSample, type TimelinePeaks } from './timeline.js';

/** Pause after the platform listens, so its start-up and spare interpreter are done. */
const START_SETTLE_MS = 1_000;
/**
 * After START_SETTLE_MS, the tree must keep the same process count this many checks in a row,
 * QUIET_CHECK_MS apart, before a burst starts, so that short-lived processes of the
 * platform's start-up do not count as environments. It waits at most QUIET_TIMEOUT_MS.
 */
const QUIET_CHECKS = 3;
const QUIET_CHECK_MS = 200;
const QUIET_TIMEOUT_MS = 10_000;
/**
 * The idle phase's event: each invocation holds its environment for 8 s, so that every one
 * of the concurrent invocations needs an environment of its own. With 100 ms, the platform
 * serves them with far fewer environments, because it starts only a few at a time and a
 * started one takes the next request.
 */
const IDLE_PHASE_EVENT = Buffer.from('{"seconds": 8}');
/** Pause after the idle phase's invocations, far above the 10 ms after which pools freeze. */
const IDLE_SETTLE_MS = 2_000;
/** Mappings of one environment kept in the results, largest USS first. */
const KEPT_MAPPINGS = 12;
const SAMPLE_INTERVAL_MS = 100;
/** The tree's RSS is read every 5th sample (500 ms), because it reads one file per process. */
const TREE_RSS_EVERY = 5;
/** The tree's PSS is read every 50th sample (5 s), because it is the costliest read. */
const PSS_EVERY = 50;
/** The runtime bootstrap's file name, on the command line of every Python environment. */
const PYTHON_BOOTSTRAP = 'bootstrap.py';

/** One start of the platform with one burst. */
export interface PlatformBurst {
  label: string;
  /** `--account-concurrency`, or undefined for the platform's default limit. */
  accountConcurrency: number | undefined;
  /** 1-minute load average just before the platform started. */
  loadAverage: number;
  /** Time to open the burst's connections, before the first request. */
  connectMs: number;
  burst: BurstResult | undefined;
  scaleUp: ScaleUp | undefined;
  peaks: TimelinePeaks | undefined;
  /**
   * Full sample, PSS included, right after the last response. It also enters `peaks`.
   * Environments live on unless they failed, so this is usually the PSS at the peak count.
   */
  afterBurst: TreeSample | undefined;
  /** The platform's child process count at every 100 ms sample. */
  counts: CountSample[];
  stop: StopReport;
  failure: string | undefined;
}

/** Environments started by concurrent invocations, then left idle. */
export interface IdleEnvironments {
  label: string;
  loadAverage: number;
  invocations: BurstResult | undefined;
  /** Mean memory of the environment processes (the spare interpreter is left out). */
  environments: MemoryPerProcess | undefined;
  /** Environment processes stopped with SIGSTOP (state T) when their memory was read. */
  frozen: number;
  /** The spare interpreter that waits for the next cold start, if one was found. */
  spare: ProcessMemory | undefined;
  rootRssKb: number;
  /** Memory of one environment grouped by mapping, largest USS first. */
  breakdown: MappingMemory[];
  stop: StopReport;
  failure: string | undefined;
}

export interface ScalingResult {
  settings: ScalingConfig;
  /** 1, 5 and 15 minute load averages when the scaling benchmark started. */
  loadAverageAtStart: number[];
  /** `--idle-timeout` was passed, because the CLI has it. */
  idleTimeoutOption: boolean;
  floorBurst: SpawnBurstResult | undefined;
  floorIdle: MemoryPerProcess | undefined;
  defaultBurst: PlatformBurst;
  limitedBurst: PlatformBurst;
  idle: IdleEnvironments;
  /** Floor phases that failed, with the error. */
  failures: string[];
}

interface ScalingSetup {
  config: ScalingConfig;
  platformMain: string;
  workDir: string;
  logDir: string;
  progress: (text: string) => void;
}

/** Runs the floors, the two bursts and the idle phase, in that order. */
export async function measureScaling(setup: ScalingSetup): Promise<ScalingResult> {
  const { config, platformMain, workDir, progress } = setup;
  const projectDir = prepareScalingProject(path.join(workDir, 'scaling-project'));
  const idleTimeoutOption = upHasOption(platformMain, '--idle-timeout');
  const loadAverageAtStart = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const failures: string[] = [];
  const definition = (label: string, accountConcurrency?: number) =>
    scalingPlatform(projectDir, platformMain, { label, accountConcurrency, idleTimeoutOption });

  progress(`scaling: ${config.burstRequests} bare Python processes at once`);
  const floorBurst = await attempt(() => runSpawnBurst(config.burstRequests), failures);
  progress(`scaling: ${config.idleEnvironments} idle bare Python processes`);
  const floorIdle = await attempt(() => measureIdleInterpreters(config.idleEnvironments), failures);

  progress(`scaling: burst of ${config.burstRequests} at the default account limit`);
  const defaultBurst = await measurePlatformBurst(
    setup,
    definition('LambdaCraft, default account limit'),
    undefined,
  );
  progress(
    `scaling: burst of ${config.burstRequests} at --account-concurrency ${config.limitedConcurrency}`,
  );
  const limitedBurst = await measurePlatformBurst(
    setup,
    definition(
      `LambdaCraft, --account-concurrency ${config.limitedConcurrency}`,
      config.limitedConcurrency,
    ),
    config.limitedConcurrency,
  );
  progress(`scaling: ${config.idleEnvironments} idle environments`);
  const idle = await measureIdleEnvironments(setup, definition('LambdaCraft, idle environments'));

  rmSync(projectDir, { recursive: true, force: true });
  return {
    settings: config,
    loadAverageAtStart,
    idleTimeoutOption,
    floorBurst,
    floorIdle,
    defaultBurst,
    limitedBurst,
    idle,
    failures,
  };
}

async function measurePlatformBurst(
  setup: ScalingSetup,
  definition: TargetDefinition,
  accountConcurrency: number | undefined,
): Promise<PlatformBurst> {
  const name = accountConcurrency === undefined ? 'default' : `limit${accountConcurrency}`;
  const { target, timeline, loadAverage } = await startPlatform(setup, definition, name);
  let connectMs = Number.NaN;
  let burst: BurstResult | undefined;
  let scaleUp: ScaleUp | undefined;
  let afterBurst: TreeSample | undefined;
  let failure: string | undefined;
  try {
    const connectStarted = epochMs();
    const connections = await openConnections(target.port, setup.config.burstRequests);
    connectMs = epochMs() - connectStarted;
    try {
      burst = await sendBurst(connections, target.invokePath(SLEEP_FUNCTION));
      afterBurst = await timeline.snapshot();
    } finally {
      for (const connection of connections) connection.close();
    }
  } catch (error) {
    failure = String(error);
  }

  const { counts, peaks, seen } = await timeline.stop();
  if (burst !== undefined) scaleUp = scaleUpFrom(counts, burst.startedAtMs);
  const stop = await target.stop(seen);
  rmSync(dataDirOf(setup, name), { recursive: true, force: true });
  return {
    label: definition.label,
    accountConcurrency,
    loadAverage,
    connectMs,
    burst,
    scaleUp,
    peaks,
    afterBurst,
    counts,
    stop,
    failure,
  };
}

async function measureIdleEnvironments(
  setup: ScalingSetup,
  definition: TargetDefinition,
): Promise<IdleEnvironments> {
  const { target, timeline, loadAverage } = await startPlatform(setup, definition, 'idle');
  const result: Omit<IdleEnvironments, 'stop'> = {
    label: definition.label,
    loadAverage,
    invocations: undefined,
    environments: undefined,
    frozen: 0,
    spare: undefined,
    rootRssKb: Number.NaN,
    breakdown: [],
    failure: undefined,
  };
  try {
    const connections = await openConnections(target.port, setup.config.idleEnvironments);
    try {
      result.invocations = await sendBurst(
        connections,
        target.invokePath(SLEEP_FUNCTION),
        IDLE_PHASE_EVENT,
      );
    } finally {
      for (const connection of connections) connection.close();
    }
    await sleep(IDLE_SETTLE_MS);
    Object.assign(result, readIdleTree(target.pid));
  } catch (error) {
    result.failure = String(error);
  }

  const { seen } = await timeline.stop();
  const stop = await target.stop(seen);
  rmSync(dataDirOf(setup, 'idle'), { recursive: true, force: true });
  return { ...result, stop };
}

/**
 * Reads the memory of every Python runtime process below the platform. The spare
 * interpreter still waits in `/` for its function's folder, so a runtime process whose
 * working directory is `/` is the spare and every other one is an environment.
 */
function readIdleTree(
  rootPid: number,
): Pick<IdleEnvironments, 'environments' | 'frozen' | 'spare' | 'rootRssKb' | 'breakdown'> {
  const runtimes = descendantPids(rootPid).filter((pid) =>
    readCommandLine(pid).includes(PYTHON_BOOTSTRAP),
  );
  const sparePid = runtimes.find((pid) => readWorkingDirectory(pid) === '/');
  const environmentPids = runtimes.filter((pid) => pid !== sparePid);
  const samples = environmentPids
    .map(readProcessMemory)
    .filter((sample): sample is ProcessMemory => sample !== undefined);
  const first = environmentPids[0];
  return {
    environments: summarizeMemory(samples),
    frozen: environmentPids.filter((pid) => readProcessState(pid) === 'T').length,
    spare: sparePid === undefined ? undefined : readProcessMemory(sparePid),
    rootRssKb: readProcessMemory(rootPid)?.rssKb ?? Number.NaN,
    breakdown: first === undefined ? [] : readMappingBreakdown(first).slice(0, KEPT_MAPPINGS),
  };
}

async function startPlatform(
  setup: ScalingSetup,
  definition: TargetDefinition,
  name: string,
): Promise<{ target: RunningTarget; timeline: TreeTimeline; loadAverage: number }> {
  const dataDir = dataDirOf(setup, name);
  mkdirSync(dataDir, { recursive: true });
  const loadAverage = os.loadavg()[0] ?? Number.NaN;
  const target = await RunningTarget.start(
    definition,
    path.join(setup.logDir, `scaling-${name}`),
    dataDir,
  );
  await sleep(START_SETTLE_MS);
  await waitForSteadyTree(target.pid);
  const timeline = TreeTimeline.start({
    rootPid: target.pid,
    intervalMs: SAMPLE_INTERVAL_MS,
    treeRssEvery: TREE_RSS_EVERY,
    pssEvery: PSS_EVERY,
  });
  return { target, timeline, loadAverage };
}

async function waitForSteadyTree(rootPid: number): Promise<void> {
  const deadline = epochMs() + QUIET_TIMEOUT_MS;
  let last = descendantPids(rootPid).length;
  let steady = 1;
  while (steady < QUIET_CHECKS && epochMs() < deadline) {
    await sleep(QUIET_CHECK_MS);
    const count = descendantPids(rootPid).length;
    steady = count === last ? steady + 1 : 1;
    last = count;
  }
}

function dataDirOf(setup: ScalingSetup, name: string): string {
  return path.join(setup.workDir, `data-scaling-${name}`);
}

async function attempt<T>(run: () => Promise<T>, failures: string[]): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    failures.push(String(error));
    return undefined;
  }
}
