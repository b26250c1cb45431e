import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

import { BENCH_DIST_DIR, BENCH_SOURCE_DIR, REPO_ROOT } from './paths.js';
import type { TargetCommand } from './targets.js';

/**
 * Copies the benchmark project into `dir`, with the compiled Node.js handler as
 * node/index.mjs, so that nothing the platform or Python writes lands in the repository.
 */
export function prepareProject(dir: string): string {
  const source = path.join(BENCH_SOURCE_DIR, 'project');
  const compiledHandler = path.join(BENCH_DIST_DIR, 'project', 'node', 'index.mjs');
  if (!existsSync(compiledHandler)) {
    throw new Error(`${compiledHandler} is missing; run npm run build (npm run bench does)`);
  }

  mkdirSync(path.join(dir, 'python'), { recursive: true });
  mkdirSync(path.join(dir, 'node'), { recursive: true });
  copyFileSync(path.join(source, 'template.yaml'), path.join(dir, 'template.yaml'));
  copyFileSync(path.join(source, 'python', 'noop.py'), path.join(dir, 'python', 'noop.py'));
  copyFileSync(compiledHandler, path.join(dir, 'node', 'index.mjs'));
  return dir;
}

/**
 * Copies the compiled platform (dist/src), the runtimes and package.json into `dir`, with
 * node_modules linked, and returns the path of the copy's CLI. Every target of a run starts
 * from this copy, so a rebuild of dist/ or an edit of runtimes/ during the run does not
 * change the code under test between targets. The platform finds runtimes/ next to the
 * package.json above its own files, so the copy runs its copied runtimes.
 */
export function snapshotPlatform(dir: string): string {
  const main = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');
  if (!existsSync(main))
    throw new Error(`${main} is missing; run npm run build (npm run bench does)`);

  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(REPO_ROOT, 'dist', 'src'), path.join(dir, 'dist', 'src'), {
    recursive: true,
    filter: (source) => !source.endsWith('.map'),
  });
  // Timestamps are kept so that Python still accepts the runtime's cached bytecode.
  cpSync(path.join(REPO_ROOT, 'runtimes'), path.join(dir, 'runtimes'), {
    recursive: true,
    preserveTimestamps: true,
    filter: (source) => !/[/\\](tests?|bench)$/.test(source),
  });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'dist', 'src', 'cli', 'lambdacraft.cjs');
}

/**
 * Returns the command that runs `lambdacraft up` (the CLI at `platformMain`) on `projectDir`,
 * with the AWS endpoint on `port`, the HTTP gateway on `httpPort` and its state in `dataDir`.
 * `extraArgs` follow the rest.
 */
export function upCommand(options: {
  platformMain: string;
  projectDir: string;
  port: number;
  httpPort: number;
  dataDir: string;
  extraArgs?: string[];
}): TargetCommand {
  return {
    file: process.execPath,
    args: [
      options.platformMain,
      'up',
      options.projectDir,
      '--port',
      String(options.port),
      '--http-port',
      String(options.httpPort),
      '--data-dir',
      options.dataDir,
      ...(options.extraArgs ?? []),
    ],
  };
}

/** Counts the ColdPythonN functions of the project's template; each needs a ColdNodeN twin. */
export function countColdFunctions(dir: string): number {
  const template = readFileSync(path.join(dir, 'template.yaml'), 'utf8');
  const python = template.match(/^ {2}ColdPython\d+:/gm)?.length ?? 0;
  const node = template.match(/^ {2}ColdNode\d+:/gm)?.length ?? 0;
  if (python === 0 || python !== node) {
    throw new Error(
      `the template has ${python} ColdPythonN and ${node} ColdNodeN functions; give it the same number of each, at least 1`,
    );
  }
  return python;
}

/** Lists the runtime bootstraps under `root` that start Python and Node.js functions. */
export function presentBootstraps(root: string): string[] {
  const files = [
    'runtimes/python/bootstrap.py',
    'runtimes/nodejs/bootstrap.js',
    'runtimes/nodejs/bootstrap.cjs',
    'runtimes/nodejs/bootstrap.mjs',
  ];
  return files.filter((file) => existsSync(path.join(root, file)));
}
