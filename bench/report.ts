import type { ColdStartRound, LoadPhase, WarmTargetRound } from './measure.js';
import type { SequentialResult } from './sequential.js';
import { max, median } from './stats.js';

/** Figures of one warm target in one round, or their medians over rounds (errors summed). */
export interface TargetFigures {
  id: string;
  label: string;
  sequentialP50Ms: number;
  sequentialP99Ms: number;
  load: { connections: number; requestsPerSecond: number; p50Ms: number; p99Ms: number }[];
  /** Invalid responses, socket errors, timeouts and function errors of every phase. */
  errors: number;
  rootRssIdleMb: number;
  rootRssPeakMb: number;
  treeRssIdleMb: number;
  treeRssPeakMb: number;
  treePssIdleMb: number;
  treePssPeakMb: number;
  processesAtPeak: number;
  /** Mean wall time of one memory sample: the sampler's own cost per sampling interval. */
  samplerMs: number;
  /** Leftover processes after stop, forced kills and failed phases; 0 means a clean run. */
  stopProblems: number;
}

export interface ColdFigures {
  pythonMedianMs: number;
  pythonMaxMs: number;
  nodeMedianMs: number;
  nodeMaxMs: number;
  spawnPythonMedianMs: number;
  spawnNodeMedianMs: number;
  failedColdStarts: number;
}

export interface Goal {
  description: string;
  target: string;
  measured: string;
  verdict: 'met' | 'not met' | 'not measured';
}

const KB_PER_MB = 1024;

export function targetFigures(round: WarmTargetRound, concurrencies: number[]): TargetFigures {
  const idle = round.idleMemory;
  const peak = round.peakMemory;
  return {
    id: round.id,
    label: round.label,
    sequentialP50Ms: round.sequential?.p50Ms ?? Number.NaN,
    sequentialP99Ms: round.sequential?.p99Ms ?? Number.NaN,
    load: concurrencies.map((connections) => {
      const phase = round.load.find((item) => item.connections === connections);
      return {
        connections,
        requestsPerSecond: phase?.measured.requestsPerSecond ?? Number.NaN,
        p50Ms: phase?.measured.p50Ms ?? Number.NaN,
        p99Ms: phase?.measured.p99Ms ?? Number.NaN,
      };
    }),
    errors:
      sequentialErrors(round.sequentialWarmup) +
      sequentialErrors(round.sequential) +
      round.load.reduce((sum, phase) => sum + loadErrors(phase), 0),
    rootRssIdleMb: (idle?.rootRssKb ?? Number.NaN) / KB_PER_MB,
    rootRssPeakMb: peak.rootRssKb / KB_PER_MB,
    treeRssIdleMb: (idle?.treeRssKb ?? Number.NaN) / KB_PER_MB,
    treeRssPeakMb: peak.treeRssKb / KB_PER_MB,
    treePssIdleMb: (idle?.treePssKb ?? Number.NaN) / KB_PER_MB,
    treePssPeakMb: peak.treePssKb / KB_PER_MB,
    processesAtPeak: peak.processesAtTreeRssPeak,
    samplerMs: peak.meanSampleMs,
    stopProblems:
      round.stop.leftover.length +
      (round.stop.forcedKill ? 1 : 0) +
      (round.failure === undefined ? 0 : 1),
  };
}

function sequentialErrors(result: SequentialResult | undefined): number {
  if (result === undefined) return 0;
  return result.invalidResponses + (result.transportError === undefined ? 0 : 1);
}

function loadErrors(phase: LoadPhase): number {
  let sum = 0;
  for (const result of [phase.warmup, phase.measured]) {
    if (result === undefined) continue;
    sum += result.httpErrors + result.socketErrors + result.timeouts + (result.functionErrors ?? 0);
  }
  return sum;
}

/** Medians over rounds of every figure; errors and stop problems are summed, never medians. */
export function medianFigures(rounds: TargetFigures[]): TargetFigures | undefined {
  const first = rounds[0];
  if (first === undefined) return undefined;

  const of = (pick: (figures: TargetFigures) => number) => median(rounds.map(pick));
  return {
    id: first.id,
    label: first.label,
    sequentialP50Ms: of((item) => item.sequentialP50Ms),
    sequentialP99Ms: of((item) => item.sequentialP99Ms),
    load: first.load.map((phase, index) => ({
      connections: phase.connections,
      requestsPerSecond: of((item) => item.load[index]?.requestsPerSecond ?? Number.NaN),
      p50Ms: of((item) => item.load[index]?.p50Ms ?? Number.NaN),
      p99Ms: of((item) => item.load[index]?.p99Ms ?? Number.NaN),
    })),
    errors: rounds.reduce((sum, item) => sum + item.errors, 0),
    rootRssIdleMb: of((item) => item.rootRssIdleMb),
    rootRssPeakMb: of((item) => item.rootRssPeakMb),
    treeRssIdleMb: of((item) => item.treeRssIdleMb),
    treeRssPeakMb: of((item) => item.treeRssPeakMb),
    treePssIdleMb: of((item) => item.treePssIdleMb),
    treePssPeakMb: of((item) => item.treePssPeakMb),
    processesAtPeak: of((item) => item.processesAtPeak),
    samplerMs: of((item) => item.samplerMs),
    stopProblems: rounds.reduce((sum, item) => sum + item.stopProblems, 0),
  };
}

export function coldFigures(
  round: ColdStartRound | undefined,
  spawnPythonMs: number[],
  spawnNodeMs: number[],
): ColdFigures {
  return {
    pythonMedianMs: median(round?.pythonMs ?? []),
    pythonMaxMs: max(round?.pythonMs ?? []),
    nodeMedianMs: median(round?.nodeMs ?? []),
    nodeMaxMs: max(round?.nodeMs ?? []),
    spawnPythonMedianMs: median(spawnPythonMs),
    spawnNodeMedianMs: median(spawnNodeMs),
    failedColdStarts:
      round === undefined ? 0 : round.problems.length + (round.failure === undefined ? 0 : 1),
  };
}

/** Medians of the round medians; each max is the highest of all rounds; failures summed. */
export function summarizeCold(rounds: ColdFigures[]): ColdFigures {
  const of = (pick: (figures: ColdFigures) => number) => median(rounds.map(pick));
  return {
    pythonMedianMs: of((item) => item.pythonMedianMs),
    pythonMaxMs: max(rounds.map((item) => item.pythonMaxMs)),
    nodeMedianMs: of((item) => item.nodeMedianMs),
    nodeMaxMs: max(rounds.map((item) => item.nodeMaxMs)),
    spawnPythonMedianMs: of((item) => item.spawnPythonMedianMs),
    spawnNodeMedianMs: of((item) => item.spawnNodeMedianMs),
    failedColdStarts: rounds.reduce((sum, item) => sum + item.failedColdStarts, 0),
  };
}

/** Checks the project's goals against the median figures. */
export function evaluateGoals(targets: TargetFigures[], cold: ColdFigures | undefined): Goal[] {
  const goals: Goal[] = [];
  const python = targets.find((item) => item.id === 'lambdacraft-python');
  goals.push(
    goal('Python warm sequential p50', '< 0.6 ms', python?.sequentialP50Ms, 'ms', (v) => v < 0.6),
  );

  // The gateway targets (gateway-*) have their own goal, gatewayGoal.
  for (const figures of targets.filter((item) => item.id.startsWith('lambdacraft-'))) {
    const at64 = figures.load.find((phase) => phase.connections === 64);
    const name = figures.label.replace(/^LambdaCraft /, '').replace(/ no-op$/, '');
    goals.push(
      goal(
        `${name}, 64 clients: throughput`,
        '>= 10,000 /s',
        at64?.requestsPerSecond,
        '/s',
        (v) => v >= 10_000,
      ),
      goal(`${name}, 64 clients: p99`, '< 25 ms', at64?.p99Ms, 'ms', (v) => v < 25),
      // The tree's physical memory is its PSS sum: summed RSS counts a shared page, such as
      // the node binary's text, once per process that maps it. The memory table has both.
      goal(
        `${name}: peak resident memory of the tree (PSS summed)`,
        '< 400 MB',
        figures.treePssPeakMb,
        'MB',
        (v) => v < 400,
      ),
    );
  }

  goals.push(
    goal('Python cold start (median)', '< 40 ms', cold?.pythonMedianMs, 'ms', (v) => v < 40),
    goal('Node cold start (median)', '< 60 ms', cold?.nodeMedianMs, 'ms', (v) => v < 60),
  );
  for (const runtime of ['python', 'node'] as const) {
    goals.push(gatewayGoal(targets, runtime));
  }
  return goals;
}

/**
 * Compares LambdaCraft's HTTP gateway at 64 clients with serverless-offline on the same
 * runtime: met when the gateway's throughput is at least twice serverless-offline's and its
 * p99 is under 30 ms.
 */
function gatewayGoal(targets: TargetFigures[], runtime: 'python' | 'node'): Goal {
  const name = runtime === 'python' ? 'Python' : 'Node';
  const at64 = (id: string) =>
    targets.find((item) => item.id === id)?.load.find((phase) => phase.connections === 64);
  const gateway = at64(`gateway-${runtime}`);
  const peer = at64(`serverless-offline-${runtime}`);
  const description = `gateway ${name}, 64 clients: throughput vs serverless-offline ${name}, and p99`;
  const target = '>= 2x, p99 < 30 ms';
  const figures = [gateway?.requestsPerSecond, peer?.requestsPerSecond, gateway?.p99Ms];
  if (gateway === undefined || peer === undefined || !figures.every((v) => Number.isFinite(v))) {
    return { description, target, measured: 'n/a', verdict: 'not measured' };
  }

  const ratio = gateway.requestsPerSecond / peer.requestsPerSecond;
  // Floor C, the least work a gateway on the Runtime API can do, shows how much of the
  // target this design can reach at all on the machine.
  const floor = runtime === 'python' ? at64('floor-c') : undefined;
  const floorRatio =
    floor === undefined
      ? ''
      : `; floor C ${formatNumber(floor.requestsPerSecond)} /s (${(floor.requestsPerSecond / peer.requestsPerSecond).toFixed(1)}x)`;
  return {
    description,
    target,
    measured: `${formatNumber(gateway.requestsPerSecond)} /s vs ${formatNumber(peer.requestsPerSecond)} /s (${ratio.toFixed(1)}x), p99 ${formatNumber(gateway.p99Ms)} ms${floorRatio}`,
    verdict: ratio >= 2 && gateway.p99Ms < 30 ? 'met' : 'not met',
  };
}

function goal(
  description: string,
  target: string,
  value: number | undefined,
  unit: string,
  passes: (value: number) => boolean,
): Goal {
  if (value === undefined || !Number.isFinite(value)) {
    return { description, target, measured: 'n/a', verdict: 'not measured' };
  }
  return {
    description,
    target,
    measured: `${formatNumber(value)} ${unit}`,
    verdict: passes(value) ? 'met' : 'not met',
  };
}

/** Formats with three significant digits below 100 and whole numbers above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}
