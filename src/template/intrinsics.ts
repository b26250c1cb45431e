import { createHash } from 'node:crypto';

import type { AccountContext } from '../functions/arn.js';
import type { ParameterValue } from './parameters.js';
import {
  FUNCTION_TYPES,
  partitionOf,
  resolveAttribute,
  resolveResourceRef,
  urlSuffixOf,
  type TemplateSymbols,
} from './references.js';
import { childScope, describeValue, scopeError, type Scope } from './resolve-scope.js';

export interface IntrinsicContext {
  account: AccountContext;
  stackName: string;
  parameters: Record<string, ParameterValue>;
  /**
   * Logical ids of the template's resources, for callers without `symbols`: `Ref` to one
   * resolves to the logical id. With `symbols`, references.ts decides what a resource stands for.
   */
  resources?: ReadonlySet<string>;
  /** Resources, conditions, mappings and unset parameters of the template. */
  symbols?: TemplateSymbols;
  /** The value's location in the template, for error messages: `resource 'HelloFunction'`. */
  location: string;
  /** The property path of the value below `location` (`Environment`), if any. */
  propertyPath?: string;
  /** The resource whose own properties are resolved; a reference to it is a cycle. */
  selfLogicalId?: string;
  /** Set while the Conditions section is evaluated, where resources cannot be referenced. */
  inConditions?: boolean;
}

/**
 * The result of `Ref: AWS::NoValue`. The resolver removes the property or list item that
 * contains it.
 */
const NO_VALUE = Symbol('AWS::NoValue');

type Json = Record<string, unknown>;
type IntrinsicFunction = (argument: unknown, scope: Scope) => unknown;

/**
 * Resolves CloudFormation's intrinsic functions in a template value: Ref, Fn::GetAtt, Fn::Sub,
 * Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap, Fn::GetAZs and Fn::Base64. A property
 * or list item that resolves to `AWS::NoValue` is removed, and a value that is `AWS::NoValue`
 * as a whole resolves to undefined. Anything else is an error naming the location, the value
 * and the fix.
 */
export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  const resolved = resolveValue(value, { context, path: context.propertyPath ?? '' });
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveValue(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) {
    return value
      .map((item, index) => resolveValue(item, childScope(scope, index)))
      .filter((item) => item !== NO_VALUE);
  }
  if (!isPlainObject(value)) return value;

  const entries = Object.entries(value);
  const first = entries[0];
  if (entries.length === 1 && first !== undefined && isIntrinsicName(first[0])) {
    return resolveFunction(first[0], first[1], scope);
  }
  const result: Json = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, childScope(scope, key));
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

export function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

const FUNCTIONS: Record<string, IntrinsicFunction> = {
  Ref: resolveRef,
  'Fn::GetAtt': resolveGetAtt,
  'Fn::Sub': resolveSub,
  'Fn::Join': resolveJoin,
  'Fn::Select': resolveSelect,
  'Fn::Split': resolveSplit,
  'Fn::If': resolveIf,
  'Fn::FindInMap': resolveFindInMap,
  'Fn::GetAZs': resolveGetAzs,
  'Fn::Base64': resolveBase64,
};

/** Intrinsics CloudFormation has that the platform does not resolve, each with the fix. */
const UNSUPPORTED: Record<string, string> = {
  'Fn::ImportValue':
    'reads an output another stack exports, and LambdaCraft runs a single stack; replace it with a parameter and pass the value with --parameter-overrides',
  'Fn::Cidr':
    'is not resolved by LambdaCraft; write the CIDR blocks as a literal list or pass them as a CommaDelimitedList parameter',
  'Fn::Transform':
    'runs a CloudFormation macro, which LambdaCraft does not run; write the value the macro would produce',
  'Fn::Length':
    'comes from the AWS::LanguageExtensions transform, which LambdaCraft does not apply; write the value literally',
  'Fn::ToJsonString':
    'comes from the AWS::LanguageExtensions transform, which LambdaCraft does not apply; write the JSON as a string',
  'Fn::ForEach':
    'comes from the AWS::LanguageExtensions transform, which LambdaCraft does not apply; write each item out',
};

const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not']);

function resolveFunction(name: string, argument: unknown, scope: Scope): unknown {
  const resolve = FUNCTIONS[name];
  if (resolve !== undefined) return resolve(argument, scope);

  const reason = UNSUPPORTED[name];
  if (reason !== undefined) throw scopeError(scope, `${name} ${reason}`);
  if (CONDITION_FUNCTIONS.has(name)) {
    throw scopeError(
      scope,
      `${name} can only be used in the Conditions section; declare a condition there and choose a value with Fn::If`,
    );
  }
  throw scopeError(
    scope,
    `unknown intrinsic function '${name}' in ${describeValue({ [name]: argument })}; use one of ${Object.keys(FUNCTIONS).join(', ')}`,
  );
}

function resolveRef(argument: unknown, scope: Scope): unknown {
  if (typeof argument !== 'string' || argument === '') {
    throw scopeError(
      scope,
      `Ref takes the name of a parameter or resource, got ${describeValue(argument)}; write Ref: NAME`,
    );
  }
  return referenceValue(argument, scope);
}

/** Resolves `Ref NAME`, and `${NAME}` in Fn::Sub. */
function referenceValue(name: string, scope: Scope): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name.startsWith('AWS::')) return pseudoParameter(name, scope);

  const { parameters, symbols } = scope.context;
  if (Object.hasOwn(parameters, name)) return parameters[name];
  const unset = symbols?.unsetParameters.get(name);
  if (unset !== undefined) throw scopeError(scope, `Ref '${name}': ${unset}`);
  return resolveResourceRef(name, scope, resolveIntrinsics);
}

const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];

function pseudoParameter(name: string, scope: Scope): ParameterValue {
  const { account, stackName } = scope.context;
  switch (name) {
    case 'AWS::AccountId':
      return account.accountId;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::Partition':
      return partitionOf(account.region);
    case 'AWS::Region':
      return account.region;
    case 'AWS::StackId':
      return stackId(account, stackName);
    case 'AWS::StackName':
      return stackName;
    case 'AWS::URLSuffix':
      return urlSuffixOf(account.region);
    default:
      throw scopeError(
        scope,
        `Ref '${name}' is not a pseudo parameter; use one of ${PSEUDO_PARAMETERS.join(', ')}`,
      );
  }
}

/**
 * Builds the stack's ARN. CloudFormation ends it with a random UUID, and this one is derived
 * from the account, region and stack name, so it is the same on every run.
 */
function stackId(account: AccountContext, stackName: string): string {
  const hex = createHash('sha256')
    .update(`${account.accountId}/${account.region}/${stackName}`)
    .digest('hex');
  const uuid = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ];
  const partition = partitionOf(account.region);
  return `arn:${partition}:cloudformation:${account.region}:${account.accountId}:stack/${stackName}/${uuid.join('-')}`;
}

function resolveGetAtt(argument: unknown, scope: Scope): string {
  let logicalId: unknown;
  let attribute: unknown;
  if (typeof argument === 'string' && argument.indexOf('.') > 0) {
    const dot = argument.indexOf('.');
    logicalId = argument.slice(0, dot);
    attribute = argument.slice(dot + 1);
  } else if (Array.isArray(argument) && argument.length === 2) {
    const list: unknown[] = argument;
    logicalId = list[0];
    attribute = resolveValue(list[1], scope);
  }
  if (typeof logicalId !== 'string' || typeof attribute !== 'string' || attribute === '') {
    throw scopeError(
      scope,
      `Fn::GetAtt takes [Resource, Attribute] or Resource.Attribute, got ${describeValue(argument)}; write !GetAtt MyFunction.Arn`,
    );
  }
  return resolveAttribute(logicalId, attribute, scope, resolveIntrinsics);
}

/**
 * Fn::Sub: `${Name}` is a Ref, `${Resource.Attribute}` a GetAtt, and `${!Text}` the literal
 * text `${Text}`.
 */
function resolveSub(argument: unknown, scope: Scope): string {
  let text: unknown = argument;
  let variables: Json = {};
  if (Array.isArray(argument) && argument.length === 2) {
    text = argument[0];
    const resolved = resolveValue(argument[1], scope);
    if (!isPlainObject(resolved)) text = undefined;
    else variables = resolved;
  }
  if (typeof text !== 'string') {
    throw scopeError(
      scope,
      `Fn::Sub takes a string or [string, {Name: value}], got ${describeValue(argument)}; write !Sub 'text with \${Name}'`,
    );
  }
  return text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    const value = Object.hasOwn(variables, name) ? variables[name] : substitutionValue(name, scope);
    return subText(name, value, scope);
  });
}

function substitutionValue(name: string, scope: Scope): unknown {
  if (name === '') {
    throw scopeError(
      scope,
      'Fn::Sub has an empty ${}; write a name between the braces or ${!} for literal text',
    );
  }
  const dot = name.indexOf('.');
  if (dot <= 0 || name.startsWith('AWS::')) return referenceValue(name, scope);

  // `${MyFunction.Alias}` is a SAM referable property; other dotted names are attributes.
  const logicalId = name.slice(0, dot);
  const property = name.slice(dot + 1);
  const type = scope.context.symbols?.resources.get(logicalId)?.type ?? '';
  const referable =
    (FUNCTION_TYPES.has(type) && (property === 'Alias' || property === 'Version')) ||
    (type.startsWith('AWS::Serverless::') && type.endsWith('Api') && property === 'Stage');
  if (referable) return resolveResourceRef(name, scope, resolveIntrinsics);
  return resolveAttribute(logicalId, property, scope, resolveIntrinsics);
}

function subText(name: string, value: unknown, scope: Scope): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === NO_VALUE) {
    throw scopeError(
      scope,
      `Fn::Sub cannot insert \${${name}}, because AWS::NoValue removes a value instead of giving one; remove it from the text`,
    );
  }
  throw scopeError(
    scope,
    `Fn::Sub variable \${${name}} is ${describeValue(value)}, not a string; join a list with Fn::Join first`,
  );
}

function resolveJoin(argument: unknown, scope: Scope): string {
  const [delimiter, list] = takeArguments(argument, 'Fn::Join', '[delimiter, [values]]', scope);
  if (typeof delimiter !== 'string') {
    throw scopeError(
      scope,
      `Fn::Join delimiter ${describeValue(delimiter)} is not a string; write a string such as ',' or ''`,
    );
  }
  return resolveList(list, 'Fn::Join', scope)
    .map((item) => joinText(item, scope))
    .join(delimiter);
}

function joinText(item: unknown, scope: Scope): string {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
    return String(item);
  }
  throw scopeError(
    scope,
    `Fn::Join can only join strings, got ${describeValue(item)}; resolve the item to a string first`,
  );
}

function resolveSelect(argument: unknown, scope: Scope): unknown {
  const [index, list] = takeArguments(argument, 'Fn::Select', '[index, [values]]', scope);
  const position = resolveValue(index, scope);
  const number =
    typeof position === 'string' && /^\d+$/.test(position) ? Number(position) : position;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw scopeError(
      scope,
      `Fn::Select index ${describeValue(position)} is not a whole number; write an index such as 0`,
    );
  }
  const values = resolveList(list, 'Fn::Select', scope);
  if (number >= values.length) {
    throw scopeError(
      scope,
      `Fn::Select index ${number} is out of range for a list of ${values.length} values; use an index below ${values.length}`,
    );
  }
  return values[number];
}

function resolveSplit(argument: unknown, scope: Scope): string[] {
  const [delimiter, source] = takeArguments(argument, 'Fn::Split', '[delimiter, string]', scope);
  const text = resolveValue(source, scope);
  if (typeof delimiter !== 'string' || delimiter === '' || typeof text !== 'string') {
    throw scopeError(
      scope,
      `Fn::Split takes a delimiter and a string, got ${describeValue([delimiter, text])}; write !Split [',', 'a,b']`,
    );
  }
  return text.split(delimiter);
}

function resolveIf(argument: unknown, scope: Scope): unknown {
  const [name, whenTrue, whenFalse] = takeArguments(
    argument,
    'Fn::If',
    '[condition, value if true, value if false]',
    scope,
    3,
  );
  if (scope.context.inConditions) {
    throw scopeError(
      scope,
      'Fn::If cannot be used in Conditions; combine conditions with Fn::And, Fn::Or and Fn::Not',
    );
  }
  const conditions = scope.context.symbols?.conditions;
  const value = typeof name === 'string' ? conditions?.get(name) : undefined;
  if (value === undefined) {
    const declared = [...(conditions?.keys() ?? [])].join(', ') || 'none';
    throw scopeError(
      scope,
      `Fn::If names condition ${describeValue(name)}, which is not declared under Conditions (declared: ${declared}); declare it or fix the name`,
    );
  }
  return resolveValue(value ? whenTrue : whenFalse, scope);
}

/**
 * Fn::FindInMap [MapName, TopLevelKey, SecondLevelKey]. A fourth `{DefaultValue: value}`
 * element is the AWS::LanguageExtensions form; it is accepted with or without that transform.
 */
function resolveFindInMap(argument: unknown, scope: Scope): unknown {
  const form = '[MapName, TopLevelKey, SecondLevelKey]';
  const count = Array.isArray(argument) && argument.length === 4 ? 4 : 3;
  const [mapArgument, topArgument, secondArgument, fallback] = takeArguments(
    argument,
    'Fn::FindInMap',
    form,
    scope,
    count,
  );
  const keys = [mapArgument, topArgument, secondArgument].map((key) => resolveValue(key, scope));
  if (!keys.every((key) => typeof key === 'string' || typeof key === 'number')) {
    throw scopeError(
      scope,
      `Fn::FindInMap keys resolve to ${describeValue(keys)}; each of ${form} must be a string`,
    );
  }
  if (fallback !== undefined && !(isPlainObject(fallback) && 'DefaultValue' in fallback)) {
    throw scopeError(
      scope,
      `Fn::FindInMap fourth element ${describeValue(fallback)} is not {DefaultValue: value}; write it as DefaultValue: VALUE`,
    );
  }

  const [mapName, topKey, secondKey] = keys.map(String) as [string, string, string];
  const mappings = scope.context.symbols?.mappings ?? {};
  const found = findInMappings(mappings, mapName, topKey, secondKey);
  if ('value' in found) return resolveValue(found.value, scope);
  if (isPlainObject(fallback)) return resolveValue(fallback.DefaultValue, scope);
  throw scopeError(
    scope,
    `Fn::FindInMap ${describeValue([mapName, topKey, secondKey])}: ${found.miss}`,
  );
}

/** Looks a value up in Mappings. A miss names the level that is missing and how to add it. */
function findInMappings(
  mappings: Json,
  mapName: string,
  topKey: string,
  secondKey: string,
): { value: unknown } | { miss: string } {
  const map = Object.hasOwn(mappings, mapName) ? mappings[mapName] : undefined;
  if (!isPlainObject(map)) {
    const declared = Object.keys(mappings).join(', ') || 'none';
    return {
      miss: `mapping '${mapName}' is not declared under Mappings (declared: ${declared}); declare it or fix the name`,
    };
  }
  const top = Object.hasOwn(map, topKey) ? map[topKey] : undefined;
  if (!isPlainObject(top)) {
    return {
      miss: `mapping '${mapName}' has no key '${topKey}'; add it under Mappings.${mapName} (keys: ${Object.keys(map).join(', ')})`,
    };
  }
  if (!Object.hasOwn(top, secondKey)) {
    return {
      miss: `mapping '${mapName}' key '${topKey}' has no '${secondKey}'; add it under Mappings.${mapName}.${topKey} (keys: ${Object.keys(top).join(', ')})`,
    };
  }
  return { value: top[secondKey] };
}

/** Fn::GetAZs: three zones, `REGIONa` to `REGIONc`, for the region given or the stack's own. */
function resolveGetAzs(argument: unknown, scope: Scope): string[] {
  const region = resolveValue(argument, scope);
  if (typeof region !== 'string') {
    throw scopeError(
      scope,
      `Fn::GetAZs takes a region name or '', got ${describeValue(argument)}; write !GetAZs ''`,
    );
  }
  const name = region === '' ? scope.context.account.region : region;
  return ['a', 'b', 'c'].map((zone) => `${name}${zone}`);
}

function resolveBase64(argument: unknown, scope: Scope): string {
  const text = resolveValue(argument, scope);
  if (typeof text !== 'string' && typeof text !== 'number') {
    throw scopeError(
      scope,
      `Fn::Base64 takes a string, got ${describeValue(text)}; write !Base64 'text'`,
    );
  }
  return Buffer.from(String(text), 'utf8').toString('base64');
}

/** Checks an intrinsic's argument list and returns its elements. */
function takeArguments(
  argument: unknown,
  name: string,
  form: string,
  scope: Scope,
  count = 2,
): unknown[] {
  if (!Array.isArray(argument) || argument.length !== count) {
    throw scopeError(scope, `${name} takes ${form}, got ${describeValue(argument)}`);
  }
  return argument;
}

/** Resolves a value that must be a list, such as the values of Fn::Join and Fn::Select. */
function resolveList(value: unknown, name: string, scope: Scope): unknown[] {
  const list = resolveValue(value, scope);
  if (!Array.isArray(list)) {
    throw scopeError(
      scope,
      `${name} values resolve to ${describeValue(list)}, not a list; write a list, or refer to a list parameter`,
    );
  }
  return list;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
