import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseScheduleExpression, ScheduleExpressionError } from './expression.js';
import { nextCronTime } from './cron.js';

const OPTIONS = { allowAt: false, allowSubminute: false };

/** Returns the next `count` times of a cron expression after `from`, as ISO strings. */
function nextTimes(expression: string, from: string, count = 1, timeZone = 'UTC'): string[] {
  const parsed = parseScheduleExpression(expression, OPTIONS);
  assert.equal(parsed.kind, 'cron');
  if (parsed.kind !== 'cron') return [];
  const times: string[] = [];
  let cursor = Date.parse(from);
  for (let i = 0; i < count; i += 1) {
    const next = nextCronTime(parsed.cron, cursor, timeZone);
    if (next === undefined) break;
    times.push(new Date(next).toISOString());
    cursor = next;
  }
  return times;
}

function rejection(expression: string): string {
  try {
    parseScheduleExpression(expression, OPTIONS);
  } catch (error) {
    assert.ok(error instanceof ScheduleExpressionError);
    return error.message;
  }
  assert.fail(`${expression} was accepted`);
}

// 2026-12-04 is a Friday.
const FRIDAY = '2026-12-04T12:00:00.000Z';

describe('cron: examples of the EventBridge cron documentation', () => {
  it('cron(0 10 * * ? *) runs at 10:00 every day', () => {
    assert.deepEqual(nextTimes('cron(0 10 * * ? *)', FRIDAY, 2), [
      '2026-12-05T10:00:00.000Z',
      '2026-12-06T10:00:00.000Z',
    ]);
  });

  it('cron(15 12 * * ? *) runs at 12:15 every day', () => {
    assert.deepEqual(nextTimes('cron(15 12 * * ? *)', FRIDAY, 2), [
      '2026-12-04T12:15:00.000Z',
      '2026-12-05T12:15:00.000Z',
    ]);
  });

  it('cron(0 18 ? * MON-FRI *) skips the weekend', () => {
    assert.deepEqual(nextTimes('cron(0 18 ? * MON-FRI *)', FRIDAY, 2), [
      '2026-12-04T18:00:00.000Z',
      '2026-12-07T18:00:00.000Z',
    ]);
  });

  it('cron(0 8 1 * ? *) runs on the first of each month', () => {
    assert.deepEqual(nextTimes('cron(0 8 1 * ? *)', FRIDAY, 2), [
      '2027-01-01T08:00:00.000Z',
      '2027-02-01T08:00:00.000Z',
    ]);
  });

  it('cron(0/15 * * * ? *) runs every 15 minutes', () => {
    assert.deepEqual(nextTimes('cron(0/15 * * * ? *)', FRIDAY, 3), [
      '2026-12-04T12:15:00.000Z',
      '2026-12-04T12:30:00.000Z',
      '2026-12-04T12:45:00.000Z',
    ]);
  });

  it('cron(0/10 * ? * MON-FRI *) stops on Saturday', () => {
    assert.deepEqual(nextTimes('cron(0/10 * ? * MON-FRI *)', '2026-12-04T23:45:00Z', 2), [
      '2026-12-04T23:50:00.000Z',
      '2026-12-07T00:00:00.000Z',
    ]);
  });

  it('cron(0/5 8-17 ? * MON-FRI *) runs 8:00 to 17:55', () => {
    assert.deepEqual(nextTimes('cron(0/5 8-17 ? * MON-FRI *)', '2026-12-04T17:50:00Z', 3), [
      '2026-12-04T17:55:00.000Z',
      '2026-12-07T08:00:00.000Z',
      '2026-12-07T08:05:00.000Z',
    ]);
  });

  it('cron(0 9 ? * 2#1 *) runs on the first Monday', () => {
    assert.deepEqual(nextTimes('cron(0 9 ? * 2#1 *)', FRIDAY, 3), [
      '2026-12-07T09:00:00.000Z',
      '2027-01-04T09:00:00.000Z',
      '2027-02-01T09:00:00.000Z',
    ]);
  });

  it('cron(15 10 * * ? *) runs at 10:15', () => {
    assert.deepEqual(nextTimes('cron(15 10 * * ? *)', FRIDAY), ['2026-12-05T10:15:00.000Z']);
  });
});

describe('cron: special characters', () => {
  it('L is February 29 in a leap year', () => {
    assert.deepEqual(nextTimes('cron(0 0 L 2 ? *)', '2028-01-01T00:00:00Z'), [
      '2028-02-29T00:00:00.000Z',
    ]);
  });

  it('L is February 28 in a common year', () => {
    assert.deepEqual(nextTimes('cron(0 0 L 2 ? *)', '2027-01-01T00:00:00Z'), [
      '2027-02-28T00:00:00.000Z',
    ]);
  });

  it('1W on Saturday the 1st is Monday the 3rd', () => {
    // 2028-01-01 is a Saturday.
    assert.deepEqual(nextTimes('cron(0 0 1W 1 ? 2028)', '2027-12-01T00:00:00Z'), [
      '2028-01-03T00:00:00.000Z',
    ]);
  });

  it('31W on Sunday the 31st is Friday the 29th', () => {
    // 2027-01-31 is a Sunday.
    assert.deepEqual(nextTimes('cron(0 0 31W 1 ? 2027)', '2026-12-01T00:00:00Z'), [
      '2027-01-29T00:00:00.000Z',
    ]);
  });

  it('15W on a Sunday is Monday the 16th', () => {
    // 2026-11-15 is a Sunday.
    assert.deepEqual(nextTimes('cron(0 0 15W 11 ? 2026)', '2026-11-01T00:00:00Z'), [
      '2026-11-16T00:00:00.000Z',
    ]);
  });

  it('LW is the last weekday of the month', () => {
    // 2027-01-31 is a Sunday, so the last weekday is Friday the 29th.
    assert.deepEqual(nextTimes('cron(0 0 LW 1 ? 2027)', '2026-12-01T00:00:00Z'), [
      '2027-01-29T00:00:00.000Z',
    ]);
  });

  it('6L is the last Friday of the month', () => {
    assert.deepEqual(nextTimes('cron(0 0 ? 12 6L 2026)', '2026-12-01T00:00:00Z'), [
      '2026-12-25T00:00:00.000Z',
    ]);
  });

  it('2#5 skips months without a fifth Monday', () => {
    // Fifth Mondays in 2027: March 29, May 31, August 30, November 29.
    assert.deepEqual(nextTimes('cron(0 0 ? * 2#5 2027)', '2027-01-01T00:00:00Z', 4), [
      '2027-03-29T00:00:00.000Z',
      '2027-05-31T00:00:00.000Z',
      '2027-08-30T00:00:00.000Z',
      '2027-11-29T00:00:00.000Z',
    ]);
  });

  it('day names count Sunday as 1', () => {
    assert.deepEqual(nextTimes('cron(0 12 ? * 1 *)', FRIDAY), ['2026-12-06T12:00:00.000Z']);
    assert.deepEqual(nextTimes('cron(0 12 ? * SUN *)', FRIDAY), ['2026-12-06T12:00:00.000Z']);
  });

  it('month names and lists', () => {
    assert.deepEqual(nextTimes('cron(0 0 1 JAN,JUL ? *)', FRIDAY, 2), [
      '2027-01-01T00:00:00.000Z',
      '2027-07-01T00:00:00.000Z',
    ]);
  });

  it('a year range that ended has no next time', () => {
    assert.deepEqual(nextTimes('cron(0 0 * * ? 2020-2025)', FRIDAY), []);
  });

  it('the last year of a range still fires', () => {
    assert.deepEqual(nextTimes('cron(0 0 31 12 ? 2026-2026)', FRIDAY, 2), [
      '2026-12-31T00:00:00.000Z',
    ]);
  });
});

describe('cron: time zones and daylight saving', () => {
  const zone = 'America/New_York';

  it('reads the hour in the schedule time zone', () => {
    // 09:00 in New York in December is 14:00 UTC (EST, UTC-5); FRIDAY is 07:00 there.
    assert.deepEqual(nextTimes('cron(0 9 * * ? *)', FRIDAY, 2, zone), [
      '2026-12-04T14:00:00.000Z',
      '2026-12-05T14:00:00.000Z',
    ]);
  });

  it('skips a time that spring-forward day lacks', () => {
    // On 2027-03-14 New York clocks go from 02:00 EST to 03:00 EDT; 02:30 does not exist.
    assert.deepEqual(nextTimes('cron(30 2 * * ? *)', '2027-03-13T12:00:00Z', 2, zone), [
      '2027-03-15T06:30:00.000Z',
      '2027-03-16T06:30:00.000Z',
    ]);
  });

  it('fires a repeated time once on fall-back day', () => {
    // On 2027-11-07 New York clocks go from 02:00 EDT back to 01:00 EST; 01:30 happens twice.
    assert.deepEqual(nextTimes('cron(30 1 * * ? *)', '2027-11-06T12:00:00Z', 2, zone), [
      '2027-11-07T05:30:00.000Z',
      '2027-11-08T06:30:00.000Z',
    ]);
  });

  it('an every-15-minutes schedule runs the repeated hour once', () => {
    const times = nextTimes('cron(0/15 * * * ? *)', '2027-11-07T04:50:00Z', 9, zone);
    assert.deepEqual(times, [
      '2027-11-07T05:00:00.000Z',
      '2027-11-07T05:15:00.000Z',
      '2027-11-07T05:30:00.000Z',
      '2027-11-07T05:45:00.000Z',
      // 01:00 EST (06:00 UTC) to 01:45 EST repeat wall times that already fired.
      '2027-11-07T07:00:00.000Z',
      '2027-11-07T07:15:00.000Z',
      '2027-11-07T07:30:00.000Z',
      '2027-11-07T07:45:00.000Z',
      '2027-11-07T08:00:00.000Z',
    ]);
  });
});

describe('cron: invalid expressions', () => {
  it('rejects both day fields set', () => {
    assert.equal(
      rejection('cron(0 18 * * MON-FRI *)'),
      'day-of-month and day-of-week are both set; one of them must be ?',
    );
  });

  it('rejects both day fields as ?', () => {
    assert.match(rejection('cron(0 18 ? * ? *)'), /both \?/);
  });

  it('rejects five fields', () => {
    assert.match(rejection('cron(0 18 * * ?)'), /has 5 fields; write six/);
  });

  it('rejects out-of-range values', () => {
    assert.match(
      rejection('cron(60 * * * ? *)'),
      /minutes field '60' is invalid: 60 is outside 0-59/,
    );
    assert.match(rejection('cron(0 24 * * ? *)'), /hours field/);
    assert.match(rejection('cron(0 0 ? * 8 *)'), /day-of-week field '8'/);
    assert.match(rejection('cron(0 0 * * ? 2200)'), /year field '2200' is invalid/);
    assert.match(rejection('cron(0 0 * * ? 1969)'), /year field/);
  });

  it('rejects two # expressions', () => {
    assert.match(rejection('cron(0 0 ? * 2#1,3#2 *)'), /only one # expression/);
  });

  it('rejects a week after # above 5', () => {
    assert.match(rejection('cron(0 0 ? * 2#6 *)'), /1-5/);
  });

  it('rejects names where they do not belong', () => {
    assert.match(rejection('cron(0 0 ? JAN-FOO * *)'), /month field/);
  });
});
