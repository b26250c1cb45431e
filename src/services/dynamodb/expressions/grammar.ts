import peggy from 'peggy';

/**
 * The grammar of DynamoDB's expressions, in peggy's PEG notation. One grammar serves every
 * kind: conditions (ConditionExpression, FilterExpression, KeyConditionExpression), update
 * expressions and projection expressions, each from its own start rule. Precedence, from
 * the tightest: comparators, IN and BETWEEN, functions, NOT, AND, OR. Keywords are
 * case-insensitive. The actions build the syntax tree of ./ast.ts; names and values stay
 * unresolved (`#n`, `:v`) until ./parse.ts substitutes them.
 */
const GRAMMAR = String.raw`
ConditionStart = _ condition:Or _ { return condition; }

UpdateStart = _ head:UpdateClause tail:(_ clause:UpdateClause { return clause; })* _ {
  return [head, ...tail];
}

ProjectionStart = _ head:Path tail:(_ "," _ path:Path { return path; })* _ {
  return [head, ...tail];
}

Or = head:And tail:(_ OR _ operand:And { return operand; })* {
  return tail.reduce((left, right) => ({ type: 'or', left, right }), head);
}

And = head:Not tail:(_ AND _ operand:Not { return operand; })* {
  return tail.reduce((left, right) => ({ type: 'and', left, right }), head);
}

Not = NOT _ operand:Not { return { type: 'not', operand }; }
  / Primary

Primary = "(" _ condition:Or _ ")" { return condition; }
  / Predicate
  / call:Call { return { type: 'function', name: call.name, args: call.args, offset: call.offset }; }

Predicate = left:Operand _ operator:Comparator _ right:Operand {
    return { type: 'compare', operator, left, right };
  }
  / operand:Operand _ BETWEEN _ low:Operand _ AND _ high:Operand {
    return { type: 'between', operand, low, high };
  }
  / operand:Operand _ IN _ "(" _ head:Operand tail:(_ "," _ item:Operand { return item; })* _ ")" {
    return { type: 'in', operand, list: [head, ...tail] };
  }

Comparator = "<=" / ">=" / "<>" / "=" / "<" / ">"

Operand = call:Call { return { type: 'call', name: call.name, args: call.args }; }
  / Path
  / Value

Call = name:$([a-zA-Z_][a-zA-Z0-9_]*) _ "(" _ args:Arguments? _ ")" {
  return { name, args: args ?? [], offset: location().start.offset };
}

Arguments = head:Operand tail:(_ "," _ item:Operand { return item; })* { return [head, ...tail]; }

Path = head:Name tail:(Member / Index)* { return { type: 'path', elements: [head, ...tail] }; }

Member = "." name:Name { return name; }

Index = "[" _ digits:$[0-9]+ _ "]" { return { index: Number(digits) }; }

Name = "#" key:$[a-zA-Z0-9_]+ { return { name: '#' + key, placeholder: true }; }
  / !Keyword name:$([a-zA-Z_][a-zA-Z0-9_]*) { return { name, placeholder: false }; }

Value = ":" key:$[a-zA-Z0-9_]+ { return { type: 'value', name: ':' + key }; }

UpdateClause = SET _ head:SetAction tail:(_ "," _ action:SetAction { return action; })* {
    return { clause: 'SET', actions: [head, ...tail] };
  }
  / REMOVE _ head:Path tail:(_ "," _ path:Path { return path; })* {
    return { clause: 'REMOVE', actions: [head, ...tail].map((path) => ({ path })) };
  }
  / ADD _ head:PathValue tail:(_ "," _ action:PathValue { return action; })* {
    return { clause: 'ADD', actions: [head, ...tail] };
  }
  / DELETE _ head:PathValue tail:(_ "," _ action:PathValue { return action; })* {
    return { clause: 'DELETE', actions: [head, ...tail] };
  }

SetAction = path:Path _ "=" _ value:SetValue { return { path, value }; }

SetValue = left:Operand _ operator:[+-] _ right:Operand {
    return { type: 'arithmetic', operator, left, right };
  }
  / Operand

PathValue = path:Path __ value:Operand { return { path, value }; }

Keyword = (AND / OR / NOT / BETWEEN / IN / SET / REMOVE / ADD / DELETE) !"("

AND = "AND"i !NameChar
OR = "OR"i !NameChar
NOT = "NOT"i !NameChar
BETWEEN = "BETWEEN"i !NameChar
IN = "IN"i !NameChar
SET = "SET"i !NameChar
REMOVE = "REMOVE"i !NameChar
ADD = "ADD"i !NameChar
DELETE = "DELETE"i !NameChar

NameChar = [a-zA-Z0-9_]

_ "whitespace" = [ \t\r\n]*
__ "whitespace" = [ \t\r\n]+
`;

/** Where a syntax error was found, as peggy reports it. */
export interface SyntaxErrorLocation {
  offset: number;
}

type ExpressionParser = (text: string, options: { startRule: string }) => unknown;

let parser: ExpressionParser | undefined;

/**
 * Parses text from one start rule. The parser is generated from GRAMMAR on first use and
 * kept: generation takes tens of milliseconds once, and the build stays `tsc` alone.
 */
export function parseWithGrammar(text: string, startRule: string): unknown {
  if (parser === undefined) {
    const generated = peggy.generate(GRAMMAR, {
      allowedStartRules: ['ConditionStart', 'UpdateStart', 'ProjectionStart'],
    });
    parser = (input, options) => generated.parse(input, options);
  }
  return parser(text, { startRule });
}

/**
 * Returns the offset of a syntax error from the generated parser, or undefined for any
 * other error. Each generated parser has its own SyntaxError class, so the check is by
 * name and shape rather than instanceof.
 */
export function syntaxErrorOffset(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'SyntaxError' || !('location' in error)) {
    return undefined;
  }
  const location = error.location as { start?: { offset?: unknown } } | undefined;
  const offset = location?.start?.offset;
  return typeof offset === 'number' ? offset : undefined;
}
