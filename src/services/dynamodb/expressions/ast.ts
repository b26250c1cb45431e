import type { AttributeValue } from '../attribute-value.js';

/** One step of a document path: an attribute or map key name, or a list index. */
export type PathElement = { name: string } | { index: number };

/** A document path such as `a.b[2].c`, with placeholders already substituted. */
export interface DocumentPath {
  type: 'path';
  elements: PathElement[];
}

/** An expression attribute value (`:v`), with its value substituted. */
export interface ValueOperand {
  type: 'value';
  name: string;
  value: AttributeValue;
}

export type FunctionName =
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type'
  | 'begins_with'
  | 'contains'
  | 'size'
  | 'if_not_exists'
  | 'list_append';

/** A function used as an operand: `size(a)`, or in updates `if_not_exists` and `list_append`. */
export interface CallOperand {
  type: 'call';
  name: FunctionName;
  args: Operand[];
}

/** `left + right` or `left - right`, allowed only as the value of a SET action. */
export interface ArithmeticOperand {
  type: 'arithmetic';
  operator: '+' | '-';
  left: Operand;
  right: Operand;
}

export type Operand = DocumentPath | ValueOperand | CallOperand | ArithmeticOperand;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { type: 'compare'; operator: Comparator; left: Operand; right: Operand }
  | { type: 'between'; operand: Operand; low: Operand; high: Operand }
  | { type: 'in'; operand: Operand; list: Operand[] }
  | { type: 'and' | 'or'; left: Condition; right: Condition }
  | { type: 'not'; operand: Condition }
  | { type: 'function'; name: FunctionName; args: Operand[] };

/** One action of an update clause; REMOVE actions have no value. */
export interface UpdateAction {
  path: DocumentPath;
  value: Operand | undefined;
}

export type UpdateClauseName = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

export interface UpdateClause {
  clause: UpdateClauseName;
  actions: UpdateAction[];
}

/** Formats a path as DynamoDB does in messages: `[a, b, [2]]`. */
export function describePath(path: DocumentPath): string {
  const parts = path.elements.map((element) =>
    'name' in element ? element.name : `[${element.index}]`,
  );
  return `[${parts.join(', ')}]`;
}
