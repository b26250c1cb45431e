import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import type { BenchConfig } from './config.js';
import { runLoad, type LoadResult, type LoadTool } from './load.js';
import { MemorySampler, type MemoryPeaks } from './memory-sampler.js';
import type { ProcessIdentity, TreeSample } from './process-tree.js';
import { SequentialClient, timeFreshRequest, type SequentialResult } from './sequential.js';
import { RunningTarget, type StopReport, type TargetDefinition } from './targets.js';

/** Pause after the sequential warm-up before the idle memory sample. */
const IDLE_SETTLE_MS = 1_000;
/**
 * Pause between cold starts, so one environment's start-up, and the spare interpreter the
 * platform prepares after it, does not overlap the next cold start.
 */
const COLD_START_GAP_MS = 200;

export interface LoadPhase {
  connections: number;
  /** The unmeasured run at the same concurrency before `measured`; its errors still count. */
  warmup: LoadResult | undefined;
  measured: LoadResult;
}

export interface WarmTargetRound {
  id: string;
  label: string;
  pid: number;
  /** 1-minute load average just before the target started: other work on the machine. */
  loadAverage: number;
  sequentialWarmup: SequentialResult | undefined;
  sequential: SequentialResult | undefined;
  load: LoadPhase[];
  /** Tree memory after the sequential warm-up. */
  idleMemory: TreeSample | undefined;
  peakMemory: MemoryPeaks;
  /** Distinct command lines of the processes seen in the target's tree. */
  commands: string[];
  stop: StopReport;
  /** The error that ended the measurement early, if one did. */
  failure: string | undefined;
}

/** Definition, log files and data folder of one start of a target. */
export interface TargetRun {
  definition: TargetDefinition;
  /** Path prefix of the target's stdout and stderr files. */
  logPrefix: string;
  /** Empty folder for the target's data, removed after the target stops. */
  dataDir: string;
}

/**
 * Starts a target, then: the sequential warm-up, an idle memory sample, the sequential
 * latency phase, and for each concurrency a load warm-up and a measured load phase. It
 * stops the target and checks its processes even when a phase fails.
 */
export async function measureWarmTarget(
  run: TargetRun,
  config: BenchConfig,
  tool: LoadTool,
): Promise<WarmTargetRound> {
  mkdirSync(run.dataDir, { recursive: true });
  const loadAverage = os.loadavg()[0] ?? Number.NaN;
  const target = await RunningTarget.start(run.definition, run.logPrefix, run.dataDir);
  const sampler = MemorySampler.start({
    rootPid: target.pid,
    intervalMs: config.memorySampleIntervalMs,
    pssEvery: config.pssSampleEvery,
    scanEvery: config.treeScanEvery,
  });

  let sequentialWarmup: SequentialResult | undefined;
  let sequential: SequentialResult | undefined;
  let idleMemory: TreeSample | undefined;
  const load: LoadPhase[] = [];
  let failure: string | undefined;
  try {
    const client = await SequentialClient.open(target.port, target.warmRequest());
    try {
      sequentialWarmup = await client.run(config.sequentialWarmupRequests);
      await sleep(IDLE_SETTLE_MS);
      idleMemory = await sampler.snapshot();
      sequential = await client.run(config.sequentialRequests);
    } finally {
      client.close();
    }

    const { method } = target.warmRequest();
    for (const connections of config.concurrencies) {
      const warmup =
        config.loadWarmupSeconds > 0
          ? await runLoad(tool, target.warmUrl(), method, connections, config.loadWarmupSeconds)
          : undefined;
      const measured = await runLoad(
        tool,
        target.warmUrl(),
        method,
        connections,
        config.loadSeconds,
      );
      load.push({ connections, warmup, measured });
    }
  } catch (error) {
    failure = String(error);
  }

  const { peaks, seen } = await sampler.stop();
  const stop = await target.stop(seen);
  rmSync(run.dataDir, { recursive: true, force: true });
  return {
    id: run.definition.id,
    label: run.definition.label,
    pid: target.pid,
    loadAverage,
    sequentialWarmup,
    sequential,
    load,
    idleMemory,
    peakMemory: peaks,
    commands: distinctCommands(seen),
    stop,
    failure,
  };
}

export interface ColdStartRound {
  /** 1-minute load average just before the platform started. */
  loadAverage: number;
  /** Time of the first invocation of each ColdPythonN, connect to end of response. */
  pythonMs: number[];
  nodeMs: number[];
  problems: string[];
  stop: StopReport;
  failure: string | undefined;
}

/**
 * Starts the platform and invokes ColdPython1..N and ColdNode1..N once each, alternating
 * the runtimes, each on a new connection: every one of these is the first invocation of
 * its function, so each starts a new execution environment.
 */
export async function measureColdStarts(run: TargetRun, count: number): Promise<ColdStartRound> {
  mkdirSync(run.dataDir, { recursive: true });
  const loadAverage = os.loadavg()[0] ?? Number.NaN;
  const target = await RunningTarget.start(run.definition, run.logPrefix, run.dataDir);
  const pythonMs: number[] = [];
  const nodeMs: number[] = [];
  const problems: string[] = [];
  let failure: string | undefined;
  try {
    for (let i = 1; i <= count; i += 1) {
      for (const [runtime, samples] of [
        ['Python', pythonMs],
        ['Node', nodeMs],
      ] as const) {
        const functionName = `Cold${runtime}${i}`;
        const result = await timeFreshRequest(target.port, target.invokePath(functionName));
        if (result.problem === undefined) samples.push(result.ms);
        else problems.push(`${functionName}: ${result.problem}`);
        await sleep(COLD_START_GAP_MS);
      }
    }
  } catch (error) {
    failure = String(error);
  }

  const stop = await target.stop([]);
  rmSync(run.dataDir, { recursive: true, force: true });
  return { loadAverage, pythonMs, nodeMs, problems, stop, failure };
}

/** Everything one round measured. */
export interface RoundResult {
  round: number;
  spawnPythonMs: number[];
  spawnNodeMs: number[];
  warm: WarmTargetRound[];
  cold: ColdStartRound | undefined;
  /** Targets that could not be started or measured at all, with the error. */
  failedTargets: { id: string; error: string }[];
}

function distinctCommands(seen: readonly ProcessIdentity[]): string[] {
  return [...new Set(seen.map((identity) => identity.command))].sort();
}
