import { invalidConfig } from '../errors.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';
import { describeValue } from './resolve-scope.js';

type Json = Record<string, unknown>;

/** CloudFormation's bounds on the conditions one Fn::And or Fn::Or combines. */
const MIN_COMBINED = 2;
const MAX_COMBINED = 10;

/**
 * Evaluates every condition of the Conditions section, as CloudFormation does before it
 * creates resources. A condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or `Condition: Name`.
 * The operands of Fn::Equals may use Ref to parameters and pseudo parameters, Fn::FindInMap
 * and the string functions. Fn::If and references to resources are errors.
 */
export function evaluateConditions(
  section: unknown,
  context: IntrinsicContext,
): Map<string, boolean> {
  if (section !== undefined && !isPlainObject(section)) {
    throw invalidConfig(
      `Conditions section is ${describeValue(section)}, not a map; write each condition as Name: !Equals [a, b]`,
    );
  }
  const evaluator = new ConditionEvaluator(section ?? {}, context);
  for (const name of Object.keys(section ?? {})) evaluator.evaluate(name);
  return evaluator.results;
}

class ConditionEvaluator {
  readonly results = new Map<string, boolean>();
  /** Conditions being evaluated, outermost first, to report a cycle. */
  readonly #active: string[] = [];

  constructor(
    private readonly declared: Json,
    private readonly context: IntrinsicContext,
  ) {}

  evaluate(name: string): boolean {
    const known = this.results.get(name);
    if (known !== undefined) return known;
    if (this.#active.includes(name)) {
      const cycle = [...this.#active.slice(this.#active.indexOf(name)), name].join(' -> ');
      throw invalidConfig(
        `condition '${name}' depends on itself (${cycle}); remove one of the Condition references`,
      );
    }

    this.#active.push(name);
    const value = this.#expression(this.declared[name], name);
    this.#active.pop();
    this.results.set(name, value);
    return value;
  }

  #expression(expression: unknown, name: string): boolean {
    const location = `condition '${name}'`;
    const entries = isPlainObject(expression) ? Object.entries(expression) : [];
    const [operator, operand] = entries.length === 1 ? (entries[0] ?? []) : [];
    switch (operator) {
      case 'Fn::Equals':
        return this.#equals(operand, location);
      case 'Fn::And':
        return this.#combined(operand, 'Fn::And', name).every(Boolean);
      case 'Fn::Or':
        return this.#combined(operand, 'Fn::Or', name).some(Boolean);
      case 'Fn::Not':
        if (!Array.isArray(operand) || operand.length !== 1) {
          throw invalidConfig(
            `${location}: Fn::Not takes a list of one condition, got ${describeValue(operand)}; write !Not [!Condition Other]`,
          );
        }
        return !this.#expression(operand[0], name);
      case 'Condition':
        return this.#reference(operand, location);
      default:
        throw invalidConfig(
          `${location}: ${describeValue(expression)} is not a condition; use Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition`,
        );
    }
  }

  #equals(operand: unknown, location: string): boolean {
    if (!Array.isArray(operand) || operand.length !== 2) {
      throw invalidConfig(
        `${location}: Fn::Equals takes a list of two values, got ${describeValue(operand)}; write !Equals [!Ref Stage, prod]`,
      );
    }
    const context = { ...this.context, location, inConditions: true };
    const [left, right] = operand.map((value) => comparable(resolveIntrinsics(value, context)));
    return left === right;
  }

  /**
   * Evaluates every condition Fn::And or Fn::Or combines, with no short circuit, so that an
   * undeclared condition is an error whatever the others are.
   */
  #combined(operand: unknown, operator: string, name: string): boolean[] {
    if (!Array.isArray(operand) || operand.length < MIN_COMBINED || operand.length > MAX_COMBINED) {
      throw invalidConfig(
        `condition '${name}': ${operator} takes a list of ${MIN_COMBINED} to ${MAX_COMBINED} conditions, got ${describeValue(operand)}`,
      );
    }
    return operand.map((item) => this.#expression(item, name));
  }

  #reference(name: unknown, location: string): boolean {
    if (typeof name !== 'string' || !Object.hasOwn(this.declared, name)) {
      const declared = Object.keys(this.declared).join(', ');
      throw invalidConfig(
        `${location}: Condition ${describeValue(name)} is not declared under Conditions (declared: ${declared}); declare it or fix the name`,
      );
    }
    return this.evaluate(name);
  }
}

/** Fn::Equals compares text: CloudFormation passes numbers and booleans as strings. */
function comparable(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
