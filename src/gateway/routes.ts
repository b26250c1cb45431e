import type { ApiDefinition, RouteDefinition } from '../template/http-events.js';

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
  pathParameters: Record<string, string> | null;
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

  /** Finds the route for a method and a percent-encoded path, or undefined. */
  match(method: string, rawPath: string): RouteMatchResult | undefined {
    const parts = splitPath(rawPath);
    if (parts === undefined) return undefined;

    for (const route of this.#routes) {
      if (route.definition.method !== method && route.definition.method !== 'ANY') continue;
      const pathParameters = matchSegments(route.segments, parts);
      if (pathParameters !== undefined) {
        return { definition: route.definition, api: route.api, pathParameters };
      }
    }
    const fallback = this.#defaults[0];
    return fallback && { definition: fallback.definition, api: fallback.api, pathParameters: null };
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

/** Splits a request path into decoded segments; undefined when it is not valid percent-encoding. */
function splitPath(rawPath: string): string[] | undefined {
  try {
    return rawPath
      .split('/')
      .filter((part) => part !== '')
      .map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

function matchSegments(
  segments: Segment[],
  parts: string[],
): Record<string, string> | null | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (segment.kind === 'greedy') {
      if (part === undefined) return undefined;
      parameters[segment.name] = parts.slice(index).join('/');
      return parameters;
    }
    if (part === undefined) return undefined;
    if (segment.kind === 'literal' && segment.value !== part) return undefined;
    if (segment.kind === 'parameter') parameters[segment.name] = part;
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
