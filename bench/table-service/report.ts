// Tables and problems of the table service benchmark: medians over the rounds, then the
// main figures of each round.
import type { PhaseResult } from '../objects/operations.js';
import { stopProblems } from '../problems.js';
import { formatNumber } from '../report.js';
import { median } from '../stats.js';
import { markdownTable } from '../tables.js';
import { CONCURRENCY, MIDDLE_QUERY_LIMIT, type TablesResult, type TablesRound } from './measure.js';

export function tablesSection(result: TablesResult): string {
  const { settings, rounds } = result;
  return [
    `PutItem and GetItem of ${settings.sequentialRequests} (sequential) or ${settings.concurrentRequests} (concurrency ${CONCURRENCY}) items of about 200 bytes per row; one SDK client with ${CONCURRENCY} keep-alive sockets; median of ${rounds.length} rounds, errors summed:`,
    requestTable(rounds),
    `Query over ${settings.queryItems} items of one partition, loaded with BatchWriteItem at concurrency ${CONCURRENCY}; median of ${rounds.length} rounds:`,
    queryTable(result),
    `PutItem response to the start of the stream's Python handler (BatchSize 1, MaximumBatchingWindowInSeconds 0, both sides on CLOCK_MONOTONIC; negative: the handler started before the response reached the client); ${settings.streamPuts} puts per round, median of round percentiles, min and max over all rounds:`,
    streamTable(rounds),
    `SQLite floor: better-sqlite3 on the same disk, WAL and synchronous NORMAL as the platform sets them, the platform's item schema, statements prepared once; median of ${rounds.length} rounds:`,
    floorTable(rounds),
    'Per round:',
    roundTable(result),
  ].join('\n\n');
}

function requestTable(rounds: TablesRound[]): string {
  const keys = uniquePhases(rounds.flatMap((round) => round.requests));
  return markdownTable(
    [
      'operation',
      'concurrency',
      'ops/s',
      'p50 ms',
      'p99 ms',
      'client CPU ms/op',
      'platform CPU ms/op',
      'errors',
    ],
    keys.map(({ label, concurrency }) => {
      const phases = rounds
        .map((round) => findPhase(round.requests, label, concurrency))
        .filter((phase): phase is PhaseResult => phase !== undefined);
      return [
        label,
        String(concurrency),
        medianOf(phases, (phase) => phase.perSecond),
        medianOf(phases, (phase) => phase.p50Ms),
        medianOf(phases, (phase) => phase.p99Ms),
        medianOf(phases, (phase) => phase.clientCpuMsPerOperation),
        medianOf(phases, (phase) => phase.serverCpuMsPerOperation),
        String(phases.reduce((total, phase) => total + phase.errors, 0)),
      ];
    }),
  );
}

function queryTable({ settings, rounds }: TablesResult): string {
  const loads = defined(rounds.map((round) => round.load));
  const pages = defined(rounds.map((round) => round.pageThrough));
  const middles = defined(rounds.map((round) => round.middleQuery));
  const errors = (phases: PhaseResult[]) =>
    String(phases.reduce((total, phase) => total + phase.errors, 0));
  return markdownTable(
    ['phase', 'seconds', 'items/s', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
    [
      [
        loads[0]?.label ?? 'BatchWriteItem',
        medianOf(loads, (load) => load.seconds),
        medianOf(loads, (load) => settings.queryItems / load.seconds),
        medianOf(loads, (load) => load.perSecond),
        medianOf(loads, (load) => load.p50Ms),
        medianOf(loads, (load) => load.p99Ms),
        errors(loads),
      ],
      [
        `Query, all pages of 1 MB (${pages[0]?.pages ?? 'n/a'} pages), sequential`,
        medianOf(pages, (page) => page.seconds),
        medianOf(pages, (page) => page.itemsPerSecond),
        medianOf(pages, (page) => page.pages / page.seconds),
        'n/a',
        'n/a',
        String(rounds.length - pages.length),
      ],
      [
        `${middles[0]?.label ?? 'Query, Limit 100'}, sequential`,
        medianOf(middles, (phase) => phase.seconds),
        medianOf(middles, (phase) => phase.perSecond * MIDDLE_QUERY_LIMIT),
        medianOf(middles, (phase) => phase.perSecond),
        medianOf(middles, (phase) => phase.p50Ms),
        medianOf(middles, (phase) => phase.p99Ms),
        errors(middles),
      ],
    ],
  );
}

function streamTable(rounds: TablesRound[]): string {
  const streams = defined(rounds.map((round) => round.stream));
  if (streams.length === 0) return 'not measured: the phase failed in every round (see Problems)';
  return markdownTable(
    [
      'puts',
      'handler starts recorded',
      'p50 ms',
      'p99 ms',
      'min ms',
      'max ms',
      'from request p50 ms',
      'from request p99 ms',
    ],
    [
      [
        String(streams.reduce((total, stream) => total + stream.puts, 0)),
        String(streams.reduce((total, stream) => total + stream.recorded, 0)),
        medianOf(streams, (stream) => stream.p50Ms),
        medianOf(streams, (stream) => stream.p99Ms),
        formatNumber(Math.min(...streams.map((stream) => stream.minMs))),
        formatNumber(Math.max(...streams.map((stream) => stream.maxMs))),
        medianOf(streams, (stream) => stream.fromRequestP50Ms),
        medianOf(streams, (stream) => stream.fromRequestP99Ms),
      ],
    ],
  );
}

function floorTable(rounds: TablesRound[]): string {
  const labels = [...new Set(rounds.flatMap((round) => round.floor.map((figure) => figure.label)))];
  return markdownTable(
    ['floor', 'rows', 'seconds', 'rows/s'],
    labels.map((label) => {
      const figures = defined(rounds.map((round) => round.floor.find((f) => f.label === label)));
      return [
        label,
        String(figures[0]?.rows ?? 'n/a'),
        medianOf(figures, (figure) => figure.seconds),
        medianOf(figures, (figure) => figure.perSecond),
      ];
    }),
  );
}

function roundTable({ settings, rounds }: TablesResult): string {
  const rate = (round: TablesRound, label: string) =>
    formatNumber(findPhase(round.requests, label, CONCURRENCY)?.perSecond ?? Number.NaN);
  return markdownTable(
    [
      'round',
      'load avg',
      `PutItem c${CONCURRENCY} /s`,
      `GetItem c${CONCURRENCY} /s`,
      'load items/s',
      'all pages s',
      'Limit 100 p50 ms',
      'stream p50 ms',
      'stream p99 ms',
      'floor INSERT /s',
    ],
    rounds.map((round) => [
      String(round.round),
      formatNumber(round.loadAverage),
      rate(round, 'PutItem, stream read by a function'),
      rate(round, 'GetItem, ConsistentRead'),
      formatNumber(settings.queryItems / (round.load?.seconds ?? Number.NaN)),
      formatNumber(round.pageThrough?.seconds ?? Number.NaN),
      formatNumber(round.middleQuery?.p50Ms ?? Number.NaN),
      formatNumber(round.stream?.p50Ms ?? Number.NaN),
      formatNumber(round.stream?.p99Ms ?? Number.NaN),
      formatNumber(round.floor[0]?.perSecond ?? Number.NaN),
    ]),
  );
}

export function tablesProblems(result: TablesResult): string[] {
  const lines: string[] = [];
  for (const round of result.rounds) {
    const where = `tables round ${round.round}`;
    for (const failure of round.failures) lines.push(`${where}: phase failed: ${failure}`);
    for (const phase of [...round.requests, round.load, round.middleQuery]) {
      if (phase === undefined || phase.errors === 0) continue;
      lines.push(
        `${where}, ${phase.label} at concurrency ${phase.concurrency}: ${phase.errors} failed requests, first: ${phase.errorExcerpt.join('; ')}`,
      );
    }
    if (round.loadResends > 0) {
      lines.push(`${where}: BatchWriteItem returned UnprocessedItems ${round.loadResends} times`);
    }
    const stream = round.stream;
    if (stream !== undefined && stream.recorded < stream.puts) {
      lines.push(`${where}: ${stream.puts - stream.recorded} handler starts not recorded`);
    }
    if (stream !== undefined && stream.fromRequestMinMs < 0) {
      lines.push(
        `${where}: a handler started ${formatNumber(-stream.fromRequestMinMs)} ms before its PutItem request was sent; the two clocks disagree`,
      );
    }
    lines.push(...stopProblems(round.platformStop, where));
  }
  return lines;
}

function uniquePhases(phases: PhaseResult[]): { label: string; concurrency: number }[] {
  const seen = new Map<string, { label: string; concurrency: number }>();
  for (const { label, concurrency } of phases)
    seen.set(`${concurrency} ${label}`, { label, concurrency });
  return [...seen.values()];
}

function findPhase(phases: PhaseResult[], label: string, concurrency: number) {
  return phases.find((phase) => phase.label === label && phase.concurrency === concurrency);
}

function defined<T>(values: (T | undefined)[]): T[] {
  return values.filter((value): value is T => value !== undefined);
}

function medianOf<T>(values: T[], pick: (value: T) => number): string {
  return formatNumber(median(values.map(pick)));
}
