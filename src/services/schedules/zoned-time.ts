/** A wall-clock time in some time zone, with `month` 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Returns true when Node's ICU data contains the IANA time zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (cached === undefined) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** Converts an instant to the wall-clock time of a time zone. */
export function toWallTime(epochMs: number, timeZone: string): WallTime {
  if (timeZone === 'UTC') {
    const date = new Date(epochMs);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallTimeAsUtcMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
function offsetMs(epochMs: number, timeZone: string): number {
  const flooredMs = Math.floor(epochMs / 1000) * 1000;
  return wallTimeAsUtcMs(toWallTime(flooredMs, timeZone)) - flooredMs;
}

/**
 * Converts a wall-clock time of a time zone to the instants that show it. A time skipped by
 * a daylight-saving change has none; a time repeated by one has two, earlier first.
 */
export function fromWallTime(wall: WallTime, timeZone: string): number[] {
  const asUtc = wallTimeAsUtcMs(wall);
  if (timeZone === 'UTC') return [asUtc];

  // NOTE: this assumes a zone's offset changes at most once within a day of any time, true
  // of current IANA zones' daylight-saving rules; two changes in a day would be missed.
  const offsets = new Set([offsetMs(asUtc - DAY_MS, timeZone), offsetMs(asUtc + DAY_MS, timeZone)]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const candidate = asUtc - offset;
    if (wallTimeAsUtcMs(toWallTime(candidate, timeZone)) === asUtc) instants.push(candidate);
  }
  return instants.sort((a, b) => a - b);
}

/** Returns the weekday of a calendar date, 1 = Sunday to 7 = Saturday, as AWS cron numbers it. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** Returns the number of days in a month (month 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export { MINUTE_MS, DAY_MS };
