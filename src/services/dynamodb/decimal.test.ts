import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  addDecimals,
  canonicalNumber,
  compareDecimals,
  encodeSortableDecimal,
  formatDecimal,
  parseDecimal,
} from './decimal.js';

describe('decimal numbers', () => {
  it('formats numbers as DynamoDB returns them', () => {
    const cases: [string, string][] = [
      ['1.50', '1.5'],
      ['-0012.500', '-12.5'],
      ['1e3', '1000'],
      ['1.5E-3', '0.0015'],
      ['-0', '0'],
      ['0.000', '0'],
      ['.5', '0.5'],
      ['+7', '7'],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalNumber(input), expected, input);
  });

  it('rejects more than 38 significant digits', () => {
    assert.equal(canonicalNumber('1'.repeat(38)), '1'.repeat(38));
    assert.equal(canonicalNumber(`1${'0'.repeat(40)}`), `1${'0'.repeat(40)}`);
    assert.throws(() => parseDecimal('1'.repeat(39)), {
      message: 'Attempting to store more than 38 significant digits in a Number',
    });
  });

  it('rejects numbers outside the range', () => {
    assert.throws(() => parseDecimal('1e126'), /Number overflow/);
    assert.throws(() => parseDecimal('1e-131'), /Number underflow/);
    assert.throws(() => parseDecimal('abc'), /cannot be converted to a numeric value/);
    assert.equal(formatDecimal(parseDecimal('9.9e125')).length, 126);
  });

  it('adds exactly', () => {
    assert.equal(formatDecimal(addDecimals(parseDecimal('0.1'), parseDecimal('0.2'))), '0.3');
    const nines = parseDecimal('9'.repeat(38));
    assert.equal(formatDecimal(addDecimals(nines, parseDecimal('1'))), `1${'0'.repeat(38)}`);
    assert.throws(() => addDecimals(parseDecimal('1e37'), parseDecimal('0.1')), /Number overflow/);
    assert.equal(formatDecimal(addDecimals(parseDecimal('-5'), parseDecimal('5'))), '0');
  });

  it('compares and encodes in numeric order', () => {
    const ordered = [
      '-1e10',
      '-100',
      '-10.5',
      '-10',
      '-1.23',
      '-1.2',
      '-1',
      '-0.001',
      '0',
      '0.001',
      '1',
      '1.2',
      '1.23',
      '10',
      '10.5',
      '100',
      '1e10',
    ];
    for (let i = 1; i < ordered.length; i += 1) {
      const lower = parseDecimal(ordered[i - 1] as string);
      const higher = parseDecimal(ordered[i] as string);
      assert.equal(compareDecimals(lower, higher), -1, `${ordered[i - 1]} < ${ordered[i]}`);
      assert.equal(
        Buffer.compare(encodeSortableDecimal(lower), encodeSortableDecimal(higher)),
        -1,
        `encoded ${ordered[i - 1]} < ${ordered[i]}`,
      );
    }
    assert.deepEqual(
      encodeSortableDecimal(parseDecimal('1.50')),
      encodeSortableDecimal(parseDecimal('1.5')),
    );
  });
});
