import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { silentLogger } from '../log.js';
import { StateStore, type InvocationRecord } from '../state/store.js';
import { DEFAULT_PRICES, gbSeconds } from './prices.js';
import { formatPrices, formatUsageTable } from './usage-table.js';
import { percentile, summarizeUsage } from './usage.js';

let sequence = 0;

function record(overrides: Partial<InvocationRecord>): InvocationRecord {
  sequence += 1;
  return {
    requestId: `request-${sequence}`,
    functionName: 'Alpha',
    version: '$LATEST',
    source: 'api',
    startedAtMs: 1_000_000,
    durationMs: 10,
    billedDurationMs: 10,
    memorySizeMb: 128,
    architecture: 'x86_64',
    maxMemoryUsedMb: 30,
    initDurationMs: undefined,
    outcome: 'success',
    errorType: undefined,
    log: '',
    ...overrides,
  };
}

/** Alpha: x86_64, 4 runs and 1 throttle. Beta: arm64 at 1024 MB, 2 runs. */
const RECORDS = [
  record({ durationMs: 101.5, billedDurationMs: 352, initDurationMs: 250.2 }),
  record({ durationMs: 20.25, billedDurationMs: 21, startedAtMs: 2_000_000 }),
  record({ durationMs: 3, billedDurationMs: 3, startedAtMs: 3_000_000, outcome: 'function-error' }),
  record({ durationMs: 3000, billedDurationMs: 3000, startedAtMs: 4_000_000, outcome: 'timeout' }),
  record({ durationMs: 0, billedDurationMs: 0, startedAtMs: 4_000_000, outcome: 'throttled' }),
  record({
    functionName: 'Beta',
    memorySizeMb: 1024,
    architecture: 'arm64',
    billedDurationMs: 1000,
  }),
  record({
    functionName: 'Beta',
    memorySizeMb: 1024,
    architecture: 'arm64',
    durationMs: 5,
    billedDurationMs: 5,
    startedAtMs: 5_000_000,
  }),
];

function storeWith(records: InvocationRecord[]): StateStore {
  const store = StateStore.open(':memory:', silentLogger());
  for (const item of records) store.recordInvocation(item);
  return store;
}

describe('usage summary', () => {
  const store = storeWith(RECORDS);
  after(() => store.close());

  it('counts invocations, errors, throttles and cold starts', () => {
    const summary = summarizeUsage(store, {}, DEFAULT_PRICES);
    const [alpha, beta] = summary.functions;
    assert.equal(summary.functions.length, 2);
    assert.equal(alpha?.functionName, 'Alpha');
    assert.equal(alpha.invocations, 4);
    assert.equal(alpha.errors, 2);
    assert.equal(alpha.throttles, 1);
    assert.equal(alpha.coldStarts, 1);
    assert.equal(beta?.functionName, 'Beta');
    assert.equal(beta.invocations, 2);
    assert.equal(beta.errors, 0);
    assert.equal(summary.total.invocations, 6);
    assert.equal(summary.total.errors, 2);
    assert.equal(summary.total.throttles, 1);
    assert.equal(summary.total.coldStarts, 1);
  });

  it('matches a hand computation of GB-s and cost', () => {
    const summary = summarizeUsage(store, {}, DEFAULT_PRICES);
    const [alpha, beta] = summary.functions;
    // Alpha: 128 MB = 0.125 GB for 352 + 21 + 3 + 3000 = 3376 ms; the throttle is free.
    const alphaGbSeconds = 0.125 * 3.376;
    const alphaCost = 4 * 0.0000002 + alphaGbSeconds * 0.0000166667;
    // Beta: 1 GB for 1005 ms at the arm64 price.
    const betaGbSeconds = 1 * 1.005;
    const betaCost = 2 * 0.0000002 + betaGbSeconds * 0.0000133334;
    assertClose(alpha?.gbSeconds, alphaGbSeconds);
    assertClose(alpha?.costUsd, alphaCost);
    assertClose(beta?.gbSeconds, betaGbSeconds);
    assertClose(beta?.costUsd, betaCost);
    assertClose(summary.total.gbSeconds, alphaGbSeconds + betaGbSeconds);
    assertClose(summary.total.costUsd, alphaCost + betaCost);
  });

  it('takes percentiles of durations that ran', () => {
    const summary = summarizeUsage(store, {}, DEFAULT_PRICES);
    const [alpha] = summary.functions;
    // Sorted: 3, 20.25, 101.5, 3000; the throttle's 0 ms is left out.
    assert.equal(alpha?.p50DurationMs, 20.25);
    assert.equal(alpha.p99DurationMs, 3000);
    // All six: 3, 5, 10, 20.25, 101.5, 3000.
    assert.equal(summary.total.p50DurationMs, 10);
    assert.equal(summary.total.p99DurationMs, 3000);
  });

  it('filters by start time and function', () => {
    const since = summarizeUsage(store, { sinceMs: 3_000_000 }, DEFAULT_PRICES);
    assert.deepEqual(
      since.functions.map((usage) => [usage.functionName, usage.invocations, usage.throttles]),
      [
        ['Alpha', 2, 1],
        ['Beta', 1, 0],
      ],
    );
    const beta = summarizeUsage(store, { functionName: 'Beta' }, DEFAULT_PRICES);
    assert.deepEqual(
      beta.functions.map((usage) => usage.functionName),
      ['Beta'],
    );
    assert.equal(beta.total.invocations, 2);
  });

  it('applies overridden prices', () => {
    const prices = { requestUsd: 1, x86GbSecondUsd: 10, arm64GbSecondUsd: 100 };
    const summary = summarizeUsage(store, {}, prices);
    assertClose(summary.total.costUsd, 6 + 0.125 * 3.376 * 10 + 1.005 * 100);
  });

  it('returns no functions for an empty window', () => {
    const summary = summarizeUsage(store, { sinceMs: 9_000_000 }, DEFAULT_PRICES);
    assert.equal(summary.functions.length, 0);
    assert.equal(summary.total.invocations, 0);
    assert.equal(summary.total.p50DurationMs, undefined);
    assert.equal(summary.total.costUsd, 0);
  });
});

describe('usage table', () => {
  it('prints one row per function and a total', () => {
    const store = storeWith(RECORDS);
    const lines = formatUsageTable(summarizeUsage(store, {}, DEFAULT_PRICES));
    store.close();
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /^function\s+invocations\s+errors\s+throttles\s+cold starts/);
    assert.match(
      lines[1] ?? '',
      /^Alpha\s+4\s+2\s+1\s+1\s+20\.25\s+3000\.00\s+0\.4220\s+0\.00000783/,
    );
    assert.match(lines[3] ?? '', /^total\s+6\s+2\s+1\s+1\s+10\.00\s+3000\.00\s+/);
  });

  it('lists prices in plain decimals and names overrides', () => {
    const defaults = formatPrices(DEFAULT_PRICES).join('\n');
    assert.match(defaults, /\$0\.0000002 each/);
    assert.match(defaults, /\$0\.0000166667 per GB-s/);
    assert.match(defaults, /free tier .* is not deducted/);
    const overridden = formatPrices({ ...DEFAULT_PRICES, requestUsd: 0.0000003 }).join('\n');
    assert.match(overridden, /with requestUsd from lambdacraft\.json/);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 99), 10);
    assert.equal(percentile(values, 10), 1);
    assert.equal(percentile(Float64Array.from([7]), 99), 7);
    assert.equal(percentile(new Float64Array(), 50), undefined);
  });
});

describe('gbSeconds', () => {
  it('uses 1024 MB per GB', () => {
    assert.equal(gbSeconds(1024, 1000), 1);
    assert.equal(gbSeconds(128, 1), 0.125 / 1000);
  });
});

describe('state database written before the architecture column', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-metering-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function writeOldDatabase(): void {
    const db = new Database(path.join(dir, 'state.db'));
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE invocations (request_id TEXT NOT NULL, function_name TEXT NOT NULL,
      version TEXT NOT NULL, source TEXT NOT NULL, started_at_ms INTEGER NOT NULL,
      duration_ms REAL NOT NULL, billed_duration_ms INTEGER NOT NULL,
      memory_size_mb INTEGER NOT NULL, max_memory_used_mb INTEGER NOT NULL,
      init_duration_ms REAL, outcome TEXT NOT NULL, error_type TEXT, log TEXT NOT NULL)`);
    db.prepare(
      `INSERT INTO invocations VALUES ('old', 'Old', '$LATEST', 'api', 1, 2, 2000, 512, 30,
        NULL, 'success', NULL, '')`,
    ).run();
    db.close();
  }

  it('is read as x86_64 without migrating', () => {
    writeOldDatabase();
    const reader = StateStore.openReadOnly(dir, silentLogger());
    const summary = summarizeUsage(reader, {}, DEFAULT_PRICES);
    reader.close();
    assertClose(summary.total.costUsd, 0.0000002 + 0.5 * 2 * 0.0000166667);
  });

  it('gains the column when opened for writing', () => {
    const store = StateStore.open(dir, silentLogger());
    store.recordInvocation(record({ functionName: 'New', architecture: 'arm64' }));
    const [old, added] = [
      store.recentInvocations('Old', 1)[0],
      store.recentInvocations('New', 1)[0],
    ];
    store.close();
    assert.equal(old?.architecture, 'x86_64');
    assert.equal(added?.architecture, 'arm64');
  });
});

function assertClose(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
}
