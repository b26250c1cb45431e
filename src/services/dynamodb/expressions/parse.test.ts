import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ExpressionAttributes,
  parseCondition,
  parseProjection,
  parseUpdate,
  tokenNear,
} from './parse.js';

function attributes(
  values: string[] = [],
  names: Record<string, string> = {},
): ExpressionAttributes {
  const map = Object.fromEntries(values.map((name) => [name, { S: name }]));
  return new ExpressionAttributes(
    Object.keys(names).length === 0 ? undefined : names,
    values.length === 0 ? undefined : map,
  );
}

describe('expression parsing', () => {
  it('binds AND tighter than OR', () => {
    const condition = parseCondition(
      'a = :x OR b = :x AND c = :x',
      'ConditionExpression',
      attributes([':x']),
    );
    assert.equal(condition.type, 'or');
    assert.equal(condition.type === 'or' ? condition.right.type : '', 'and');
  });

  it('binds NOT tighter than AND', () => {
    const condition = parseCondition(
      'NOT a = :x AND b = :x',
      'ConditionExpression',
      attributes([':x']),
    );
    assert.equal(condition.type, 'and');
    assert.equal(condition.type === 'and' ? condition.left.type : '', 'not');
  });

  it('reads keywords in any case', () => {
    const condition = parseCondition(
      'a between :x and :x or not attribute_exists(b)',
      'FilterExpression',
      attributes([':x']),
    );
    assert.equal(condition.type, 'or');
  });

  it('substitutes names in nested paths', () => {
    const [path] = parseProjection('#a.b[3].#c', attributes([], { '#a': 'first', '#c': 'third' }));
    assert.deepEqual(path?.elements, [
      { name: 'first' },
      { name: 'b' },
      { index: 3 },
      { name: 'third' },
    ]);
  });

  it('reads every update clause', () => {
    const clauses = parseUpdate(
      'SET a = if_not_exists(a, :x) + :x, b = list_append(b, :x) REMOVE c[1] ADD d :x DELETE e :x',
      attributes([':x']),
    );
    assert.deepEqual(
      clauses.map((clause) => clause.clause),
      ['SET', 'REMOVE', 'ADD', 'DELETE'],
    );
  });

  it('finds the token and text near a syntax error', () => {
    assert.deepEqual(tokenNear('SET a = :v x', 11), { token: 'x', near: ':v x' });
    assert.deepEqual(tokenNear('a = :v AND', 10), { token: '<EOF>', near: 'AND' });
    assert.deepEqual(tokenNear('a - b', 2), { token: '-', near: 'a - b' });
  });

  it('reports syntax errors with the kind', () => {
    assert.throws(() => parseCondition('a = = :x', 'FilterExpression', attributes([':x'])), {
      message: 'Invalid FilterExpression: Syntax error; token: "=", near: "= = :x"',
    });
    assert.throws(() => parseProjection('a,', attributes()), {
      message: 'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","',
    });
    assert.throws(() => parseCondition(' ', 'ConditionExpression', attributes()), {
      message: 'Invalid ConditionExpression: The expression can not be empty;',
    });
  });

  it('rejects expressions over 4 KB', () => {
    const text = `${'a = :x OR '.repeat(410)}a = :x`;
    assert.throws(() => parseCondition(text, 'FilterExpression', attributes([':x'])), {
      message: `Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: ${text.length}`,
    });
  });

  it('limits operators to 300', () => {
    const comparisons = (count: number) =>
      Array.from({ length: count }, () => 'a = :x').join(' OR ');
    assert.doesNotThrow(() =>
      parseCondition(comparisons(300), 'FilterExpression', attributes([':x'])),
    );
    assert.throws(() => parseCondition(comparisons(301), 'FilterExpression', attributes([':x'])), {
      message:
        'Invalid FilterExpression: The expression contains too many operators; operator count: 301',
    });
    // One + per SET action, as DynamoDB allows: 301 actions of about 10 bytes each.
    const sums = `SET ${Array.from({ length: 301 }, (_, index) => `a${index}=:x+:x`).join(',')}`;
    assert.throws(() => parseUpdate(sums, attributes([':x'])), {
      message:
        'Invalid UpdateExpression: The expression contains too many operators; operator count: 301',
    });
  });

  it('limits IN to 100 operands', () => {
    const list = (count: number) => Array.from({ length: count }, () => ':x').join(', ');
    assert.doesNotThrow(() =>
      parseCondition(`a IN (${list(100)})`, 'ConditionExpression', attributes([':x'])),
    );
    assert.throws(
      () => parseCondition(`a IN (${list(101)})`, 'ConditionExpression', attributes([':x'])),
      {
        message:
          'Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101',
      },
    );
  });

  it('rejects nesting deeper than the parser', () => {
    const text = `${'('.repeat(2000)}a = :x${')'.repeat(2000)}`;
    assert.throws(() => parseCondition(text, 'FilterExpression', attributes([':x'])), {
      message:
        'Invalid FilterExpression: The expression is nested too deeply; remove some parentheses',
    });
    const unclosed = `${'('.repeat(2040)}a = :x`;
    assert.throws(() => parseCondition(unclosed, 'KeyConditionExpression', attributes([':x'])), {
      code: 'ValidationException',
    });
  });

  it('checks functions and their operands', () => {
    assert.throws(
      () => parseCondition('attribute_exists(:x)', 'ConditionExpression', attributes([':x'])),
      {
        message:
          'Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists',
      },
    );
    assert.throws(() => parseCondition('begins_with(a)', 'ConditionExpression', attributes()), {
      message:
        'Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1',
    });
    assert.throws(() => parseUpdate('SET a = size(b)', attributes()), {
      message:
        'Invalid UpdateExpression: The function is not allowed in an update expression; function: size',
    });
  });

  it('reports unused names before unused values', () => {
    const unused = attributes([':x', ':y'], { '#n': 'name' });
    parseCondition('a = :x', 'ConditionExpression', unused);
    assert.throws(() => unused.checkAllUsed(), {
      message: 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}',
    });
  });
});
