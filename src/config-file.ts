import { readFileSync } from 'node:fs';
import path from 'node:path';

import { errorMessage, invalidConfig } from './errors.js';
import type { PriceTable } from './metering/prices.js';

/** The optional settings file of a project, in the project folder beside the template. */
export const CONFIG_FILE_NAME = 'lambdacraft.json';

/**
 * The validated contents of `lambdacraft.json`. Every section is optional, and an absent
 * section leaves the platform's defaults in place.
 */
export interface ProjectConfig {
  /** Prices for `lambdacraft usage`, each overriding the default it names. */
  prices?: Partial<PriceTable>;
  /** The account's limit on concurrent executions; `up --account-concurrency` overrides it. */
  accountConcurrencyLimit?: number;
  /** Seconds an idle environment lives before it is stopped; `up --idle-timeout` overrides it. */
  idleTimeoutSeconds?: number;
}

/** The maximum delay of a Node.js timer, 2^31 - 1 ms (about 24.8 days), in whole seconds. */
export const MAX_IDLE_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Checks one top-level section's value; `key` is its path for messages (`prices`). */
type SectionParser<T> = (value: unknown, key: string) => T;

/**
 * Every key the file may have, with its parser. A new setting is one entry here and one
 * field in ProjectConfig; keys not listed are rejected so that a misspelling is not ignored.
 */
const SECTIONS: { [K in keyof Required<ProjectConfig>]: SectionParser<ProjectConfig[K]> } = {
  prices: parsePrices,
  accountConcurrencyLimit: (value, key) => wholeNumber(value, key, 1, 'such as 1000'),
  idleTimeoutSeconds: (value, key) => {
    const seconds = wholeNumber(value, key, 1, 'such as 300');
    if (seconds > MAX_IDLE_TIMEOUT_SECONDS) {
      throw invalidConfig(
        `${key} is ${seconds}, over the longest idle timeout of ${MAX_IDLE_TIMEOUT_SECONDS} seconds (about 24 days); lower it`,
      );
    }
    return seconds;
  },
};

const PRICE_KEYS: readonly (keyof PriceTable)[] = [
  'requestUsd',
  'x86GbSecondUsd',
  'arm64GbSecondUsd',
];

/**
 * Reads and validates `lambdacraft.json` in a project folder, returning an empty config when
 * the file is missing. Invalid JSON, an unknown key or a value of the wrong type throws
 * InvalidConfiguration with the file, the key, the value and the fix in the message.
 */
export function loadProjectConfig(projectDir: string): ProjectConfig {
  const file = path.join(projectDir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalidConfig(`cannot read ${file}: ${errorMessage(error)}`);
  }
  return parseProjectConfig(text, file);
}

/** Parses and validates the text of a config file; `file` names it in messages. */
export function parseProjectConfig(text: string, file: string): ProjectConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidConfig(`${file} is not valid JSON (${errorMessage(error)}); fix the syntax`);
  }
  if (!isPlainObject(parsed)) {
    throw invalidConfig(
      `${file} must contain a JSON object such as {"prices": {...}}, not ${describe(parsed)}`,
    );
  }

  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(SECTIONS, key)) {
      throw invalidConfig(
        `${file}: unknown key '${key}'; the keys LambdaCraft reads are ${listKeys(Object.keys(SECTIONS))}`,
      );
    }
    const parse = SECTIONS[key as keyof ProjectConfig];
    config[key] = withFile(file, () => parse(value, key));
  }
  return config;
}

function parsePrices(value: unknown, key: string): Partial<PriceTable> {
  if (!isPlainObject(value)) {
    throw invalidConfig(
      `${key} is ${describe(value)}; set it to an object with any of ${listKeys(PRICE_KEYS)}`,
    );
  }

  const prices: Partial<PriceTable> = {};
  for (const [name, price] of Object.entries(value)) {
    if (!(PRICE_KEYS as readonly string[]).includes(name)) {
      throw invalidConfig(
        `unknown key '${key}.${name}'; the prices LambdaCraft reads are ${listKeys(PRICE_KEYS)}`,
      );
    }
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
      throw invalidConfig(
        `${key}.${name} is ${describe(price)}; set it to a price in US dollars as a number of at least 0, such as 0.0000002`,
      );
    }
    prices[name as keyof PriceTable] = price;
  }
  return prices;
}

function wholeNumber(value: unknown, key: string, minimum: number, example: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw invalidConfig(
      `${key} is ${describe(value)}; set it to a whole number of at least ${minimum}, ${example}`,
    );
  }
  return value;
}

/** Prefixes the file name to a section's error message. */
function withFile<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw invalidConfig(`${file}: ${errorMessage(error)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a JSON value for a message: its text and, unless a number, its type. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);

  let type = `a ${typeof value}`;
  if (Array.isArray(value)) type = 'an array';
  else if (typeof value === 'object') type = 'an object';
  return `${JSON.stringify(value)} (${type})`;
}

function listKeys(keys: readonly string[]): string {
  return keys.map((key) => `'${key}'`).join(', ');
}
