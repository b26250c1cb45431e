import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ScheduleDefinition } from './definition.js';
import { parseScheduleExpression, ScheduleExpressionError } from './expression.js';
import { nextFireTime, nextFireTimes } from './next-fire.js';

const RULE = { allowAt: false, allowSubminute: false };
const SCHEDULER = { allowAt: true, allowSubminute: false };

function rejection(expression: string, options = RULE): string {
  try {
    parseScheduleExpression(expression, options);
  } catch (error) {
    assert.ok(error instanceof ScheduleExpressionError);
    return error.message;
  }
  assert.fail(`${expression} was accepted`);
}

function definition(
  expression: string,
  overrides: Partial<ScheduleDefinition> = {},
): ScheduleDefinition {
  const kind = overrides.kind ?? 'rule';
  return {
    name: 'Test',
    kind,
    expression,
    parsed: parseScheduleExpression(expression, kind === 'rule' ? RULE : SCHEDULER),
    timeZone: 'UTC',
    startMs: undefined,
    endMs: undefined,
    enabled: true,
    functionName: 'fn',
    qualifier: undefined,
    input: undefined,
    source: 'test',
    ...overrides,
  };
}

describe('rate expressions', () => {
  it('accepts singular for 1 and plural above', () => {
    assert.deepEqual(parseScheduleExpression('rate(1 minute)', RULE), {
      kind: 'rate',
      periodMs: 60_000,
    });
    assert.deepEqual(parseScheduleExpression('rate(5 minutes)', RULE), {
      kind: 'rate',
      periodMs: 300_000,
    });
    assert.deepEqual(parseScheduleExpression('rate(1 day)', RULE), {
      kind: 'rate',
      periodMs: 86_400_000,
    });
    assert.deepEqual(parseScheduleExpression('rate(2 hours)', RULE), {
      kind: 'rate',
      periodMs: 7_200_000,
    });
  });

  it('rejects rate(1 minutes)', () => {
    assert.match(rejection('rate(1 minutes)'), /write rate\(1 minute\)/);
  });

  it('rejects rate(5 minute)', () => {
    assert.match(rejection('rate(5 minute)'), /write rate\(5 minutes\)/);
  });

  it('rejects rate(0 minutes)', () => {
    assert.match(rejection('rate(0 minutes)'), /at least 1/);
  });

  it('rejects seconds without the dev flag', () => {
    assert.match(rejection('rate(1 second)'), /at most once a minute/);
  });

  it('accepts seconds with the dev flag', () => {
    assert.deepEqual(
      parseScheduleExpression('rate(1 second)', { allowAt: false, allowSubminute: true }),
      { kind: 'rate', periodMs: 1000 },
    );
  });

  it('rejects unknown units and forms', () => {
    assert.match(rejection('rate(1 week)'), /unit 'week'/);
    assert.match(rejection('every 5 minutes'), /is not rate\(\.\.\.\) or cron\(\.\.\.\)/);
  });
});

describe('at expressions', () => {
  it('are rejected for rules', () => {
    assert.match(
      rejection('at(2030-01-31T09:30:00)'),
      /one-time schedule of EventBridge Scheduler/,
    );
  });

  it('reject invalid dates', () => {
    assert.match(rejection('at(2030-02-30T09:30:00)', SCHEDULER), /not a valid date/);
    assert.match(rejection('at(2030-01-31 09:30)', SCHEDULER), /yyyy-mm-ddThh:mm:ss/);
  });

  it('fire once at the wall time of their zone', () => {
    const schedule = definition('at(2030-01-31T09:30:00)', {
      kind: 'scheduler',
      timeZone: 'Europe/Paris',
    });
    const start = Date.parse('2030-01-01T00:00:00Z');
    assert.deepEqual(nextFireTimes(schedule, start, start, 3), [
      Date.parse('2030-01-31T08:30:00Z'),
    ]);
  });
});

describe('next fire times', () => {
  const anchor = Date.parse('2026-12-04T12:00:00Z');

  it('rate(1 hour) of a rule fires hourly from one period after the anchor', () => {
    const times = nextFireTimes(definition('rate(1 hour)'), anchor, anchor, 3);
    assert.deepEqual(
      times.map((time) => new Date(time).toISOString()),
      ['2026-12-04T13:00:00.000Z', '2026-12-04T14:00:00.000Z', '2026-12-04T15:00:00.000Z'],
    );
  });

  it('a Scheduler rate without StartDate fires at the anchor', () => {
    const schedule = definition('rate(1 hour)', { kind: 'scheduler' });
    assert.equal(nextFireTime(schedule, anchor - 1, anchor), anchor);
  });

  it('a Scheduler rate counts from StartDate', () => {
    const startMs = Date.parse('2026-12-10T00:00:00Z');
    const schedule = definition('rate(1 day)', { kind: 'scheduler', startMs });
    assert.deepEqual(nextFireTimes(schedule, anchor, anchor, 2), [startMs, startMs + 86_400_000]);
  });

  it('EndDate ends a schedule', () => {
    const endMs = Date.parse('2026-12-04T14:30:00Z');
    const schedule = definition('rate(1 hour)', { kind: 'scheduler', endMs });
    // After the anchor (12:00): 13:00 and 14:00; 15:00 is past EndDate.
    assert.equal(nextFireTimes(schedule, anchor, anchor, 5).length, 2);
  });
});
