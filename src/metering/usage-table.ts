import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import type { FunctionUsage, UsageSummary } from './usage.js';

interface Column {
  title: string;
  /** Left-aligned when true; numbers are right-aligned. */
  text?: boolean;
  format: (usage: FunctionUsage) => string;
}

const COLUMNS: Column[] = [
  { title: 'function', text: true, format: (usage) => usage.functionName },
  { title: 'invocations', format: (usage) => String(usage.invocations) },
  { title: 'errors', format: (usage) => String(usage.errors) },
  { title: 'throttles', format: (usage) => String(usage.throttles) },
  { title: 'cold starts', format: (usage) => String(usage.coldStarts) },
  { title: 'p50 ms', format: (usage) => formatMs(usage.p50DurationMs) },
  { title: 'p99 ms', format: (usage) => formatMs(usage.p99DurationMs) },
  { title: 'GB-s', format: (usage) => usage.gbSeconds.toFixed(4) },
  { title: 'cost USD', format: (usage) => usage.costUsd.toFixed(8) },
];

/** Formats a usage summary as text lines: the table, one row per function and a total row. */
export function formatUsageTable(summary: UsageSummary): string[] {
  const rows = [...summary.functions, summary.total].map((usage) =>
    COLUMNS.map((column) => column.format(usage)),
  );
  const header = COLUMNS.map((column) => column.title);
  const widths = COLUMNS.map((_, index) =>
    Math.max(header[index]?.length ?? 0, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return COLUMNS[index]?.text === true ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * Describes the prices a summary used, naming the ones that differ from AWS's us-east-1
 * defaults, and states that the free tier is not deducted.
 */
export function formatPrices(prices: PriceTable): string[] {
  const overridden = (Object.keys(DEFAULT_PRICES) as (keyof PriceTable)[]).filter(
    (key) => prices[key] !== DEFAULT_PRICES[key],
  );
  const source =
    overridden.length === 0
      ? "AWS Lambda's us-east-1 on-demand prices, first tier"
      : `AWS Lambda's us-east-1 on-demand prices, first tier, with ${overridden.join(', ')} from lambdacraft.json`;
  return [
    `Prices (${source}):`,
    `  request               $${formatPrice(prices.requestUsd)} each`,
    `  duration on x86_64    $${formatPrice(prices.x86GbSecondUsd)} per GB-s`,
    `  duration on arm64     $${formatPrice(prices.arm64GbSecondUsd)} per GB-s`,
    'GB-s is memory in GB (1024 MB) times billed duration in seconds. Throttled requests are not billed.',
    'The free tier (1 million requests and 400,000 GB-s a month per account) is not deducted.',
  ];
}

/** Writes a price in plain decimals (0.0000002, not 2e-7), to 12 places. */
function formatPrice(usd: number): string {
  return usd.toFixed(12).replace(/\.?0+$/, '');
}

function formatMs(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(2);
}
