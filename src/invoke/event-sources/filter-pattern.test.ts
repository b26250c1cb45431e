import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  InvalidFilterPatternError,
  matchesAnyPattern,
  matchesPattern,
  parseFilterPattern,
} from './filter-pattern.js';

const RECORD = {
  eventName: 'INSERT',
  dynamodb: {
    Keys: { pk: { S: 'user-1' } },
    NewImage: {
      pk: { S: 'user-1' },
      region: { S: 'us-east-1' },
      quantity: { N: '150' },
      tags: { SS: ['red', 'blue'] },
      note: { NULL: true },
    },
  },
};

function matches(pattern: unknown): boolean {
  return matchesPattern(parseFilterPattern(JSON.stringify(pattern)), RECORD);
}

describe('filter patterns', () => {
  it('exact values match as OR', () => {
    assert.equal(matches({ eventName: ['INSERT'] }), true);
    assert.equal(matches({ eventName: ['MODIFY', 'INSERT'] }), true);
    assert.equal(matches({ eventName: ['REMOVE'] }), false);
  });

  it('fields of one pattern match as AND', () => {
    const region = { dynamodb: { NewImage: { region: { S: ['us-east-1'] } } } };
    assert.equal(matches({ eventName: ['INSERT'], ...region }), true);
    assert.equal(matches({ eventName: ['MODIFY'], ...region }), false);
  });

  it('prefix matches the start of a string', () => {
    assert.equal(matches({ dynamodb: { NewImage: { region: { S: [{ prefix: 'us-' }] } } } }), true);
    assert.equal(
      matches({ dynamodb: { NewImage: { region: { S: [{ prefix: 'eu-' }] } } } }),
      false,
    );
  });

  it('anything-but excludes values', () => {
    assert.equal(matches({ eventName: [{ 'anything-but': ['REMOVE'] }] }), true);
    assert.equal(matches({ eventName: [{ 'anything-but': 'INSERT' }] }), false);
    assert.equal(matches({ eventName: [{ 'anything-but': { prefix: 'IN' } }] }), false);
  });

  it('numeric compares N strings', () => {
    const quantity = (condition: unknown) => ({
      dynamodb: { NewImage: { quantity: { N: [condition] } } },
    });
    assert.equal(matches(quantity({ numeric: ['>', 100, '<=', 150] })), true);
    assert.equal(matches(quantity({ numeric: ['=', 150] })), true);
    assert.equal(matches(quantity({ numeric: ['<', 100] })), false);
  });

  it('exists tests presence', () => {
    assert.equal(matches({ dynamodb: { NewImage: { region: { S: [{ exists: true }] } } } }), true);
    assert.equal(matches({ dynamodb: { OldImage: { region: { S: [{ exists: false }] } } } }), true);
    assert.equal(matches({ dynamodb: { OldImage: { region: { S: [{ exists: true }] } } } }), false);
  });

  it('record arrays match when any element matches', () => {
    assert.equal(matches({ dynamodb: { NewImage: { tags: { SS: ['blue'] } } } }), true);
    assert.equal(matches({ dynamodb: { NewImage: { tags: { SS: ['green'] } } } }), false);
  });

  it('null matches a JSON null', () => {
    assert.equal(matches({ dynamodb: { NewImage: { note: { NULL: [true] } } } }), true);
    assert.equal(matchesPattern(parseFilterPattern('{"a":[null]}'), { a: null }), true);
  });

  it('patterns match as OR and none means all', () => {
    const patterns = [{ eventName: ['REMOVE'] }, { eventName: ['INSERT'] }].map((pattern) =>
      parseFilterPattern(JSON.stringify(pattern)),
    );
    assert.equal(matchesAnyPattern(patterns, RECORD), true);
    assert.equal(matchesAnyPattern([], RECORD), true);
  });

  it('invalid patterns are rejected', () => {
    for (const text of [
      'not json',
      '["INSERT"]',
      '{"eventName":"INSERT"}',
      '{"eventName":[]}',
      '{"eventName":[{"numeric":[">"]}]}',
      '{"eventName":[{"unknown":1}]}',
      `{"a":["${'x'.repeat(4100)}"]}`,
    ]) {
      assert.throws(() => parseFilterPattern(text), InvalidFilterPatternError, text.slice(0, 40));
    }
  });
});
