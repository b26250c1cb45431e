import type { FunctionUsageRow, StateStore, UsageFilter } from '../state/store.js';
import { gbSecondsFromMbMs, type PriceTable } from './prices.js';

/** The outcome of an invocation that a concurrency limit rejected with HTTP 429. */
export const THROTTLED_OUTCOME = 'throttled';
const SUCCESS_OUTCOME = 'success';

/** Metered usage of one function, or of all of them, over a time window. */
export interface FunctionUsage {
  functionName: string;
  /** Invocations that ran, successful or not; throttled requests are not counted. */
  invocations: number;
  /** Invocations that ran and did not succeed (function error, timeout, crash, ...). */
  errors: number;
  throttles: number;
  coldStarts: number;
  /** Median Duration of the invocations that ran; undefined when none did. */
  p50DurationMs: number | undefined;
  p99DurationMs: number | undefined;
  gbSeconds: number;
  /** Requests plus duration at the price table's rates, with no free tier deducted. */
  costUsd: number;
}

export interface UsageSummary {
  /** Start of the window in ms since the epoch; undefined for every recorded invocation. */
  sinceMs: number | undefined;
  functions: FunctionUsage[];
  total: FunctionUsage;
  prices: PriceTable;
  /** Always false: the free tier is monthly and per account, so it is left out. */
  freeTierDeducted: false;
}

/** The queries a usage summary runs, implemented by StateStore. */
export type UsageSource = Pick<StateStore, 'usageByFunction' | 'durationsMs'>;

const OUTCOMES = { success: SUCCESS_OUTCOME, throttled: THROTTLED_OUTCOME };

/**
 * Summarizes the recorded invocations that match the filter, one entry per function sorted
 * by name, and their total. Throttled requests are counted but not billed.
 */
export function summarizeUsage(
  source: UsageSource,
  filter: UsageFilter,
  prices: PriceTable,
): UsageSummary {
  const functions: FunctionUsage[] = [];
  const durationsByFunction: Float64Array[] = [];
  for (const row of source.usageByFunction(filter, OUTCOMES)) {
    const durations = source.durationsMs(row.functionName, filter, THROTTLED_OUTCOME);
    const sorted = Float64Array.from(durations).sort();
    functions.push(functionUsage(row, sorted, prices));
    durationsByFunction.push(sorted);
  }

  const total = sumUsage(functions, concatenate(durationsByFunction).sort());
  return { sinceMs: filter.sinceMs, functions, total, prices, freeTierDeducted: false };
}

function functionUsage(
  row: FunctionUsageRow,
  sortedDurationsMs: Float64Array,
  prices: PriceTable,
): FunctionUsage {
  const x86GbSeconds = gbSecondsFromMbMs(row.x86MbMs);
  const arm64GbSeconds = gbSecondsFromMbMs(row.arm64MbMs);
  return {
    functionName: row.functionName,
    invocations: row.invocations,
    errors: row.errors,
    throttles: row.throttles,
    coldStarts: row.coldStarts,
    ...percentiles(sortedDurationsMs),
    gbSeconds: x86GbSeconds + arm64GbSeconds,
    costUsd:
      row.invocations * prices.requestUsd +
      x86GbSeconds * prices.x86GbSecondUsd +
      arm64GbSeconds * prices.arm64GbSecondUsd,
  };
}

function sumUsage(functions: FunctionUsage[], sortedDurationsMs: Float64Array): FunctionUsage {
  const total: FunctionUsage = {
    functionName: 'total',
    invocations: 0,
    errors: 0,
    throttles: 0,
    coldStarts: 0,
    ...percentiles(sortedDurationsMs),
    gbSeconds: 0,
    costUsd: 0,
  };
  for (const usage of functions) {
    total.invocations += usage.invocations;
    total.errors += usage.errors;
    total.throttles += usage.throttles;
    total.coldStarts += usage.coldStarts;
    total.gbSeconds += usage.gbSeconds;
    total.costUsd += usage.costUsd;
  }
  return total;
}

function percentiles(
  sortedDurationsMs: Float64Array,
): Pick<FunctionUsage, 'p50DurationMs' | 'p99DurationMs'> {
  return {
    p50DurationMs: percentile(sortedDurationsMs, 50),
    p99DurationMs: percentile(sortedDurationsMs, 99),
  };
}

function concatenate(arrays: Float64Array[]): Float64Array {
  const result = new Float64Array(arrays.reduce((length, array) => length + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    result.set(array, offset);
    offset += array.length;
  }
  return result;
}

/**
 * Returns the nearest-rank percentile of ascending values: the smallest value with at least
 * `rank` percent of the values at or below it, or undefined when there are no values.
 */
export function percentile(sorted: ArrayLike<number>, rank: number): number | undefined {
  if (sorted.length === 0) return undefined;

  const index = Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1);
  return sorted[index];
}
