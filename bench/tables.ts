import type { ColdFigures, Goal, TargetFigures } from './report.js';
import { formatNumber } from './report.js';

/** Formats a count, or the median of counts, which may end in .5. */
function formatCount(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Renders rows as a Markdown table with padded columns, readable as plain text too. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Latency and throughput of warm targets; `prefix` columns (such as the round) come first. */
export function latencyTable(
  concurrencies: number[],
  rows: { prefix: string[]; figures: TargetFigures }[],
  prefixHeader: string[] = [],
): string {
  const header = [
    ...prefixHeader,
    'target',
    'seq p50 ms',
    'seq p99 ms',
    ...concurrencies.flatMap((c) => [`c${c} inv/s`, `c${c} p50 ms`, `c${c} p99 ms`]),
    'errors',
  ];
  return markdownTable(
    header,
    rows.map(({ prefix, figures }) => [
      ...prefix,
      figures.label,
      formatNumber(figures.sequentialP50Ms),
      formatNumber(figures.sequentialP99Ms),
      ...figures.load.flatMap((phase) => [
        formatNumber(phase.requestsPerSecond),
        formatNumber(phase.p50Ms),
        formatNumber(phase.p99Ms),
      ]),
      String(figures.errors),
    ]),
  );
}

/** Memory of warm targets: RSS of the root process, RSS and PSS summed over its tree. */
export function memoryTable(
  rows: { prefix: string[]; figures: TargetFigures }[],
  prefixHeader: string[] = [],
): string {
  const header = [
    ...prefixHeader,
    'target',
    'root RSS idle MB',
    'root RSS peak MB',
    'tree RSS idle MB',
    'tree RSS peak MB',
    'tree PSS idle MB',
    'tree PSS peak MB',
    'processes at peak',
    'sampler ms',
    'stop problems',
  ];
  return markdownTable(
    header,
    rows.map(({ prefix, figures }) => [
      ...prefix,
      figures.label,
      formatNumber(figures.rootRssIdleMb),
      formatNumber(figures.rootRssPeakMb),
      formatNumber(figures.treeRssIdleMb),
      formatNumber(figures.treeRssPeakMb),
      formatNumber(figures.treePssIdleMb),
      formatNumber(figures.treePssPeakMb),
      formatCount(figures.processesAtPeak),
      formatNumber(figures.samplerMs),
      String(figures.stopProblems),
    ]),
  );
}

export function coldTable(
  rows: { prefix: string[]; figures: ColdFigures }[],
  prefixHeader: string[] = [],
): string {
  const header = [
    ...prefixHeader,
    'Python cold median ms',
    'Python cold max ms',
    'Node cold median ms',
    'Node cold max ms',
    'spawn python3 -c pass ms',
    'spawn node -e 0 ms',
    'failed',
  ];
  return markdownTable(
    header,
    rows.map(({ prefix, figures }) => [
      ...prefix,
      formatNumber(figures.pythonMedianMs),
      formatNumber(figures.pythonMaxMs),
      formatNumber(figures.nodeMedianMs),
      formatNumber(figures.nodeMaxMs),
      formatNumber(figures.spawnPythonMedianMs),
      formatNumber(figures.spawnNodeMedianMs),
      String(figures.failedColdStarts),
    ]),
  );
}

export function goalTable(goals: Goal[]): string {
  return markdownTable(
    ['goal', 'target', 'measured (median)', 'verdict'],
    goals.map((item) => [item.description, item.target, item.measured, item.verdict]),
  );
}
