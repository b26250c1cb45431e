import type { ApiDefinition, RouteDefinition } from '../template/http-events.js';
import { decodeHttpApiPath, decodePathLeniently } from './request-path.js';

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'parameter'; name: string }
  | { kind: 'greedy'; name: string };

interface CompiledRoute {
  definition: RouteDefinition;
  api: ApiDefinition;
  segments: Segment[];
}

export interface RouteMatchResult {
  definition: RouteDefinition;
  api: ApiDefinition;
  /** Parameter values in the form the API passes them on; `null` when the route has none. */
  pathParameters: Record<string, string> | null;
  /** The request path as the API passes it on: percent-encoded for REST, decoded for HTTP. */
  path: string;
}

/** One path segment: the value a parameter receives, and the text a literal is compared to. */
interface PathPart {
  value: string;
  decoded: string;
}

/** The segments of one request path, split the way each kind of API splits them. */
interface RequestParts {
  rest: PathPart[];
  /** Undefined when HTTP APIs reject the path. */
  http: { path: string; parts: PathPart[] } | undefined;
}

/** Specificity of a segment kind: API Gateway prefers a literal over `{param}` over `{proxy+}`. */
const RANK = { literal: 2, parameter: 1, greedy: 0 } as const;

/**
 * The routes of every API on the gateway's port, matched in API Gateway's priority order:
 * the most specific path wins, segment by segment (a literal before a `{parameter}` before a
 * greedy `{name+}`), then an exact method before `ANY`; an HTTP API's `$default` route
 * catches what nothing else matches.
 */
export class RouteTable {
  readonly #routes: CompiledRoute[] = [];
  readonly #defaults: CompiledRoute[] = [];
  /** Routes left out because another route has the same method and path, with both sources. */
  readonly conflicts: string[] = [];

  constructor(apis: Map<string, ApiDefinition>, routes: RouteDefinition[]) {
    const seen = new Map<string, RouteDefinition>();
    for (const definition of routes) {
      const api = apis.get(definition.apiLogicalId);
      if (api === undefined) continue;

      const key = `${definition.method} ${definition.path}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        this.conflicts.push(
          `${definition.source}: route ${key} is already served by ${earlier.source}; change its Path or Method`,
        );
        continue;
      }
      seen.set(key, definition);
      const compiled = { definition, api, segments: compile(definition.path) };
      if (definition.path === '$default') this.#defaults.push(compiled);
      else this.#routes.push(compiled);
    }
    this.#routes.sort(bySpecificity);
  }

  /** Every route, for printing. */
  get routes(): RouteDefinition[] {
    return [...this.#routes, ...this.#defaults].map((route) => route.definition);
  }

  get hasRestApi(): boolean {
    return [...this.#routes, ...this.#defaults].some((route) => route.api.kind === 'rest');
  }

  get hasHttpApi(): boolean {
    return [...this.#routes, ...this.#defaults].some((route) => route.api.kind === 'http');
  }

  /**
   * Finds the route for a method and a path as received (percent-encoded, without the query
   * string), or undefined. REST routes match the encoded path split at its `/` characters,
   * so `%2F` stays inside a segment. HTTP API routes match the decoded path, where `%2F`
   * has become a separator. Both compare literal segments after decoding.
   */
  match(method: string, rawPath: string): RouteMatchResult | undefined {
    const request = splitRequestPath(rawPath);
    for (const route of this.#routes) {
      if (route.definition.method !== method && route.definition.method !== 'ANY') continue;

      const candidate =
        route.api.kind === 'rest' ? { path: rawPath, parts: request.rest } : request.http;
      if (candidate === undefined) continue;
      const pathParameters = matchSegments(route.segments, candidate.parts);
      if (pathParameters !== undefined) {
        return {
          definition: route.definition,
          api: route.api,
          pathParameters,
          path: candidate.path,
        };
      }
    }

    const fallback = this.#defaults[0];
    if (fallback === undefined || request.http === undefined) return undefined;
    return {
      definition: fallback.definition,
      api: fallback.api,
      pathParameters: null,
      path: request.http.path,
    };
  }
}

function compile(path: string): Segment[] {
  if (path === '$default') return [];
  return path
    .split('/')
    .filter((part) => part !== '')
    .map((part): Segment => {
      const variable = /^\{([^}]+?)(\+?)\}$/.exec(part);
      if (variable === null) return { kind: 'literal', value: part };
      return variable[2] === '+'
        ? { kind: 'greedy', name: variable[1] ?? '' }
        : { kind: 'parameter', name: variable[1] ?? '' };
    });
}

/**
 * Splits a request path for both kinds of API. REST APIs pass parameters percent-encoded as
 * received: a REST event captured against AWS by hotsock/voker (Jul 2026) has
 * `pathParameters.proxy` = `capture/space%20value`, and a serverless-offline bug report
 * (Jul 2017) shows `test%7Cid` arriving unchanged in an `{id}`. HTTP APIs pass them decoded,
 * because they decode the whole path first: a powertools-lambda-python bug report (Apr 2022)
 * shows a space from `%20` in an HTTP API path parameter.
 */
function splitRequestPath(rawPath: string): RequestParts {
  const rest = nonEmptySegments(rawPath).map((value) => ({
    value,
    decoded: decodePathLeniently(value),
  }));
  const httpPath = decodeHttpApiPath(rawPath);
  if (httpPath === undefined) return { rest, http: undefined };

  const parts = nonEmptySegments(httpPath).map((value) => ({ value, decoded: value }));
  return { rest, http: { path: httpPath, parts } };
}

function nonEmptySegments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function matchSegments(
  segments: Segment[],
  parts: PathPart[],
): Record<string, string> | null | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (segment.kind === 'greedy') {
      if (part === undefined) return undefined;
      parameters[segment.name] = parts
        .slice(index)
        .map((rest) => rest.value)
        .join('/');
      return parameters;
    }
    if (part === undefined) return undefined;
    if (segment.kind === 'literal' && segment.value !== part.decoded) return undefined;
    if (segment.kind === 'parameter') parameters[segment.name] = part.value;
  }
  if (parts.length !== segments.length) return undefined;
  return Object.keys(parameters).length === 0 ? null : parameters;
}

function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index += 1) {
    const left = a.segments[index];
    const right = b.segments[index];
    if (left === undefined || right === undefined) {
      // At equal rank so far, the longer path is the more specific.
      return left === undefined ? 1 : -1;
    }
    const difference = RANK[right.kind] - RANK[left.kind];
    if (difference !== 0) return difference;
  }
  return Number(a.definition.method === 'ANY') - Number(b.definition.method === 'ANY');
}
