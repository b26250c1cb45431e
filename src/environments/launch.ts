import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LambdaCraftError } from '../errors.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { RuntimeId } from '../functions/runtimes.js';
import {
  choosePythonInterpreter,
  findPythonInterpreters,
  type PythonInterpreter,
} from './interpreters.js';

/** The folder holding `runtimes/` and `package.json`, wherever the compiled code runs from. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

export interface LaunchCommand {
  file: string;
  args: string[];
  /** Whether the runtime can start as a spare and take its function later (our bootstraps). */
  deferredInit: boolean;
  /** Folder of our own runtime code, `LAMBDA_RUNTIME_DIR` in the environment. */
  runtimeDir: string;
}

/** Raised when a function's code cannot start at all; it reaches the caller as an init error. */
export class LaunchError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Launcher {
  commandFor(config: FunctionConfig): Promise<LaunchCommand>;
}

/**
 * Resolves how to start each runtime: the real interpreter binary (never a shim or a shell)
 * and our bootstrap for Python and Node.js, the function's own `bootstrap` for `provided`.
 */
export class RuntimeLauncher implements Launcher {
  #pythonInterpreters: Promise<PythonInterpreter[]> | undefined;
  readonly #warned = new Set<string>();
  readonly #onWarning: (message: string) => void;

  constructor(onWarning: (message: string) => void) {
    this.#onWarning = onWarning;
  }

  async commandFor(config: FunctionConfig): Promise<LaunchCommand> {
    switch (config.runtime.family) {
      case 'python':
        return this.#pythonCommand(config.runtime);
      case 'nodejs':
        return this.#nodeCommand(config.runtime, config.memorySizeMb);
      case 'provided':
        return providedCommand(config);
    }
  }

  async #pythonCommand(runtime: RuntimeId): Promise<LaunchCommand> {
    this.#pythonInterpreters ??= findPythonInterpreters();
    let choice;
    try {
      choice = choosePythonInterpreter(runtime, await this.#pythonInterpreters);
    } catch (error) {
      // Reaches the caller as the invocation's init error, with the reason and the fix.
      throw new LaunchError('LambdaCraft.RuntimeNotAvailable', (error as Error).message);
    }
    if (choice.warning !== undefined) this.#warnOnce(runtime.id, choice.warning);

    const runtimeDir = path.join(PACKAGE_ROOT, 'runtimes', 'python');
    return {
      file: choice.interpreter.path,
      args: [path.join(runtimeDir, 'bootstrap.py')],
      deferredInit: true,
      runtimeDir,
    };
  }

  #nodeCommand(runtime: RuntimeId, memorySizeMb: number): LaunchCommand {
    const installedMajor = Number(process.versions.node.split('.')[0]);
    if (runtime.version[0] !== installedMajor) {
      this.#warnOnce(
        runtime.id,
        `runtime '${runtime.id}' runs on Node.js ${process.versions.node}, the Node.js running LambdaCraft`,
      );
    }
    const runtimeDir = path.join(PACKAGE_ROOT, 'runtimes', 'nodejs');
    return {
      file: process.execPath,
      args: [...nodeHeapFlags(memorySizeMb), nodeBootstrap(runtimeDir)],
      deferredInit: true,
      runtimeDir,
    };
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#onWarning(message);
  }
}

/**
 * V8 heap limits from the function's memory size, as Lambda's Node.js runtimes set them:
 * a tenth of the memory for the young generation (split into two semi-spaces) and the rest
 * for the old one. Without them V8 sizes its heap for the machine rather than for the
 * function's MemorySize.
 */
function nodeHeapFlags(memorySizeMb: number): string[] {
  const newSpaceMb = Math.floor(memorySizeMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`,
    `--max-old-space-size=${memorySizeMb - newSpaceMb}`,
  ];
}

function providedCommand(config: FunctionConfig): LaunchCommand {
  const bootstrap = path.join(config.codePath, 'bootstrap');
  try {
    accessSync(bootstrap, constants.X_OK);
  } catch {
    // The error Lambda gives when a custom runtime has no executable bootstrap.
    throw new LaunchError(
      'Runtime.InvalidEntrypoint',
      `Couldn't find valid bootstrap(s): [${bootstrap}]`,
    );
  }
  return { file: bootstrap, args: [], deferredInit: false, runtimeDir: config.codePath };
}

function nodeBootstrap(runtimeDir: string): string {
  for (const name of ['bootstrap.cjs', 'bootstrap.mjs', 'bootstrap.js']) {
    const file = path.join(runtimeDir, name);
    if (existsSync(file)) return file;
  }
  throw new LambdaCraftError(
    'RuntimeNotAvailable',
    `the Node.js bootstrap is missing from ${runtimeDir}; reinstall lambdacraft`,
    { status: 500, userFault: false },
  );
}

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'runtimes')) || !existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}
