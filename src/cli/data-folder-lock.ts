import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import { processRuns } from '../process-runs.js';

const LOCK_FILE = 'up.pid';

/**
 * Claims a data folder for one `lambdacraft up`. Two platforms on one folder would both run
 * its schedules, asynchronous events and stream mappings. The claim is a file that contains
 * the process id. A file whose process no longer runs, as after a `kill -9`, is taken over.
 * Returns the function that gives the folder up.
 */
export function claimDataFolder(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  const owner = readOwner(file);
  if (owner !== undefined && owner !== process.pid && processRuns(owner)) {
    throw invalidConfig(
      `the data folder ${dataDir} is in use by another lambdacraft up (process ${owner}); stop it, or pass --data-dir with another folder (if no such process runs, delete ${file})`,
    );
  }

  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    if (readOwner(file) === process.pid) rmSync(file, { force: true });
  };
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
