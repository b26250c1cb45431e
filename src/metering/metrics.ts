import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { InvocationRecord } from '../state/store.js';
import { gbSeconds } from './prices.js';
import { THROTTLED_OUTCOME } from './usage.js';

/**
 * Bucket upper bounds in seconds for invocation durations, from 1 ms to Lambda's maximum
 * timeout of 900 s, roughly three per decade.
 */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
  900,
];

export interface InvocationMetricsOptions {
  /** Invocations in progress per function, read at each scrape. */
  concurrentExecutions: () => Iterable<readonly [string, number]>;
}

/** Running totals of one function, kept as plain numbers so that observing costs little. */
interface FunctionTotals {
  invocationsByOutcome: Map<string, number>;
  errors: number;
  throttles: number;
  coldStarts: number;
  billedGbSeconds: number;
  durationSeconds: { observe(value: number): void };
}

/**
 * The platform's Prometheus metrics, in a registry of their own so that several platforms
 * in one process stay apart. Counters are kept as plain numbers per function and copied
 * into prom-client when scraped; only the duration histogram is updated per invocation.
 */
export class InvocationMetrics {
  readonly registry = new Registry();
  readonly #totals = new Map<string, FunctionTotals>();
  readonly #duration: Histogram<'function'>;

  constructor(options: InvocationMetricsOptions) {
    registerCounters(this.registry, this.#totals);
    this.#duration = new Histogram({
      name: 'lambdacraft_duration_seconds',
      help: 'Duration of invocations that ran, as in the REPORT line (without Init Duration)',
      labelNames: ['function'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    new Gauge({
      name: 'lambdacraft_concurrent_executions',
      help: 'Invocations of the function in progress: admitted and not yet ended',
      labelNames: ['function'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [functionName, count] of options.concurrentExecutions()) {
          this.set({ function: functionName }, count);
        }
      },
    });
  }

  /** Counts one recorded invocation, throttled or run. */
  observe(record: InvocationRecord): void {
    const totals = this.#totalsOf(record.functionName);
    if (record.outcome === THROTTLED_OUTCOME) {
      totals.throttles += 1;
      return;
    }

    const byOutcome = totals.invocationsByOutcome;
    byOutcome.set(record.outcome, (byOutcome.get(record.outcome) ?? 0) + 1);
    if (record.outcome !== 'success') totals.errors += 1;
    if (record.initDurationMs !== undefined) totals.coldStarts += 1;
    totals.billedGbSeconds += gbSeconds(record.memorySizeMb, record.billedDurationMs);
    totals.durationSeconds.observe(record.durationMs / 1000);
  }

  /** Renders the metrics in Prometheus's text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #totalsOf(functionName: string): FunctionTotals {
    let totals = this.#totals.get(functionName);
    if (totals === undefined) {
      totals = {
        invocationsByOutcome: new Map(),
        errors: 0,
        throttles: 0,
        coldStarts: 0,
        billedGbSeconds: 0,
        durationSeconds: this.#duration.labels({ function: functionName }),
      };
      this.#totals.set(functionName, totals);
    }
    return totals;
  }
}

/** Counters with one `function` label, each read from the running totals at scrape time. */
const FUNCTION_COUNTERS: {
  name: string;
  help: string;
  read: (totals: FunctionTotals) => number;
}[] = [
  {
    name: 'lambdacraft_errors_total',
    help: 'Invocations that ran and did not succeed: function errors, timeouts, crashes, failed inits',
    read: (totals) => totals.errors,
  },
  {
    name: 'lambdacraft_throttles_total',
    help: 'Invocation requests rejected by a concurrency limit (HTTP 429)',
    read: (totals) => totals.throttles,
  },
  {
    name: 'lambdacraft_cold_starts_total',
    help: 'Invocations that started a new execution environment (with an Init Duration)',
    read: (totals) => totals.coldStarts,
  },
  {
    name: 'lambdacraft_billed_gb_seconds_total',
    help: 'Configured memory in GB (1024 MB) times billed duration in seconds',
    read: (totals) => totals.billedGbSeconds,
  },
];

/** Registers the counters, which copy the running totals of every function when scraped. */
function registerCounters(registry: Registry, byFunction: Map<string, FunctionTotals>): void {
  new Counter({
    name: 'lambdacraft_invocations_total',
    help: 'Invocations that ran, by function and outcome; throttled requests are not counted',
    labelNames: ['function', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [functionName, totals] of byFunction) {
        for (const [outcome, count] of totals.invocationsByOutcome) {
          this.inc({ function: functionName, outcome }, count);
        }
      }
    },
  });
  for (const { name, help, read } of FUNCTION_COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['function'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [functionName, totals] of byFunction) {
          this.inc({ function: functionName }, read(totals));
        }
      },
    });
  }
}
