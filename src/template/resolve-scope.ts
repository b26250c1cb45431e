import { invalidConfig, type LambdaCraftError } from '../errors.js';
import type { IntrinsicContext } from './intrinsics.js';

/** The resolver's position in the template: the context and the property path below it. */
export interface Scope {
  context: IntrinsicContext;
  /** `Environment.Variables.STAGE`, `Layers[0]`; empty at the top of `context.location`. */
  path: string;
}

export function childScope(scope: Scope, key: string | number): Scope {
  if (typeof key === 'number') return { ...scope, path: `${scope.path}[${key}]` };
  return { ...scope, path: scope.path === '' ? key : `${scope.path}.${key}` };
}

/** `resource 'Fn' property Environment.Variables.STAGE`, or the bare location. */
export function scopeLocation(scope: Scope): string {
  const { location } = scope.context;
  return scope.path === '' ? location : `${location} property ${scope.path}`;
}

/** Creates an invalid-configuration error whose message starts with the template location. */
export function scopeError(scope: Scope, message: string): LambdaCraftError {
  return invalidConfig(`${scopeLocation(scope)}: ${message}`);
}

const MAX_SHOWN_CHARS = 120;

/** Compact JSON of a template value for an error message, cut after 120 characters. */
export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}...` : text;
}
