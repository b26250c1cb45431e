import {
  ATTRIBUTE_TYPES,
  compareScalars,
  describeValue,
  typeOf,
  validateValue,
  type AttributeMap,
  type AttributeType,
} from '../attribute-value.js';
import { validationError } from '../errors.js';
import {
  describePath,
  type Comparator,
  type Condition,
  type DocumentPath,
  type FunctionName,
  type Operand,
  type PathElement,
  type UpdateClause,
} from './ast.js';
import { parseWithGrammar, syntaxErrorOffset } from './grammar.js';
import { isReservedWord } from './reserved-words.js';

/** The request parameters that hold an expression, as DynamoDB names them in messages. */
export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/** Functions that are conditions by themselves; `size` is an operand. */
const CONDITION_FUNCTIONS: Record<string, number> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
};
const UPDATE_FUNCTIONS: Record<string, number> = { if_not_exists: 2, list_append: 2 };
const KNOWN_FUNCTIONS = new Set([
  ...Object.keys(CONDITION_FUNCTIONS),
  'size',
  'if_not_exists',
  'list_append',
]);
/** The types that `<`, `<=`, `>`, `>=` and BETWEEN order. */
const ORDERED_TYPES: readonly AttributeType[] = ['S', 'N', 'B'];
/** The types `size` accepts; a literal of another type is rejected before any item is read. */
const SIZED_TYPES: readonly AttributeType[] = ['S', 'B', 'SS', 'NS', 'BS', 'L', 'M'];

/**
 * A request's ExpressionAttributeNames and ExpressionAttributeValues. Parsing substitutes
 * them and records which were used, because DynamoDB rejects a request that defines a name
 * or value none of its expressions uses.
 */
export class ExpressionAttributes {
  readonly #names: Record<string, string> | undefined;
  readonly #values: AttributeMap | undefined;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  constructor(names: unknown, values: unknown) {
    if (names !== undefined && names !== null) {
      if (typeof names !== 'object')
        throw validationError('ExpressionAttributeNames must be a map');
      this.#names = names as Record<string, string>;
      if (Object.keys(this.#names).length === 0) {
        throw validationError('ExpressionAttributeNames must not be empty');
      }
    }
    if (values !== undefined && values !== null) {
      if (typeof values !== 'object')
        throw validationError('ExpressionAttributeValues must be a map');
      this.#values = {};
      for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
        this.#values[name] = validateValue(value);
      }
      if (Object.keys(this.#values).length === 0) {
        throw validationError('ExpressionAttributeValues must not be empty');
      }
    }
  }

  get defined(): boolean {
    return this.#names !== undefined || this.#values !== undefined;
  }

  name(placeholder: string, kind: ExpressionKind): string {
    const name = this.#names?.[placeholder];
    if (name === undefined) {
      throw validationError(
        `Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
      );
    }
    this.#usedNames.add(placeholder);
    return name;
  }

  value(placeholder: string, kind: ExpressionKind): Operand {
    const value = this.#values?.[placeholder];
    if (value === undefined) {
      throw validationError(
        `Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      );
    }
    this.#usedValues.add(placeholder);
    return { type: 'value', name: placeholder, value };
  }

  /** Raises DynamoDB's error for names or values that no expression of the request used. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.#names ?? {}).filter((name) => !this.#usedNames.has(name));
    if (unusedNames.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
      );
    }
    const unusedValues = Object.keys(this.#values ?? {}).filter(
      (name) => !this.#usedValues.has(name),
    );
    if (unusedValues.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
      );
    }
  }
}

/** Parses a condition: ConditionExpression, FilterExpression or KeyConditionExpression. */
export function parseCondition(
  text: string,
  kind: ExpressionKind,
  attributes: ExpressionAttributes,
): Condition {
  const raw = parseText(text, kind, 'ConditionStart');
  checkNames(raw, kind);
  checkOperators(raw, kind);
  return new Resolver(kind, attributes).condition(raw as RawNode);
}

/** Parses an UpdateExpression into its clauses; each clause keyword appears at most once. */
export function parseUpdate(text: string, attributes: ExpressionAttributes): UpdateClause[] {
  const kind = 'UpdateExpression';
  const raw = parseText(text, kind, 'UpdateStart') as RawClause[];
  checkNames(raw, kind);
  checkOperators(raw, kind);
  const resolver = new Resolver(kind, attributes);
  const seen = new Set<string>();
  const clauses = raw.map((clause) => {
    if (seen.has(clause.clause)) {
      throw validationError(
        `Invalid UpdateExpression: The "${clause.clause}" section can only be used once in an update expression;`,
      );
    }
    seen.add(clause.clause);
    return {
      clause: clause.clause,
      actions: clause.actions.map((action) => ({
        path: resolver.path(action.path),
        value: action.value === undefined ? undefined : resolver.updateOperand(action.value, true),
      })),
    };
  });
  checkOverlap(
    clauses.flatMap((clause) => clause.actions.map((action) => action.path)),
    kind,
  );
  return clauses as UpdateClause[];
}

/** Parses a ProjectionExpression into its document paths. */
export function parseProjection(text: string, attributes: ExpressionAttributes): DocumentPath[] {
  const kind = 'ProjectionExpression';
  const raw = parseText(text, kind, 'ProjectionStart') as RawNode[];
  checkNames(raw, kind);
  checkOperators(raw, kind);
  const resolver = new Resolver(kind, attributes);
  const paths = raw.map((node) => resolver.path(node));
  checkOverlap(paths, kind);
  return paths;
}

/** DynamoDB's limit on the length of any expression string, in bytes. */
const MAX_EXPRESSION_BYTES = 4096;

function parseText(text: string, kind: ExpressionKind, startRule: string): unknown {
  if (text.trim() === '')
    throw validationError(`Invalid ${kind}: The expression can not be empty;`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_EXPRESSION_BYTES) {
    // NOTE: DynamoDB's message contains the words up to "allowed size"; the size after
    // them is unconfirmed.
    throw validationError(
      `Invalid ${kind}: Expression size has exceeded the maximum allowed size; expression size: ${bytes}`,
    );
  }
  try {
    return parseWithGrammar(text, startRule);
  } catch (error) {
    if (error instanceof RangeError) {
      // A few thousand nested parentheses, still under 4 KB, exhaust the parser's stack.
      throw validationError(
        `Invalid ${kind}: The expression is nested too deeply; remove some parentheses`,
      );
    }
    const offset = syntaxErrorOffset(error);
    if (offset === undefined) throw error;
    const { token, near } = tokenNear(text, offset);
    throw validationError(`Invalid ${kind}: Syntax error; token: "${token}", near: "${near}"`);
  }
}

/**
 * Raises the errors DynamoDB reports before it substitutes placeholders: an unknown function
 * name first, then a reserved word used as a bare attribute name or map key. Each reports
 * the first occurrence, spelled as in the expression.
 */
function checkNames(raw: unknown, kind: ExpressionKind): void {
  const functions: string[] = [];
  const names: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as RawNode;
    if (record.type === 'path') {
      for (const element of record.elements ?? []) {
        if (element.name !== undefined && element.placeholder !== true) names.push(element.name);
      }
      return;
    }
    if ((record.type === 'call' || record.type === 'function') && record.name !== undefined) {
      functions.push(record.name);
    }
    Object.values(record).forEach(visit);
  };
  visit(raw);

  const unknown = functions.find((name) => !KNOWN_FUNCTIONS.has(name));
  if (unknown !== undefined) {
    throw validationError(`Invalid ${kind}: Invalid function name; function: ${unknown}`);
  }
  const reserved = names.find(isReservedWord);
  if (reserved !== undefined) {
    throw validationError(
      `Invalid ${kind}: Attribute name is a reserved keyword; reserved keyword: ${reserved}`,
    );
  }
}

/** DynamoDB's limit on the operators and functions of one expression. */
const MAX_OPERATORS = 300;
/** DynamoDB's limit on the list of an IN comparison. */
const MAX_IN_OPERANDS = 100;
/** Node types that count as an operator or a function. */
const COUNTED_OPERATORS = new Set(['compare', 'between', 'in', 'function', 'call', 'arithmetic']);

/**
 * Raises DynamoDB's errors for an IN list over 100 operands and for more than 300 operators
 * and functions in one expression.
 */
function checkOperators(raw: unknown, kind: ExpressionKind): void {
  let operators = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as RawNode & { list?: unknown[] };
    if (record.type === 'path') return;
    if (record.type !== undefined && COUNTED_OPERATORS.has(record.type)) operators += 1;
    if (record.type === 'in' && (record.list?.length ?? 0) > MAX_IN_OPERANDS) {
      throw validationError(
        `Invalid ${kind}: The IN operator is provided with too many operands; number of operands: ${record.list?.length}`,
      );
    }
    Object.values(record).forEach(visit);
  };
  visit(raw);
  // NOTE: AND, OR and NOT are not counted here. Whether DynamoDB counts them is not
  // documented, and leaving them out never rejects an expression that DynamoDB accepts.
  if (operators > MAX_OPERATORS) {
    throw validationError(
      `Invalid ${kind}: The expression contains too many operators; operator count: ${operators}`,
    );
  }
}

const TOKEN = /[#:]?[a-zA-Z0-9_]+|<=|>=|<>|\S/g;

/**
 * Finds the token at a syntax error and the text around it as DynamoDB reports them: the
 * token (`<EOF>` at the end) and the text from the previous token to the next one.
 */
export function tokenNear(text: string, offset: number): { token: string; near: string } {
  const tokens = [...text.matchAll(TOKEN)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
  const at = tokens.findIndex((token) => token.end > offset);
  if (at === -1) {
    const last = tokens[tokens.length - 1];
    return { token: '<EOF>', near: last === undefined ? '' : text.slice(last.start, last.end) };
  }
  const current = tokens[at] as { start: number; end: number };
  const start = tokens[at - 1]?.start ?? current.start;
  const end = tokens[at + 1]?.end ?? current.end;
  return { token: text.slice(current.start, current.end), near: text.slice(start, end) };
}

/** Raises DynamoDB's error when one path is a prefix of, or equal to, another. */
function checkOverlap(paths: DocumentPath[], kind: ExpressionKind): void {
  for (let i = 0; i < paths.length; i += 1) {
    for (let j = i + 1; j < paths.length; j += 1) {
      const [one, two] = [paths[i] as DocumentPath, paths[j] as DocumentPath];
      if (isPrefix(one, two) || isPrefix(two, one)) {
        const [shorter, longer] =
          one.elements.length <= two.elements.length ? [one, two] : [two, one];
        throw validationError(
          `Invalid ${kind}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${describePath(shorter)}, path two: ${describePath(longer)}`,
        );
      }
    }
  }
}

function isPrefix(prefix: DocumentPath, path: DocumentPath): boolean {
  if (prefix.elements.length > path.elements.length) return false;
  return prefix.elements.every((element, i) => {
    const other = path.elements[i] as PathElement;
    return 'name' in element
      ? 'name' in other && other.name === element.name
      : 'index' in other && other.index === element.index;
  });
}

/** Returns an operand's type when the request fixes it: a value's type, or N for `size()`. */
function staticType(operand: Operand): AttributeType | undefined {
  if (operand.type === 'value') return typeOf(operand.value);
  if (operand.type === 'call' && operand.name === 'size') return 'N';
  return undefined;
}

/** The tree the grammar's actions build, before substitution. */
interface RawNode {
  type: string;
  name?: string;
  operator?: string;
  elements?: { name?: string; placeholder?: boolean; index?: number }[];
  args?: RawNode[];
  left?: RawNode;
  right?: RawNode;
  operand?: RawNode;
  low?: RawNode;
  high?: RawNode;
  list?: RawNode[];
}

interface RawClause {
  clause: string;
  actions: { path: RawNode; value?: RawNode }[];
}

/** Substitutes placeholders and checks function names, arity and operand kinds. */
class Resolver {
  readonly #kind: ExpressionKind;
  readonly #attributes: ExpressionAttributes;

  constructor(kind: ExpressionKind, attributes: ExpressionAttributes) {
    this.#kind = kind;
    this.#attributes = attributes;
  }

  condition(node: RawNode): Condition {
    switch (node.type) {
      case 'and':
      case 'or':
        return {
          type: node.type,
          left: this.condition(node.left as RawNode),
          right: this.condition(node.right as RawNode),
        };
      case 'not':
        return { type: 'not', operand: this.condition(node.operand as RawNode) };
      case 'compare': {
        const operator = node.operator as Comparator;
        const left = this.conditionOperand(node.left as RawNode);
        const right = this.conditionOperand(node.right as RawNode);
        // NOTE: DynamoDB rejects a value of an unordered type here with a ValidationException.
        // The message is the one it sends for functions, unconfirmed for comparators.
        if (operator !== '=' && operator !== '<>') {
          this.#checkOperandTypes(operator, [left, right], ORDERED_TYPES);
        }
        return { type: 'compare', operator, left, right };
      }
      case 'between': {
        const operand = this.conditionOperand(node.operand as RawNode);
        const low = this.conditionOperand(node.low as RawNode);
        const high = this.conditionOperand(node.high as RawNode);
        this.#checkOperandTypes('BETWEEN', [operand, low, high], ORDERED_TYPES);
        this.#checkBounds(low, high);
        return { type: 'between', operand, low, high };
      }
      case 'in':
        return {
          type: 'in',
          operand: this.conditionOperand(node.operand as RawNode),
          list: (node.list ?? []).map((item) => this.conditionOperand(item)),
        };
      default:
        return this.#conditionFunction(node);
    }
  }

  #conditionFunction(node: RawNode): Condition {
    const name = this.#functionName(node);
    const arity = CONDITION_FUNCTIONS[name];
    if (arity === undefined) {
      throw this.#error(
        `The function is not allowed to be used this way in an expression; function: ${name}`,
      );
    }
    const args = (node.args ?? []).map((arg) => this.conditionOperand(arg));
    this.#checkArity(name, args, arity);
    if (name === 'begins_with') this.#checkOperandTypes(name, args, ['S', 'B']);
    if (name === 'attribute_type') this.#checkTypeName(args[1] as Operand);
    if (args[0]?.type !== 'path') {
      throw this.#error(
        `Operator or function requires a document path; operator or function: ${name}`,
      );
    }
    return { type: 'function', name, args };
  }

  /**
   * Rejects an operand whose type is known from the request (a value, or `size()`, which is
   * a number) and is not one the operator or function accepts. A document path's type is
   * known only per item, so a path of another type makes the condition false instead.
   */
  #checkOperandTypes(
    operator: string,
    operands: Operand[],
    allowed: readonly AttributeType[],
  ): void {
    for (const operand of operands) {
      const type = staticType(operand);
      if (type !== undefined && !allowed.includes(type)) {
        throw this.#error(
          `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${type}`,
        );
      }
    }
  }

  /** Rejects BETWEEN bounds that are both values but of different types or out of order. */
  #checkBounds(low: Operand, high: Operand): void {
    if (low.type !== 'value' || high.type !== 'value') return;
    const operands = `lower bound operand: AttributeValue: ${describeValue(low.value)}, upper bound operand: AttributeValue: ${describeValue(high.value)}`;
    if (typeOf(low.value) !== typeOf(high.value)) {
      throw this.#error(
        `The BETWEEN operator requires same data type for lower and upper bounds; ${operands}`,
      );
    }
    if ((compareScalars(low.value, high.value) ?? 0) > 0) {
      throw this.#error(
        `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${operands}`,
      );
    }
  }

  /** Checks the type operand of `attribute_type`: a string that names an attribute type. */
  #checkTypeName(operand: Operand): void {
    const type = staticType(operand);
    if (type !== 'S') {
      // NOTE: for a document path DynamoDB lists the accepted types in an order that varies
      // between requests, and this is one of those orders.
      throw this.#error(
        `Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${type ?? '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}'}`,
      );
    }
    const name = operand.type === 'value' ? operand.value.S : undefined;
    if (name !== undefined && !(ATTRIBUTE_TYPES as readonly string[]).includes(name)) {
      throw this.#error(
        `Invalid attribute type name found; type: ${name}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
      );
    }
  }

  conditionOperand(node: RawNode): Operand {
    if (node.type !== 'call') return this.#leaf(node);

    const name = this.#functionName(node);
    if (name !== 'size') {
      const where = this.#kind === 'UpdateExpression' ? 'an update' : 'a condition';
      const allowed = CONDITION_FUNCTIONS[name] !== undefined;
      throw this.#error(
        allowed
          ? `The function is not allowed to be used this way in an expression; function: ${name}`
          : `The function is not allowed in ${where} expression; function: ${name}`,
      );
    }
    const args = (node.args ?? []).map((arg) => this.conditionOperand(arg));
    this.#checkArity(name, args, 1);
    // DynamoDB also takes a value as the operand of size(), and rejects one without a size.
    this.#checkOperandTypes(name, args, SIZED_TYPES);
    return { type: 'call', name, args };
  }

  /** Resolves an operand of an update action; arithmetic only at the top of a SET value. */
  updateOperand(node: RawNode, top: boolean): Operand {
    if (node.type === 'arithmetic' && top) {
      return {
        type: 'arithmetic',
        operator: node.operator as '+',
        left: this.updateOperand(node.left as RawNode, false),
        right: this.updateOperand(node.right as RawNode, false),
      };
    }
    if (node.type !== 'call') return this.#leaf(node);

    const name = this.#functionName(node);
    const arity = UPDATE_FUNCTIONS[name];
    if (arity === undefined) {
      throw this.#error(`The function is not allowed in an update expression; function: ${name}`);
    }
    const args = (node.args ?? []).map((arg) => this.updateOperand(arg, false));
    this.#checkArity(name, args, arity);
    if (name === 'if_not_exists' && args[0]?.type !== 'path') {
      throw this.#error(
        `Operator or function requires a document path; operator or function: ${name}`,
      );
    }
    return { type: 'call', name, args };
  }

  path(node: RawNode): DocumentPath {
    const elements = (node.elements ?? []).map((element): PathElement => {
      if (element.index !== undefined) return { index: element.index };
      const name = element.name ?? '';
      return {
        name: element.placeholder === true ? this.#attributes.name(name, this.#kind) : name,
      };
    });
    return { type: 'path', elements };
  }

  #leaf(node: RawNode): Operand {
    if (node.type === 'path') return this.path(node);
    return this.#attributes.value(node.name ?? '', this.#kind);
  }

  #functionName(node: RawNode): FunctionName {
    const name = node.name ?? '';
    if (!KNOWN_FUNCTIONS.has(name)) throw this.#error(`Invalid function name; function: ${name}`);
    return name as FunctionName;
  }

  #checkArity(name: string, args: Operand[], arity: number): void {
    if (args.length !== arity) {
      throw this.#error(
        `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
      );
    }
  }

  #error(message: string): Error {
    return validationError(`Invalid ${this.#kind}: ${message}`);
  }
}
