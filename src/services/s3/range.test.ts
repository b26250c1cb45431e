import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCopySourceRange, parseRange } from './range.js';

describe('Range header', () => {
  it('satisfiable forms', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes=3-', 10), { start: 3, end: 9 });
    assert.deepEqual(parseRange('bytes=-4', 10), { start: 6, end: 9 });
    assert.deepEqual(parseRange('bytes=-40', 10), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=5-400', 10), { start: 5, end: 9 });
  });

  it('ignored forms return the whole object', () => {
    for (const header of [
      undefined,
      'items=0-1',
      'bytes=0-1,3-4',
      'bytes=5-2',
      'bytes=-',
      'junk',
    ]) {
      assert.equal(parseRange(header, 10), undefined, String(header));
    }
  });

  it('unsatisfiable forms raise InvalidRange', () => {
    for (const [header, size] of [
      ['bytes=10-', 10],
      ['bytes=10-20', 10],
      ['bytes=-0', 10],
      ['bytes=0-', 0],
    ] as const) {
      assert.throws(() => parseRange(header, size), { code: 'InvalidRange', status: 416 }, header);
    }
  });

  it('copy source range must fit', () => {
    assert.deepEqual(parseCopySourceRange('bytes=0-4', 5), { start: 0, end: 4 });
    assert.throws(() => parseCopySourceRange('bytes=0-5', 5), { code: 'InvalidRange' });
    assert.throws(() => parseCopySourceRange('bytes=3-', 5), { code: 'InvalidArgument' });
  });
});
