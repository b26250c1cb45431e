import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above the compiled harness that has package.json. */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Source folder of the harness (`bench/`), for files tsc does not copy: Lua, Python, YAML. */
export const BENCH_SOURCE_DIR = path.join(REPO_ROOT, 'bench');

/** Compiled harness (`dist/bench/`). */
export const BENCH_DIST_DIR = path.join(REPO_ROOT, 'dist', 'bench');

/** The interpreter every Python process of the benchmark runs on (Debian's, which starts fast). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json above ${start}; run the harness from the LambdaCraft tree`);
    }
    dir = parent;
  }
  return dir;
}
