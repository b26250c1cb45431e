import { daysInMonth, fromWallTime, toWallTime, weekdayOf, type WallTime } from './zoned-time.js';

/*
 * EventBridge's cron dialect, parsed here rather than with an npm library. Run on the AWS
 * examples, cron-parser 5.10 and croner 11 read six fields as seconds first, with no year,
 * and reject `MON-FRI`, `L`, `1W` and `2#1`. aws-cron-parser 1.1 reads the dialect, but it
 * accepts `cron(0 18 * * MON-FRI *)`, which AWS rejects, and evaluates in UTC only.
 */

/** Day-of-month rules; `any` is `?`. */
interface DayOfMonthRule {
  any: boolean;
  days: Set<number>;
  /** `L`: the last day of the month. */
  last: boolean;
  /** `LW`: the last weekday (Monday to Friday) of the month. */
  lastWeekday: boolean;
  /** `15W`: the weekday nearest the 15th, within the same month. */
  nearestWeekday: number[];
}

/** Day-of-week rules, 1 = Sunday to 7 = Saturday; `any` is `?`. */
interface DayOfWeekRule {
  any: boolean;
  weekdays: Set<number>;
  /** `6#3`: the third Friday of the month. */
  nth: { weekday: number; week: number } | undefined;
  /** `6L`: the last Friday of the month. */
  lastOfMonth: number[];
}

/** A parsed `cron(...)` expression with every field expanded to its allowed values. */
export interface CronSchedule {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  months: number[];
  dayOfWeek: DayOfWeekRule;
  years: number[];
}

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MONTH_NAMES = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES },
  year: { name: 'year', min: MIN_YEAR, max: MAX_YEAR },
} satisfies Record<string, FieldSpec>;

/** A cron field that breaks the dialect; the message names the field, the value and why. */
export class CronSyntaxError extends Error {}

/** Parses the six fields inside `cron(...)`; throws CronSyntaxError naming the bad field. */
export function parseCron(body: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new CronSyntaxError(
      `has ${fields.length} fields; write six: minutes hours day-of-month month day-of-week year`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    throw new CronSyntaxError('day-of-month and day-of-week are both set; one of them must be ?');
  }
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    throw new CronSyntaxError(
      'day-of-month and day-of-week are both ?; set one of them (for example * for every day)',
    );
  }
  return {
    minutes: parseList(minutes, FIELDS.minutes),
    hours: parseList(hours, FIELDS.hours),
    dayOfMonth: parseDayOfMonth(dayOfMonth),
    months: parseList(month, FIELDS.month),
    dayOfWeek: parseDayOfWeek(dayOfWeek),
    years: parseList(year, FIELDS.year),
  };
}

/** Parses a field of values, ranges, `*` and steps into its sorted values. */
function parseList(field: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    for (const value of parseItem(item, spec)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseItem(item: string, spec: FieldSpec): number[] {
  const [range = '', stepText, extra] = item.split('/');
  if (extra !== undefined) throw invalidItem(item, spec, 'it has more than one /');

  let start: number;
  let end: number;
  if (range === '*') {
    start = spec.min;
    end = spec.max;
  } else if (range.includes('-')) {
    const [from = '', to = ''] = range.split('-');
    start = parseValue(from, item, spec);
    end = parseValue(to, item, spec);
    if (start > end) {
      throw invalidItem(item, spec, `the range starts after it ends; write ${to}-${from}`);
    }
  } else {
    start = parseValue(range, item, spec);
    // `5/15` runs from 5 to the end of the field, every 15.
    end = stepText === undefined ? start : spec.max;
  }

  const step = stepText === undefined ? 1 : Number(stepText);
  if (!/^\d+$/.test(stepText ?? '1') || step < 1) {
    throw invalidItem(item, spec, 'the step after / must be a whole number of at least 1');
  }
  const values: number[] = [];
  for (let value = start; value <= end; value += step) values.push(value);
  return values;
}

function parseValue(text: string, item: string, spec: FieldSpec): number {
  const nameIndex = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = nameIndex >= 0 ? nameIndex + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value)) {
    const names = spec.names === undefined ? '' : ` or ${spec.names[0]}-${spec.names.at(-1)}`;
    throw invalidItem(item, spec, `'${text}' is not a number${names}`);
  }
  if (value < spec.min || value > spec.max) {
    throw invalidItem(item, spec, `${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

function invalidItem(item: string, spec: FieldSpec, reason: string): CronSyntaxError {
  return new CronSyntaxError(`${spec.name} field '${item}' is invalid: ${reason}`);
}

function parseDayOfMonth(field: string): DayOfMonthRule {
  const rule: DayOfMonthRule = {
    any: field === '?',
    days: new Set(),
    last: false,
    lastWeekday: false,
    nearestWeekday: [],
  };
  if (rule.any) return rule;

  for (const item of field.split(',')) {
    const upper = item.toUpperCase();
    if (upper === 'L') {
      rule.last = true;
    } else if (upper === 'LW') {
      rule.lastWeekday = true;
    } else if (upper.endsWith('W')) {
      rule.nearestWeekday.push(parseValue(item.slice(0, -1), item, FIELDS.dayOfMonth));
    } else {
      for (const day of parseItem(item, FIELDS.dayOfMonth)) rule.days.add(day);
    }
  }
  return rule;
}

function parseDayOfWeek(field: string): DayOfWeekRule {
  const rule: DayOfWeekRule = {
    any: field === '?',
    weekdays: new Set(),
    nth: undefined,
    lastOfMonth: [],
  };
  if (rule.any) return rule;

  for (const item of field.split(',')) {
    const upper = item.toUpperCase();
    if (upper === 'L') {
      // `L` alone is the last day of the week, Saturday.
      rule.weekdays.add(7);
    } else if (upper.endsWith('L')) {
      rule.lastOfMonth.push(parseValue(item.slice(0, -1), item, FIELDS.dayOfWeek));
    } else if (item.includes('#')) {
      if (rule.nth !== undefined) {
        throw invalidItem(field, FIELDS.dayOfWeek, 'only one # expression is allowed');
      }
      const [weekday = '', week = ''] = item.split('#');
      if (!/^[1-5]$/.test(week)) {
        throw invalidItem(item, FIELDS.dayOfWeek, `the week after # must be 1-5, got '${week}'`);
      }
      rule.nth = { weekday: parseValue(weekday, item, FIELDS.dayOfWeek), week: Number(week) };
    } else {
      for (const weekday of parseItem(item, FIELDS.dayOfWeek)) rule.weekdays.add(weekday);
    }
  }
  return rule;
}

/** Returns true when the cron's day fields select this calendar date. */
export function matchesDay(cron: CronSchedule, year: number, month: number, day: number): boolean {
  const lastDay = daysInMonth(year, month);
  if (cron.dayOfWeek.any) return matchesDayOfMonth(cron.dayOfMonth, year, month, day, lastDay);

  const rule = cron.dayOfWeek;
  const weekday = weekdayOf(year, month, day);
  if (rule.weekdays.has(weekday)) return true;
  if (rule.nth?.weekday === weekday && Math.ceil(day / 7) === rule.nth.week) return true;
  return rule.lastOfMonth.includes(weekday) && day + 7 > lastDay;
}

function matchesDayOfMonth(
  rule: DayOfMonthRule,
  year: number,
  month: number,
  day: number,
  lastDay: number,
): boolean {
  if (rule.days.has(day)) return true;
  if (rule.last && day === lastDay) return true;
  if (rule.lastWeekday && day === nearestWeekday(year, month, lastDay, lastDay)) return true;
  return rule.nearestWeekday.some(
    (target) => target <= lastDay && nearestWeekday(year, month, target, lastDay) === day,
  );
}

/**
 * Returns the weekday nearest a day of the month, within the month. A Saturday moves to the
 * Friday before, or to Monday the 3rd for the 1st. A Sunday moves to the Monday after, or to
 * the Friday before for the last day.
 */
function nearestWeekday(year: number, month: number, target: number, lastDay: number): number {
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1;
  if (weekday === 1) return target === lastDay ? target - 2 : target + 1;
  return target;
}

/**
 * Returns the first instant after `afterMs` that the cron selects, read as wall-clock time in
 * `timeZone`, or undefined when none is left before the end of 2199.
 *
 * Daylight-saving changes follow the EventBridge Scheduler User Guide ("Schedule types",
 * section "Daylight saving time"). A time that does not exist on the day clocks move
 * forward is skipped. A time that happens twice on the day they move back fires once, at its
 * first occurrence.
 */
export function nextCronTime(
  cron: CronSchedule,
  afterMs: number,
  timeZone: string,
): number | undefined {
  const start = toWallTime(afterMs, timeZone);
  for (const year of cron.years) {
    if (year < start.year) continue;
    for (const month of cron.months) {
      if (year === start.year && month < start.month) continue;
      const sameMonth = year === start.year && month === start.month;
      const found = nextInMonth(
        cron,
        { year, month },
        sameMonth ? start : undefined,
        afterMs,
        timeZone,
      );
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Searches one month. `start`, the wall time of `afterMs` when it falls in this month, lets
 * the search skip the earlier days and, on its day, the earlier minutes.
 */
function nextInMonth(
  cron: CronSchedule,
  { year, month }: { year: number; month: number },
  start: WallTime | undefined,
  afterMs: number,
  timeZone: string,
): number | undefined {
  const lastDay = daysInMonth(year, month);
  for (let day = start?.day ?? 1; day <= lastDay; day += 1) {
    if (!matchesDay(cron, year, month, day)) continue;
    const firstMinute = day === start?.day ? start.hour * 60 + start.minute : 0;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        if (hour * 60 + minute < firstMinute) continue;
        const [first] = fromWallTime({ year, month, day, hour, minute, second: 0 }, timeZone);
        if (first !== undefined && first > afterMs) return first;
      }
    }
  }
  return undefined;
}
