import type { BenchConfig } from './config.js';
import type { LoadTool } from './load.js';
import type { MachineDescription } from './machine.js';
import type { RoundResult } from './measure.js';
import type { ObjectsResult } from './objects/measure.js';
import { objectsGoals, objectsProblems, objectsTables } from './objects/report.js';
import { describeProblems } from './problems.js';
import {
  coldFigures,
  evaluateGoals,
  formatNumber,
  medianFigures,
  summarizeCold,
  targetFigures,
  type ColdFigures,
  type TargetFigures,
} from './report.js';
import type { ScalingResult } from './scaling/measure.js';
import { scalingGoals, scalingProblems, scalingTables } from './scaling/report.js';
import type { TablesResult } from './table-service/measure.js';
import { tablesProblems, tablesSection } from './table-service/report.js';
import { coldTable, goalTable, latencyTable, memoryTable } from './tables.js';

export interface ReportInput {
  config: BenchConfig;
  machine: MachineDescription;
  tool: LoadTool;
  workDir: string;
  coldFunctionCount: number;
  rounds: RoundResult[];
  /** The scaling benchmark when `scaling` is selected. It runs once, after the rounds. */
  scaling: ScalingResult | undefined;
  /** The object store benchmark when `objects` is selected. It runs once, after the rounds. */
  objects?: ObjectsResult | undefined;
  /** The table service benchmark when `tables` is selected. It runs after the other rounds. */
  tables?: TablesResult | undefined;
}

interface RoundFigures {
  round: number;
  targets: TargetFigures[];
  cold: ColdFigures;
}

export interface Report {
  /** Markdown: machine, median tables, goals, raw figures per round, problems. */
  text: string;
  json: unknown;
  problems: string[];
}

/** Turns the measurements of every round into medians, goal verdicts, tables and JSON. */
export function buildReport(input: ReportInput): Report {
  const { config, rounds } = input;
  const perRound: RoundFigures[] = rounds.map((round) => ({
    round: round.round,
    targets: round.warm.map((item) => targetFigures(item, config.concurrencies)),
    cold: coldFigures(round.cold, round.spawnPythonMs, round.spawnNodeMs),
  }));
  const medians = medianTargets(perRound);
  const cold = config.targets.includes('lambdacraft-cold')
    ? summarizeCold(perRound.map((round) => round.cold))
    : undefined;
  const goals = [
    ...evaluateGoals(medians, cold),
    ...scalingGoals(input.scaling),
    ...(input.objects === undefined ? [] : objectsGoals(input.objects)),
  ];
  const problems = [
    ...describeProblems(rounds),
    ...(input.scaling === undefined ? [] : scalingProblems(input.scaling)),
    ...(input.objects === undefined ? [] : objectsProblems(input.objects)),
    ...(input.tables === undefined ? [] : tablesProblems(input.tables)),
  ];
  // With only benchmarks that run once selected, the harness runs no rounds and their tables
  // are left out.
  const withRounds = (text: string) => (rounds.length === 0 ? '' : text);

  const text = [
    section('Machine', machineLines(input).join('\n')),
    withRounds(
      section(
        `Warm latency and throughput (median of ${rounds.length} rounds; errors summed)`,
        latencyTable(config.concurrencies, withoutPrefix(medians)),
      ),
    ),
    withRounds(
      section(
        `Memory (median of ${rounds.length} rounds; RSS counts shared pages once per process, PSS splits them)`,
        memoryTable(withoutPrefix(medians)),
      ),
    ),
    cold === undefined
      ? ''
      : section(
          'Cold start and bare process spawn (median of round medians; max of all rounds)',
          coldTable([{ prefix: [], figures: cold }]),
        ),
    input.scaling === undefined
      ? ''
      : section('Scaling (one run, after the rounds)', scalingTables(input.scaling)),
    input.objects === undefined
      ? ''
      : section('Object store (one run, after the rounds)', objectsTables(input.objects)),
    input.tables === undefined
      ? ''
      : section(
          `Table service (${input.tables.rounds.length} rounds of its own, after the other rounds)`,
          tablesSection(input.tables),
        ),
    section('Goals', goalTable(goals)),
    withRounds(
      section(
        'Raw figures per round (load avg: 1-minute load average when the target started)',
        rawTables(input, perRound),
      ),
    ),
    section('Problems', problemList(problems)),
  ]
    .filter((item) => item !== '')
    .join('\n\n');

  const json = { ...input, perRound, medians, cold, goals, problems };
  return { text, json, problems };
}

function medianTargets(perRound: RoundFigures[]): TargetFigures[] {
  const ids = [...new Set(perRound.flatMap((round) => round.targets.map((item) => item.id)))];
  return ids
    .map((id) =>
      medianFigures(perRound.flatMap((round) => round.targets.filter((item) => item.id === id))),
    )
    .filter((item): item is TargetFigures => item !== undefined);
}

function withoutPrefix(figures: TargetFigures[]): { prefix: string[]; figures: TargetFigures }[] {
  return figures.map((item) => ({ prefix: [], figures: item }));
}

function section(title: string, body: string): string {
  return `## ${title}\n\n${body}`;
}

function rawTables(input: ReportInput, perRound: RoundFigures[]): string {
  const prefixHeader = ['round', 'load avg'];
  const warmRows = perRound.flatMap((round) =>
    round.targets.map((figures) => {
      const measured = input.rounds[round.round - 1]?.warm.find((item) => item.id === figures.id);
      const loadAverage = formatNumber(measured?.loadAverage ?? Number.NaN);
      return { prefix: [String(round.round), loadAverage], figures };
    }),
  );
  const coldRows = perRound.map((round) => {
    const loadAverage = input.rounds[round.round - 1]?.cold?.loadAverage ?? Number.NaN;
    return { prefix: [String(round.round), formatNumber(loadAverage)], figures: round.cold };
  });
  return [
    latencyTable(input.config.concurrencies, warmRows, prefixHeader),
    memoryTable(warmRows, prefixHeader),
    coldTable(coldRows, prefixHeader),
  ].join('\n\n');
}

function machineLines({ config, machine, coldFunctionCount, rounds }: ReportInput): string[] {
  const roundLine =
    rounds.length === 0
      ? '- no rounds: only benchmarks that run on their own (scaling, schedules, objects, tables) were selected'
      : `- ${config.rounds} rounds; sequential: ${config.sequentialWarmupRequests} warm-up + ${config.sequentialRequests} measured requests; load: ${config.loadWarmupSeconds} s warm-up + ${config.loadSeconds} s measured at each of ${config.concurrencies.join(' and ')} connections; ${coldFunctionCount} cold starts per runtime per round`;
  return [
    `- date: ${machine.date}`,
    `- nproc: ${machine.nproc}; CPU: ${machine.cpuModel}; memory: ${machine.memoryTotalMb} MB`,
    `- kernel: ${machine.kernel}`,
    `- commit: ${machine.commit}`,
    `- Node.js ${machine.node}; ${machine.python}`,
    `- load tool: ${machine.loadTool}; load average at start: ${machine.loadAverageAtStart.join(', ')}`,
    roundLine,
  ];
}

function problemList(problems: string[]): string {
  if (problems.length === 0) {
    return 'none: every response was valid and every target stopped with no process left';
  }
  return problems.map((line) => `- ${line}`).join('\n');
}
