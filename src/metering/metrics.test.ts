import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { InvocationRecord } from '../state/store.js';
import { InvocationMetrics } from './metrics.js';

function record(overrides: Partial<InvocationRecord>): InvocationRecord {
  return {
    requestId: 'request',
    functionName: 'Alpha',
    version: '$LATEST',
    source: 'api',
    startedAtMs: 0,
    durationMs: 20,
    billedDurationMs: 20,
    memorySizeMb: 512,
    architecture: 'x86_64',
    maxMemoryUsedMb: 30,
    initDurationMs: undefined,
    outcome: 'success',
    errorType: undefined,
    log: '',
    ...overrides,
  };
}

/** Reads one sample's value from Prometheus text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((item) => item.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('invocation metrics', () => {
  it('counts outcomes, errors, throttles and cold starts', async () => {
    const metrics = new InvocationMetrics({ concurrentExecutions: () => [] });
    metrics.observe(record({ initDurationMs: 150 }));
    metrics.observe(record({}));
    metrics.observe(record({ outcome: 'function-error' }));
    metrics.observe(record({ outcome: 'throttled', durationMs: 0, billedDurationMs: 0 }));
    metrics.observe(record({ functionName: 'Beta', outcome: 'timeout', durationMs: 3000 }));
    const text = await metrics.render();

    const alpha = 'function="Alpha"';
    assert.equal(sample(text, `lambdacraft_invocations_total{${alpha},outcome="success"}`), 2);
    assert.equal(
      sample(text, `lambdacraft_invocations_total{${alpha},outcome="function-error"}`),
      1,
    );
    assert.equal(
      sample(text, `lambdacraft_invocations_total{${alpha},outcome="throttled"}`),
      undefined,
    );
    assert.equal(sample(text, `lambdacraft_errors_total{${alpha}}`), 1);
    assert.equal(sample(text, `lambdacraft_throttles_total{${alpha}}`), 1);
    assert.equal(sample(text, `lambdacraft_cold_starts_total{${alpha}}`), 1);
    assert.equal(sample(text, 'lambdacraft_errors_total{function="Beta"}'), 1);
    assert.equal(
      sample(text, 'lambdacraft_invocations_total{function="Beta",outcome="timeout"}'),
      1,
    );
  });

  it('adds billed GB-seconds and durations', async () => {
    const metrics = new InvocationMetrics({ concurrentExecutions: () => [] });
    metrics.observe(record({ durationMs: 0.4, billedDurationMs: 1 }));
    metrics.observe(record({ durationMs: 20, billedDurationMs: 20 }));
    metrics.observe(record({ durationMs: 899_000, billedDurationMs: 899_000 }));
    const text = await metrics.render();

    const alpha = 'function="Alpha"';
    // 0.5 GB for 1 + 20 + 899000 ms.
    assertClose(sample(text, `lambdacraft_billed_gb_seconds_total{${alpha}}`), 0.5 * 899.021);
    assert.equal(sample(text, `lambdacraft_duration_seconds_count{${alpha}}`), 3);
    assertClose(sample(text, `lambdacraft_duration_seconds_sum{${alpha}}`), 0.0004 + 0.02 + 899);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="0.001",${alpha}}`), 1);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="0.025",${alpha}}`), 2);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="600",${alpha}}`), 2);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="900",${alpha}}`), 3);
    assert.equal(sample(text, `lambdacraft_duration_seconds_bucket{le="+Inf",${alpha}}`), 3);
  });

  it('reads concurrent executions at each scrape', async () => {
    let running = 2;
    const metrics = new InvocationMetrics({
      concurrentExecutions: () => [
        ['Alpha', running],
        ['Beta', 0],
      ],
    });
    const first = await metrics.render();
    running = 5;
    const second = await metrics.render();

    assert.equal(sample(first, 'lambdacraft_concurrent_executions{function="Alpha"}'), 2);
    assert.equal(sample(first, 'lambdacraft_concurrent_executions{function="Beta"}'), 0);
    assert.equal(sample(second, 'lambdacraft_concurrent_executions{function="Alpha"}'), 5);
  });

  it('keeps each instance in its own registry', async () => {
    const first = new InvocationMetrics({ concurrentExecutions: () => [] });
    const second = new InvocationMetrics({ concurrentExecutions: () => [] });
    first.observe(record({}));
    const text = await second.render();

    assert.equal(
      sample(text, 'lambdacraft_invocations_total{function="Alpha",outcome="success"}'),
      undefined,
    );
    assert.match(text, /# TYPE lambdacraft_invocations_total counter/);
    assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
  });
});

function assertClose(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
}
