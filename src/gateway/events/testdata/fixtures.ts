import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { GatewayRequest } from '../request.js';

/** A parsed JSON object: an event fixture or part of one. */
export type Json = Record<string, unknown>;

/**
 * Fields that differ for every fixture because LambdaCraft derives them instead of
 * receiving them: `extendedRequestId` from the request id, `resourceId` from the API id and
 * resource path. Every other id, time, address and domain name is taken from the fixture.
 */
export const ALWAYS_IGNORED = ['requestContext.extendedRequestId', 'requestContext.resourceId'];

/** How one fixture is expected to differ from the event built for it, each with its reason. */
export interface FixtureDifferences {
  /** Fields left out of the comparison, because the fixture's value cannot be reproduced. */
  differs?: Record<string, string>;
  /** Fields the built event has and the fixture leaves out. */
  extra?: Record<string, string>;
  /** Why header names are compared lower-cased, when the fixture spells them otherwise. */
  headerNamesLowerCased?: string;
}

const PACKAGE_ROOT = findPackageRoot();

/** Reads a fixture from `src/gateway/<folder>/testdata/`. */
export function readFixture(relativePath: string, folder: 'events' | 'responses' = 'events'): Json {
  const file = path.join(PACKAGE_ROOT, 'src', 'gateway', folder, 'testdata', relativePath);
  return asObject(JSON.parse(readFileSync(file, 'utf8')));
}

export function asObject(value: unknown): Json {
  assert.ok(isPlainObject(value), 'expected a JSON object');
  return value;
}

/** Returns the value at a dotted path such as `requestContext.http.method`. */
export function at(object: Json, dottedPath: string): unknown {
  let value: unknown = object;
  for (const key of dottedPath.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Json)[key];
  }
  return value;
}

export function textAt(object: Json, dottedPath: string): string {
  const value = at(object, dottedPath);
  assert.equal(typeof value, 'string', `fixture field ${dottedPath}`);
  return value as string;
}

export function numberAt(object: Json, dottedPath: string): number {
  const value = at(object, dottedPath);
  assert.equal(typeof value, 'number', `fixture field ${dottedPath}`);
  return value as number;
}

export function optionalTextAt(object: Json, dottedPath: string): string | undefined {
  const value = at(object, dottedPath);
  return typeof value === 'string' ? value : undefined;
}

/** Returns a `Record<string, string>` field, or `null` when the fixture has none. */
export function stringMapAt(object: Json, dottedPath: string): Record<string, string> | null {
  const value = at(object, dottedPath);
  if (value === undefined || value === null) return null;
  return value as Record<string, string>;
}

/** Encodes name/value lists as a query string, the way a client would send them. */
export function encodeQuery(parameters: Record<string, string[]>): string {
  return Object.entries(parameters)
    .flatMap(([name, values]) =>
      values.map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
    )
    .join('&');
}

/** Returns the request body a fixture describes, decoding it when it is base64. */
export function bodyOf(fixture: Json): Buffer {
  const body = optionalTextAt(fixture, 'body') ?? '';
  return Buffer.from(body, at(fixture, 'isBase64Encoded') === true ? 'base64' : 'utf8');
}

/**
 * Compares a built event with its fixture field by field. Every field of the fixture must
 * be in the event with the same value, except the ignored and `differs` ones, and the
 * event may have only the `extra` fields beyond the fixture's.
 */
export function assertMatchesFixture(
  event: unknown,
  fixture: Json,
  differences: FixtureDifferences,
): void {
  const actual = asObject(JSON.parse(JSON.stringify(event)));
  const expected = asObject(structuredClone(fixture));
  if (differences.headerNamesLowerCased !== undefined) lowerCaseHeaderNames(expected);

  for (const dottedPath of [...ALWAYS_IGNORED, ...Object.keys(differences.differs ?? {})]) {
    deleteAt(actual, dottedPath);
    deleteAt(expected, dottedPath);
  }

  const extras: string[] = [];
  compareObjects(actual, expected, '', extras);
  assert.deepEqual(extras.sort(), Object.keys(differences.extra ?? {}).sort(), 'extra fields');
}

function compareObjects(actual: Json, expected: Json, prefix: string, extras: string[]): void {
  for (const key of Object.keys(actual)) {
    if (!(key in expected)) extras.push(prefix + key);
  }
  for (const [key, expectedValue] of Object.entries(expected)) {
    const dottedPath = prefix + key;
    assert.ok(key in actual, `field ${dottedPath} is missing`);

    const actualValue = actual[key];
    if (isPlainObject(actualValue) && isPlainObject(expectedValue)) {
      compareObjects(actualValue, expectedValue, `${dottedPath}.`, extras);
    } else {
      assert.deepEqual(actualValue, expectedValue, `field ${dottedPath}`);
    }
  }
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deleteAt(object: Json, dottedPath: string): void {
  const keys = dottedPath.split('.');
  const last = keys.pop() ?? '';
  const parent = keys.length === 0 ? object : at(object, keys.join('.'));
  if (isPlainObject(parent)) Reflect.deleteProperty(parent, last);
}

function lowerCaseHeaderNames(fixture: Json): void {
  for (const field of ['headers', 'multiValueHeaders']) {
    const headers = fixture[field];
    if (!isPlainObject(headers)) continue;
    fixture[field] = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
  }
}

/** Builds the header pairs of a request whose payload 1.0 event is `fixture`. */
export function headersFromV1Fixture(fixture: Json): [string, string][] {
  const multi = at(fixture, 'multiValueHeaders');
  if (isPlainObject(multi)) {
    return Object.entries(multi).flatMap(([name, values]) =>
      (values as string[]).map((value): [string, string] => [name, value]),
    );
  }
  return Object.entries(stringMapAt(fixture, 'headers') ?? {});
}

/** The parts of a GatewayRequest that every fixture test fills in the same way. */
export function baseRequest(fields: Partial<GatewayRequest>): GatewayRequest {
  return {
    method: 'GET',
    rawPath: '/',
    rawQueryString: '',
    headers: [],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    receivedAtMs: 0,
    requestId: '00000000-0000-4000-8000-000000000000',
    ...fields,
  };
}

function findPackageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    assert.notEqual(parent, directory, 'package.json not found above the test file');
    directory = parent;
  }
  return directory;
}
