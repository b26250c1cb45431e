import { invalidConfig } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';

export interface IntrinsicContext {
  account: AccountContext;
  stackName: string;
  parameters: Record<string, string>;
  /**
   * Logical ids of the template's resources. `Ref` to one resolves to the logical id, which
   * is what the platform keys APIs and buckets by. NOTE: on AWS it resolves to a physical
   * id (a generated API id, a bucket name) that differs by resource type.
   */
  resources?: ReadonlySet<string>;
  /** Where in the template the value sits, for error messages. */
  location: string;
}

/**
 * Resolves the intrinsics a function's own properties can use: `Ref` to parameters and
 * pseudo parameters, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`. Anything else is an
 * error naming the function and the property.
 */
export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, context));
  if (value === null || typeof value !== 'object') return value;

  const entries = Object.entries(value);
  const first = entries[0];
  if (entries.length === 1 && first !== undefined && isIntrinsic(first[0])) {
    return resolveFunction(first[0], first[1], context);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) result[key] = resolveIntrinsics(item, context);
  return result;
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

function resolveFunction(name: string, argument: unknown, context: IntrinsicContext): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(String(argument), context);
    case 'Fn::Sub':
      return resolveSub(argument, context);
    case 'Fn::Join': {
      const [separator, items] = asList(argument, name, context);
      return (resolveIntrinsics(items, context) as unknown[]).map(String).join(String(separator));
    }
    case 'Fn::Select': {
      const [index, items] = asList(argument, name, context);
      const list = resolveIntrinsics(items, context) as unknown[];
      return list[Number(resolveIntrinsics(index, context))];
    }
    case 'Fn::Split': {
      const [separator, text] = asList(argument, name, context);
      return String(resolveIntrinsics(text, context)).split(String(separator));
    }
    default:
      throw invalidConfig(
        `${context.location}: intrinsic function '${name}' is not supported here; use a literal value, Ref, Fn::Sub, Fn::Join, Fn::Select or Fn::Split`,
      );
  }
}

function asList(argument: unknown, name: string, context: IntrinsicContext): unknown[] {
  if (!Array.isArray(argument)) {
    throw invalidConfig(
      `${context.location}: ${name} takes a list, got ${JSON.stringify(argument)}`,
    );
  }
  return argument;
}

function pseudoParameter(name: string, context: IntrinsicContext): string | undefined {
  const { account } = context;
  const values: Record<string, string> = {
    'AWS::Region': account.region,
    'AWS::AccountId': account.accountId,
    'AWS::StackName': context.stackName,
    'AWS::StackId': `arn:aws:cloudformation:${account.region}:${account.accountId}:stack/${context.stackName}/lambdacraft`,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return values[name];
}

function resolveRef(name: string, context: IntrinsicContext): string {
  const value =
    context.parameters[name] ??
    pseudoParameter(name, context) ??
    (context.resources?.has(name) ? name : undefined);
  if (value === undefined) {
    throw invalidConfig(
      `${context.location}: Ref '${name}' names no parameter or resource; declare it under Parameters or Resources, or pass --parameter-overrides ${name}=VALUE`,
    );
  }
  return value;
}

function resolveSub(argument: unknown, context: IntrinsicContext): string {
  let text: string;
  let variables: Record<string, unknown> = {};
  if (typeof argument === 'string') {
    text = argument;
  } else {
    const [template, map] = asList(argument, 'Fn::Sub', context);
    text = String(template);
    variables = (resolveIntrinsics(map, context) ?? {}) as Record<string, unknown>;
  }
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
    if (literal === '!') return `\${${name}}`;
    if (name in variables) return String(variables[name]);
    return resolveRef(name.trim(), context);
  });
}
