import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StartSlots } from './start-slots.js';

describe('StartSlots', () => {
  it('hands slots out first come, first served, up to its capacity', async () => {
    const slots = new StartSlots(2);
    const releaseA = await slots.acquire();
    const releaseB = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((release) => {
      order.push('c');
      return release;
    });
    const d = slots.acquire().then((release) => {
      order.push('d');
      return release;
    });
    assert.equal(slots.inUse, 2);
    assert.equal(slots.queued, 2);

    releaseA();
    releaseA();
    const releaseC = await c;
    assert.deepEqual(order, ['c']);
    releaseB();
    const releaseD = await d;
    assert.deepEqual(order, ['c', 'd']);
    releaseC();
    releaseD();
    assert.equal(slots.inUse, 0);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new StartSlots(0), RangeError);
  });
});
