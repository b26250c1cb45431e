import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { WorkerHashes } from './worker-hashes.js';

function expectedDigests(chunks: Buffer[]): string[] {
  return ['md5', 'sha256'].map((algorithm) => {
    const hash = createHash(algorithm);
    for (const chunk of chunks) hash.update(chunk);
    return hash.digest('hex');
  });
}

function chunksOf(count: number, size: number, seed: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.alloc(size, (index * 7 + seed) % 251));
}

describe('WorkerHashes', () => {
  it('matches hashes computed in place', async () => {
    // 5 MiB and 3 bytes in 64 KiB chunks and one short tail.
    const chunks = [...chunksOf(80, 64 * 1024, 1), Buffer.from('end')];
    const hashes = new WorkerHashes(['md5', 'sha256']);
    for (const chunk of chunks) hashes.update(chunk);

    assert.deepEqual(await hashes.digest(), expectedDigests(chunks));
  });

  it('keeps interleaved bodies apart', async () => {
    const bodies = [chunksOf(40, 50_000, 2), chunksOf(3, 10, 3), chunksOf(70, 30_000, 4)];
    const sessions = bodies.map(() => new WorkerHashes(['md5', 'sha256']));
    for (let index = 0; index < 70; index += 1) {
      bodies.forEach((chunks, body) => {
        const chunk = chunks[index];
        if (chunk !== undefined) sessions[body]?.update(chunk);
      });
    }

    const digests = await Promise.all(sessions.map((session) => session.digest()));
    assert.deepEqual(digests, bodies.map(expectedDigests));
  });

  it('holds the producer back past 8 MiB', async () => {
    const hashes = new WorkerHashes(['md5']);
    let waits = 0;
    for (const chunk of chunksOf(24, 1024 * 1024, 5)) {
      hashes.update(chunk);
      const wait = hashes.backpressure();
      if (wait !== undefined) {
        waits += 1;
        await wait;
      }
    }

    assert.ok(waits > 0, 'backpressure never asked the producer to wait');
    const [md5] = await hashes.digest();
    assert.equal(md5, expectedDigests(chunksOf(24, 1024 * 1024, 5))[0]);
  });

  it('discard leaves other bodies intact', async () => {
    const dropped = new WorkerHashes(['md5']);
    const kept = new WorkerHashes(['md5', 'sha256']);
    const chunks = chunksOf(5, 300_000, 6);
    for (const chunk of chunks) {
      dropped.update(chunk);
      kept.update(chunk);
    }
    dropped.discard();

    assert.deepEqual(await kept.digest(), expectedDigests(chunks));
  });
});
