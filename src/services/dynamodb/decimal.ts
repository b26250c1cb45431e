/**
 * DynamoDB's number type: up to 38 significant decimal digits, magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125, positive or negative, or zero. Values are
 * kept as a BigInt coefficient and a power of ten, so sums and comparisons are exact.
 */
export interface Decimal {
  /** The value is `coefficient * 10^exponent`; the coefficient has no trailing zeros. */
  coefficient: bigint;
  exponent: number;
}

export const MAX_SIGNIFICANT_DIGITS = 38;
/** The largest power of ten of the leading digit that DynamoDB stores. */
const MAX_LEADING_EXPONENT = 125;
/** The smallest power of ten of the leading digit of a nonzero number. */
const MIN_LEADING_EXPONENT = -130;

const NUMBER_SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A number DynamoDB rejects; the message is DynamoDB's own. */
export class DecimalError extends Error {}

/** Parses a DynamoDB number string (`"-1.50E+3"`) and checks its digits and range. */
export function parseDecimal(text: string): Decimal {
  const match = NUMBER_SYNTAX.exec(text.trim());
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (match === null || (whole === '' && fraction === '')) {
    throw new DecimalError(`The parameter cannot be converted to a numeric value: ${text}`);
  }
  const digits = (whole + fraction).replace(/^0+/, '');
  const exponent = Number(match[4] ?? '0') - fraction.length;
  const significant = digits.replace(/0+$/, '');
  if (significant.length > MAX_SIGNIFICANT_DIGITS) {
    throw new DecimalError('Attempting to store more than 38 significant digits in a Number');
  }
  const sign = match[1] === '-' ? -1n : 1n;
  const value = normalize({ coefficient: sign * BigInt(digits === '' ? '0' : digits), exponent });
  checkRange(value);
  return value;
}

/** Removes trailing zeros from the coefficient, so equal values have one representation. */
function normalize(value: Decimal): Decimal {
  if (value.coefficient === 0n) return { coefficient: 0n, exponent: 0 };
  let { coefficient, exponent } = value;
  while (coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent += 1;
  }
  return { coefficient, exponent };
}

function digitCount(coefficient: bigint): number {
  return (coefficient < 0n ? -coefficient : coefficient).toString().length;
}

function checkRange(value: Decimal): void {
  if (value.coefficient === 0n) return;
  const leading = value.exponent + digitCount(value.coefficient) - 1;
  if (leading > MAX_LEADING_EXPONENT) {
    throw new DecimalError(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  }
  if (leading < MIN_LEADING_EXPONENT) {
    throw new DecimalError(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
  }
}

/** Formats a number as DynamoDB returns it: plain notation, no trailing zeros after a point. */
export function formatDecimal(value: Decimal): string {
  const negative = value.coefficient < 0n;
  const digits = (negative ? -value.coefficient : value.coefficient).toString();
  const sign = negative ? '-' : '';
  if (value.exponent >= 0) return sign + digits + '0'.repeat(value.exponent);

  const pointAt = digits.length + value.exponent;
  if (pointAt > 0) return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
}

/** Returns the canonical string of a DynamoDB number string, or throws DecimalError. */
export function canonicalNumber(text: string): string {
  return formatDecimal(parseDecimal(text));
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.coefficient * 10n ** BigInt(a.exponent - exponent),
    b.coefficient * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

/** Returns -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Adds two numbers exactly; throws DecimalError when the sum needs more than 38 digits. */
export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const [x, y, exponent] = align(a, b);
  const sum = normalize({ coefficient: x + y, exponent });
  if (digitCount(sum.coefficient) > MAX_SIGNIFICANT_DIGITS) {
    throw new DecimalError(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  }
  checkRange(sum);
  return sum;
}

export function negateDecimal(value: Decimal): Decimal {
  return { coefficient: -value.coefficient, exponent: value.exponent };
}

/**
 * Encodes a number as bytes whose unsigned byte order is the numeric order, for SQLite's
 * BLOB comparison: a sign byte, then the leading digit's power of ten, then the digits.
 * Negative numbers have exponent and digits inverted and end in 0xFF, so that among
 * numbers with a common digit prefix the longer, more negative one sorts first.
 */
export function encodeSortableDecimal(value: Decimal): Buffer {
  if (value.coefficient === 0n) return Buffer.from([0x02]);

  const negative = value.coefficient < 0n;
  const digits = (negative ? -value.coefficient : value.coefficient).toString();
  const leading = value.exponent + digits.length - 1;
  const biasedExponent = leading + 1000;
  const bytes = Buffer.alloc(3 + digits.length + (negative ? 1 : 0));
  bytes[0] = negative ? 0x01 : 0x03;
  bytes.writeUInt16BE(negative ? 0xffff - biasedExponent : biasedExponent, 1);
  for (let i = 0; i < digits.length; i += 1) {
    const code = digits.charCodeAt(i);
    bytes[3 + i] = negative ? 0xff - code : code;
  }
  if (negative) bytes[bytes.length - 1] = 0xff;
  return bytes;
}
