import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { scaleUpFrom } from './scale-up.js';

const sample = (atMs: number, descendants: number) => ({ atMs, descendants });

describe('scaleUpFrom', () => {
  it('measures from the last sample before the burst', () => {
    const counts = [sample(0, 1), sample(100, 1), sample(200, 5), sample(300, 11), sample(400, 11)];

    const result = scaleUpFrom(counts, 150);

    assert.equal(result.baseline, 1);
    assert.equal(result.peak, 11);
    assert.equal(result.rampMs, 150);
    assert.equal(result.startsPerSecond, (10 / 150) * 1000);
  });

  it('takes the first sample at the peak', () => {
    const counts = [sample(0, 2), sample(100, 6), sample(200, 4), sample(300, 6)];

    const result = scaleUpFrom(counts, 50);

    assert.equal(result.peak, 6);
    assert.equal(result.rampMs, 50);
  });

  it('reports no growth as zero starts', () => {
    const counts = [sample(0, 3), sample(100, 3), sample(200, 2)];

    const result = scaleUpFrom(counts, 50);

    assert.equal(result.peak, 3);
    assert.equal(result.startsPerSecond, 0);
  });

  it('uses the first sample without an earlier one', () => {
    const counts = [sample(100, 1), sample(200, 4)];

    const result = scaleUpFrom(counts, 50);

    assert.equal(result.baseline, 1);
    assert.equal(result.peak, 4);
    assert.equal(result.rampMs, 150);
  });
});
