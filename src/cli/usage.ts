import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { InvalidArgumentError } from 'commander';

import { loadProjectConfig } from '../config-file.js';
import { invalidConfig } from '../errors.js';
import { silentLogger } from '../log.js';
import { DEFAULT_PRICES, type PriceTable } from '../metering/prices.js';
import { formatPrices, formatUsageTable } from '../metering/usage-table.js';
import { summarizeUsage, type FunctionUsage, type UsageSummary } from '../metering/usage.js';
import { StateStore } from '../state/store.js';
import { output } from './output.js';

export interface UsageOptions {
  dataDir?: string;
  /** Length of the window ending now, in ms; every recorded invocation when absent. */
  since?: number;
  function?: string;
  json: boolean;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
};

/** Parses a `--since` value such as `30s`, `15m`, `1h` or `7d` into milliseconds. */
export function parseSince(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  const amount = match === null ? 0 : Number(match[1]);
  const unitMs = UNIT_MS[match?.[2] ?? ''];
  if (unitMs === undefined || amount < 1 || !Number.isSafeInteger(amount * unitMs)) {
    throw new InvalidArgumentError(
      `'${value}' is not a time span; use a whole number of at least 1 followed by s, m, h or d, such as 30s, 15m, 1h or 7d`,
    );
  }
  return amount * unitMs;
}

/**
 * Prints the usage and cost of a project's functions from its state database, which it
 * opens read-only, so that it runs beside `lambdacraft up`.
 */
export function runUsage(dir: string, options: UsageOptions): void {
  const projectDir = projectFolder(dir);
  const prices: PriceTable = { ...DEFAULT_PRICES, ...loadProjectConfig(projectDir).prices };
  const dataDir = path.resolve(options.dataDir ?? path.join(projectDir, '.lambdacraft'));
  if (!existsSync(path.join(dataDir, 'state.db'))) {
    throw invalidConfig(
      `no LambdaCraft state in '${dataDir}'; pass the project folder as DIR, or --data-dir with its data folder`,
    );
  }

  const store = StateStore.openReadOnly(dataDir, silentLogger());
  let summary: UsageSummary;
  try {
    const sinceMs = options.since === undefined ? undefined : Date.now() - options.since;
    summary = summarizeUsage(store, { functionName: options.function, sinceMs }, prices);
  } finally {
    store.close();
  }

  if (summary.functions.length === 0) {
    const subject = options.function === undefined ? '' : ` of '${options.function}'`;
    const span = options.since === undefined ? '' : ' in this time span';
    output.error(`no invocations${subject} recorded in ${dataDir}${span}`);
  }
  if (options.json) {
    output.line(JSON.stringify(usageJson(summary), null, 2));
    return;
  }
  output.line(windowTitle(summary, dataDir));
  for (const line of formatUsageTable(summary)) output.line(line);
  output.line('');
  for (const line of formatPrices(summary.prices)) output.line(line);
}

/** DIR is the project folder; a path to the template file in it works too. */
function projectFolder(dir: string): string {
  const resolved = path.resolve(dir);
  return existsSync(resolved) && statSync(resolved).isFile() ? path.dirname(resolved) : resolved;
}

function windowTitle(summary: UsageSummary, dataDir: string): string {
  const since =
    summary.sinceMs === undefined
      ? 'every recorded invocation'
      : `invocations since ${new Date(summary.sinceMs).toISOString()}`;
  return `Usage in ${dataDir}: ${since}`;
}

/** Converts the summary to plain JSON values, with null for a percentile of no invocations. */
function usageJson(summary: UsageSummary): unknown {
  const entry = (usage: FunctionUsage) => ({
    ...usage,
    p50DurationMs: usage.p50DurationMs ?? null,
    p99DurationMs: usage.p99DurationMs ?? null,
  });
  return {
    since: summary.sinceMs === undefined ? null : new Date(summary.sinceMs).toISOString(),
    functions: summary.functions.map(entry),
    total: entry(summary.total),
    prices: summary.prices,
    freeTierDeducted: summary.freeTierDeducted,
  };
}
