import { invalidConfig } from '../errors.js';

/** A parameter's value as `Ref` returns it: list types give a list of strings. */
export type ParameterValue = string | string[];

export interface TemplateParameters {
  values: Record<string, ParameterValue>;
  /** Declared parameters without a usable value, by name, each with how to give it one. */
  unset: Map<string, string>;
}

type Json = Record<string, unknown>;

/**
 * Reads the Parameters section: each value is the override when one is passed, else the
 * Default. Values are checked against the parameter's Type, AllowedValues, AllowedPattern,
 * MinLength, MaxLength, MinValue and MaxValue as CloudFormation checks them at deploy time.
 */
export function readParameters(
  section: unknown,
  overrides: Record<string, string>,
): TemplateParameters {
  const declarations = isPlainObject(section) ? section : {};
  for (const name of Object.keys(overrides)) {
    if (!(name in declarations)) {
      throw invalidConfig(
        `parameter override '${name}' names no parameter of the template; declared parameters: ${Object.keys(declarations).join(', ') || 'none'}`,
      );
    }
  }

  const parameters: TemplateParameters = { values: {}, unset: new Map() };
  for (const [name, declaration] of Object.entries(declarations)) {
    if (!isPlainObject(declaration) || typeof declaration.Type !== 'string') {
      throw invalidConfig(
        `parameter '${name}' has no Type; set Type to String, Number, CommaDelimitedList or another CloudFormation parameter type`,
      );
    }
    const override = overrides[name];
    const type = declaration.Type;
    if (override === undefined && isSsmType(type)) {
      parameters.unset.set(
        name,
        `parameter '${name}' has type ${type}, whose value CloudFormation reads from SSM Parameter Store; pass --parameter-overrides ${name}=VALUE`,
      );
      continue;
    }
    const text = override ?? defaultText(name, declaration.Default);
    if (text === undefined) {
      parameters.unset.set(
        name,
        `parameter '${name}' has no Default and no override; add a Default or pass --parameter-overrides ${name}=VALUE`,
      );
      continue;
    }
    const source = override === undefined ? 'Default' : '--parameter-overrides';
    parameters.values[name] = checkedValue(name, declaration, text, source);
  }
  return parameters;
}

function defaultText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw invalidConfig(
    `parameter '${name}': Default ${JSON.stringify(value)} is not a string; write the Default as text`,
  );
}

/** `List<...>`, `CommaDelimitedList` and their SSM forms are the types whose Ref is a list. */
function isListType(type: string): boolean {
  return /(^|<)(List<|CommaDelimitedList)/.test(type);
}

function isSsmType(type: string): boolean {
  return type.startsWith('AWS::SSM::Parameter::Value<');
}

function checkedValue(
  name: string,
  declaration: Json,
  text: string,
  source: string,
): ParameterValue {
  const type = String(declaration.Type);
  const items = isListType(type) ? text.split(',').map((item) => item.trim()) : [text];
  const numeric = type === 'Number' || type === 'List<Number>';
  for (const item of items) {
    checkAllowedValues(name, declaration, item, source);
    if (numeric) checkNumber(name, declaration, item, source);
    else checkString(name, declaration, item, source);
  }
  return isListType(type) ? items : text;
}

function reject(name: string, declaration: Json, problem: string, source: string): never {
  const description =
    typeof declaration.ConstraintDescription === 'string'
      ? ` (${declaration.ConstraintDescription})`
      : '';
  const fix =
    source === 'Default'
      ? `fix the Default or pass --parameter-overrides ${name}=VALUE`
      : `pass another value with --parameter-overrides ${name}=VALUE`;
  throw invalidConfig(`parameter '${name}': ${problem}${description}; ${fix}`);
}

function checkAllowedValues(name: string, declaration: Json, item: string, source: string): void {
  const allowed = declaration.AllowedValues;
  if (!Array.isArray(allowed)) return;
  const choices = allowed.map(String);
  if (!choices.includes(item)) {
    reject(
      name,
      declaration,
      `value '${item}' from ${source} is not one of AllowedValues ${choices.join(', ')}`,
      source,
    );
  }
}

function checkNumber(name: string, declaration: Json, item: string, source: string): void {
  const value = Number(item);
  if (item.trim() === '' || Number.isNaN(value)) {
    reject(name, declaration, `value '${item}' from ${source} is not a number`, source);
  }
  const { MinValue: min, MaxValue: max } = declaration;
  if (min !== undefined && value < Number(min)) {
    reject(
      name,
      declaration,
      `value ${item} from ${source} is below MinValue ${describe(min)}`,
      source,
    );
  }
  if (max !== undefined && value > Number(max)) {
    reject(
      name,
      declaration,
      `value ${item} from ${source} is above MaxValue ${describe(max)}`,
      source,
    );
  }
}

function checkString(name: string, declaration: Json, item: string, source: string): void {
  const { AllowedPattern: pattern, MinLength: min, MaxLength: max } = declaration;
  if (typeof pattern === 'string' && !allowedPattern(name, pattern).test(item)) {
    reject(
      name,
      declaration,
      `value '${item}' from ${source} does not match AllowedPattern ${pattern}`,
      source,
    );
  }
  if (min !== undefined && item.length < Number(min)) {
    reject(
      name,
      declaration,
      `value '${item}' from ${source} is shorter than MinLength ${describe(min)}`,
      source,
    );
  }
  if (max !== undefined && item.length > Number(max)) {
    reject(
      name,
      declaration,
      `value '${item}' from ${source} is longer than MaxLength ${describe(max)}`,
      source,
    );
  }
}

/**
 * AllowedPattern as a JavaScript regular expression that must match the whole value, as
 * CloudFormation matches it. NOTE: CloudFormation uses Java's syntax, which differs in a few
 * constructs (possessive quantifiers, `\p{javaLowerCase}`); such patterns fail here.
 */
function allowedPattern(name: string, pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw invalidConfig(
      `parameter '${name}': AllowedPattern ${pattern} is not a valid regular expression (${(error as Error).message}); fix the pattern`,
    );
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
