import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { silentLogger } from '../log.js';
import { MemoryLimits } from './memory-limit.js';
import { ProcessStarter } from './process-starter.js';

describe('ProcessStarter temporary folders', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-starter-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('removes folders of stopped platforms', () => {
    const tempRoot = path.join(dataDir, 'environments');
    // 4194305 is above Linux's highest process id, so no process has it.
    const stale = path.join(tempRoot, '4194305-0123456789abcdef');
    const unnamed = path.join(tempRoot, '0123456789abcdef');
    const ownFolder = path.join(tempRoot, `${process.pid}-0123456789abcdef`);
    const parentFolder = path.join(tempRoot, `${process.ppid}-0123456789abcdef`);
    for (const folder of [stale, unnamed, ownFolder, parentFolder]) {
      mkdirSync(path.join(folder, 'tmp'), { recursive: true });
    }

    const starter = new ProcessStarter({
      tempRoot,
      pycacheDir: path.join(dataDir, 'pycache'),
      privateTmp: false,
      spares: false,
      memoryLimits: MemoryLimits.detect(),
      logger: silentLogger(),
    });
    const newFolder = starter.newTempDir();

    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(unnamed), false);
    assert.equal(existsSync(ownFolder), true);
    assert.equal(existsSync(parentFolder), true);
    assert.match(path.basename(newFolder), new RegExp(`^${process.pid}-[0-9a-f]{16}$`));
  });
});
