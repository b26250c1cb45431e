// The worker thread behind WorkerHashes: it hashes the bodies of large uploads, so that MD5
// and SHA-256 run beside the event loop instead of on it.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

import type { HashReply, HashRequest } from './worker-hashes.js';

const sessions = new Map<number, Hash[]>();

parentPort?.on('message', (request: HashRequest) => {
  switch (request.kind) {
    case 'start':
      sessions.set(
        request.id,
        request.algorithms.map((algorithm) => createHash(algorithm)),
      );
      return;
    case 'update': {
      const bytes = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.length);
      for (const hash of sessions.get(request.id) ?? []) hash.update(bytes);
      reply({ kind: 'hashed', id: request.id, bytes: bytes.length });
      return;
    }
    case 'digest': {
      const hashes = sessions.get(request.id) ?? [];
      sessions.delete(request.id);
      reply({ kind: 'digests', id: request.id, hex: hashes.map((hash) => hash.digest('hex')) });
      return;
    }
    case 'discard':
      sessions.delete(request.id);
      return;
  }
});

function reply(message: HashReply): void {
  parentPort?.postMessage(message);
}
