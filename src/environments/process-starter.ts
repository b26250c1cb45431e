import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { FunctionConfig } from '../functions/function-config.js';
import type { Logger } from '../log.js';
import { processRuns } from '../process-runs.js';
import { privateTmpPlan } from './isolation.js';
import type { LaunchCommand } from './launch.js';
import type { MemoryLimits } from './memory-limit.js';
import { pythonVariables } from './variables.js';

/**
 * Function variables that change how an interpreter starts. A spare has already started, so
 * a function that sets one of these always gets a freshly spawned runtime.
 */
const STARTUP_VARIABLE =
  /^(PYTHON(?!PATH$)|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$|LD_|UV_|MALLOC_|LANG$|LC_)/;

export interface ProcessStarterOptions {
  /** Folder under which each runtime process gets its private temporary folder. */
  tempRoot: string;
  /** Folder for Python's bytecode of the functions and of our bootstrap. */
  pycacheDir: string;
  /** Bind-mount each process's temporary folder on /tmp in a mount namespace of its own. */
  privateTmp: boolean;
  /** Keep one started interpreter per runtime waiting, so cold starts skip interpreter start-up. */
  spares: boolean;
  /** The memory limits that environments apply to their runtime processes. */
  memoryLimits: MemoryLimits;
  logger: Logger;
}

/** A runtime process and the temporary folder that is its /tmp. */
export interface StartedProcess {
  child: ChildProcess;
  tempDir: string;
  /** True when the process has its temporary folder mounted as /tmp (and nothing else of /tmp). */
  privateTmp: boolean;
}

/**
 * Starts runtime processes. With spares on, it keeps one interpreter per runtime started
 * with our bootstrap in deferred-init mode; a cold start hands it the function's
 * environment and folder on standard input instead of paying for a new interpreter.
 */
export class ProcessStarter {
  readonly #options: ProcessStarterOptions;
  readonly #spares = new Map<string, StartedProcess>();
  #closed = false;

  constructor(options: ProcessStarterOptions) {
    this.#options = options;
    removeStaleTempDirs(options.tempRoot, options.logger);
  }

  /** Starts a spare for a runtime ahead of its first cold start. */
  prepare(command: LaunchCommand): void {
    if (!this.#options.spares || !command.deferredInit || this.#closed) return;
    const key = spareKey(command);
    if (!this.#spares.has(key)) this.#spares.set(key, this.#spawnSpare(command, key));
  }

  get pycacheDir(): string {
    return this.#options.pycacheDir;
  }

  get memoryLimits(): MemoryLimits {
    return this.#options.memoryLimits;
  }

  /**
   * Drops Python's cached bytecode of a code folder. Python checks a cache entry against the
   * source's modification time in whole seconds and its size, so an edit within the same
   * second that keeps the size would otherwise run the old bytecode.
   */
  clearBytecode(codePath: string): void {
    rmSync(path.join(this.#options.pycacheDir, codePath), { recursive: true, force: true });
  }

  /** Tells whether a process spawned for this command in this folder gets a private /tmp. */
  isolates(command: LaunchCommand, cwd: string): boolean {
    // A bind mount on /tmp would hide a runtime or code folder that lives under /tmp.
    return this.#options.privateTmp && ![cwd, command.file, ...command.args].some(underTmp);
  }

  /** Makes a new temporary folder for a process. */
  newTempDir(): string {
    const name = `${process.pid}-${randomBytes(8).toString('hex')}`;
    const tempDir = path.join(this.#options.tempRoot, name);
    mkdirSync(tempDir, { recursive: true });
    return tempDir;
  }

  /** Takes the waiting spare for this runtime, if the function can use one. */
  takeSpare(command: LaunchCommand, config: FunctionConfig): StartedProcess | undefined {
    if (!this.#options.spares || !command.deferredInit) return undefined;
    if (Object.keys(config.environment).some((name) => STARTUP_VARIABLE.test(name)))
      return undefined;

    const key = spareKey(command);
    const spare = this.#spares.get(key);
    if (spare?.privateTmp && underTmp(config.codePath)) return undefined;

    this.#spares.delete(key);
    this.prepare(command);
    if (spare === undefined || spare.child.exitCode !== null || spare.child.signalCode !== null) {
      return undefined;
    }
    return spare;
  }

  /** Hands a spare its function: the full environment and the working folder, as one line. */
  activate(spare: StartedProcess, variables: Record<string, string>, cwd: string): void {
    spare.child.stdin?.end(`${JSON.stringify({ env: variables, cwd })}\n`);
  }

  spawn(
    command: LaunchCommand,
    variables: Record<string, string>,
    cwd: string,
    tempDir: string,
  ): ChildProcess {
    return this.#spawn(command, variables, cwd, tempDir, 'ignore').child;
  }

  close(): void {
    this.#closed = true;
    for (const spare of this.#spares.values()) {
      killGroup(spare.child);
      rmSync(spare.tempDir, { recursive: true, force: true });
    }
    this.#spares.clear();
  }

  #spawnSpare(command: LaunchCommand, key: string): StartedProcess {
    const tempDir = this.newTempDir();
    const variables: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      TZ: ':UTC',
      HOME: tempDir,
      TMPDIR: tempDir,
      ...pythonVariables(this.#options.pycacheDir),
      LAMBDACRAFT_DEFERRED_INIT: '1',
    };
    const { child, privateTmp } = this.#spawn(command, variables, '/', tempDir, 'pipe');
    child.once('exit', (code, signal) => {
      if (this.#spares.get(key)?.child !== child) return;
      this.#spares.delete(key);
      rmSync(tempDir, { recursive: true, force: true });
      if (!this.#closed)
        this.#options.logger.warn({ code, signal, file: command.file }, 'spare runtime exited');
    });
    return { child, tempDir, privateTmp };
  }

  #spawn(
    command: LaunchCommand,
    variables: Record<string, string>,
    cwd: string,
    tempDir: string,
    stdin: 'ignore' | 'pipe',
  ): { child: ChildProcess; privateTmp: boolean } {
    const privateTmp = this.isolates(command, cwd);
    const plan = privateTmp
      ? privateTmpPlan(tempDir, command.file, command.args)
      : { file: command.file, args: command.args };
    const child = spawn(plan.file, plan.args, {
      cwd,
      env: variables,
      stdio: [stdin, 'pipe', 'pipe'],
      // A process group of its own, so a timeout kills whatever the handler started.
      detached: true,
    });
    // A spare can die before it is handed its function (killed at shutdown, for instance);
    // the write then fails with EPIPE, and the runtime's exit reports the failure instead.
    child.stdin?.on('error', () => undefined);
    return { child, privateTmp };
  }
}

function underTmp(file: string): boolean {
  return file === '/tmp' || file.startsWith('/tmp/');
}

function spareKey(command: LaunchCommand): string {
  return [command.file, ...command.args].join('\0');
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/**
 * Removes the temporary folders that platforms no longer running left behind, for instance
 * after a `kill -9`. A folder's name starts with the id of the platform process that made
 * it, so a platform running on the same data folder keeps its own.
 */
function removeStaleTempDirs(tempRoot: string, logger: Logger): void {
  let names: string[];
  try {
    names = readdirSync(tempRoot);
  } catch {
    return;
  }
  let removed = 0;
  for (const name of names) {
    const owner = Number(/^(\d+)-/.exec(name)?.[1]);
    const live = Number.isInteger(owner) && (owner === process.pid || processRuns(owner));
    if (live) continue;

    rmSync(path.join(tempRoot, name), { recursive: true, force: true });
    removed += 1;
  }
  if (removed > 0) {
    logger.info({ tempRoot, removed }, 'removed temporary folders of stopped platforms');
  }
}
