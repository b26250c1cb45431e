import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { TargetId } from './config.js';
import { GATEWAY_PATH, gatewayTargetDefinitions } from './gateway.js';
import { upCommand } from './project.js';
import { checkHelloResponse, checkNoopResponse, type BenchRequest } from './http-client.js';
import { BENCH_DIST_DIR, REPO_ROOT } from './paths.js';
import {
  descendantPids,
  identifyProcess,
  isRunning,
  type ProcessIdentity,
} from './process-tree.js';

/** How long a target may take to accept connections after it is spawned. */
const READY_TIMEOUT_MS = 20_000;
/** How long a target may take to exit after SIGTERM before it gets SIGKILL. */
export const STOP_TIMEOUT_MS = 15_000;
/** How long the target's descendants may take to disappear after the target exited. */
const DESCENDANT_EXIT_TIMEOUT_MS = 3_000;
/** Log lines kept in the results; the counts cover every line. */
const KEPT_LOG_LINES = 5;
/**
 * Python children of floor C. On a 2-CPU machine, 2, 4 and 7 children served the same rate
 * within the noise at 64 clients. The gateway ran 6 or 7 Python environments there.
 */
const FLOOR_C_CHILDREN = 4;

export interface TargetDefinition {
  id: TargetId;
  label: string;
  /** Function invoked by the warm phases; floors accept any name. */
  functionName: string;
  /**
   * Path of the HTTP gateway route that the warm phases request with GET, expecting the hello
   * response. Without it they POST to the Invoke API path of `functionName`.
   */
  gatewayPath?: string;
  /**
   * True when the target writes plain text to stderr, not pino JSON lines: then only lines
   * that name an error or a warning count as problems.
   */
  textLog?: boolean;
  /**
   * Command line of the target, which must listen on 127.0.0.1:`port`. `dataDir` is an empty
   * folder the target may write to, and `sparePort` a second free port for a listener the
   * harness does not use. `cwd` defaults to the repository root; `env` adds to the harness's
   * environment.
   */
  command(port: number, dataDir: string, sparePort: number): TargetCommand;
}

/** A target's command line: `file` with `args`, run in `cwd` with `env` added. */
export interface TargetCommand {
  file: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Returns the definitions of every target. LambdaCraft runs the project in `projectDir`
 * with the CLI at `platformMain`.
 */
export function targetDefinitions(projectDir: string, platformMain: string): TargetDefinition[] {
  // These targets measure the Invoke API; --http-port 0 keeps the HTTP gateway off its default
  // port 3000. The gateway targets (bench/gateway.ts) measure the gateway.
  const platform = (port: number, dataDir: string) =>
    upCommand({ platformMain, projectDir, port, httpPort: 0, dataDir });
  const floor =
    (script: string, ...options: string[]) =>
    (port: number) => ({
      file: process.execPath,
      args: [path.join(BENCH_DIST_DIR, 'floors', script), String(port), ...options],
    });
  return [
    {
      id: 'floor-a',
      label: 'floor A: bare Node http',
      functionName: 'Noop',
      command: floor('constant-json.js'),
    },
    {
      id: 'floor-b',
      label: 'floor B: Node relay + 1 Python',
      functionName: 'Noop',
      command: floor('relay.js'),
    },
    {
      id: 'floor-c',
      label: `floor C: gateway relay + ${FLOOR_C_CHILDREN} Python`,
      functionName: 'Noop',
      gatewayPath: GATEWAY_PATH,
      command: floor('relay.js', '--gateway', String(FLOOR_C_CHILDREN)),
    },
    {
      id: 'lambdacraft-python',
      label: 'LambdaCraft Python no-op',
      functionName: 'NoopPython',
      command: platform,
    },
    {
      id: 'lambdacraft-node',
      label: 'LambdaCraft Node no-op',
      functionName: 'NoopNode',
      command: platform,
    },
    {
      id: 'lambdacraft-cold',
      label: 'LambdaCraft cold starts',
      functionName: 'ColdPython1',
      command: platform,
    },
    ...gatewayTargetDefinitions(platformMain),
  ];
}

export interface StopReport {
  /** Exit of the target's own process, for example `status 0` or `signal SIGKILL`. */
  exit: string;
  stopMs: number;
  /** True when SIGTERM did not end the target within STOP_TIMEOUT_MS. */
  forcedKill: boolean;
  /** Descendants still running after the target exited; the harness then sent them SIGKILL. */
  leftover: ProcessIdentity[];
  /** Lines on stderr that are warnings or errors: pino level 40 or above, or not JSON. */
  problemLogLines: number;
  problemLogExcerpt: string[];
}

/** Targets started and not yet stopped, for the harness's own SIGINT and SIGTERM handler. */
const runningTargets = new Set<RunningTarget>();

/** A target process the harness spawned, listening on 127.0.0.1:port. */
export class RunningTarget {
  readonly definition: TargetDefinition;
  readonly port: number;
  readonly stderrFile: string;
  readonly #child: ChildProcess;
  readonly #pid: number;
  #stopping: Promise<StopReport> | undefined;

  private constructor(
    definition: TargetDefinition,
    port: number,
    child: ChildProcess,
    pid: number,
    stderrFile: string,
  ) {
    this.definition = definition;
    this.port = port;
    this.#child = child;
    this.#pid = pid;
    this.stderrFile = stderrFile;
  }

  get pid(): number {
    return this.#pid;
  }

  /** Stops every target not yet stopped, as `stop` does. */
  static async stopAll(): Promise<void> {
    await Promise.all([...runningTargets].map((target) => target.stop([])));
  }

  /** Spawns the target with its output in `logPrefix`.stdout/.stderr and waits until it listens. */
  static async start(
    definition: TargetDefinition,
    logPrefix: string,
    dataDir: string,
  ): Promise<RunningTarget> {
    const port = await freePort();
    const sparePort = await freePort();
    if (sparePort === port) throw new Error(`no second free TCP port for ${definition.id}`);
    const { file, args, cwd, env } = definition.command(port, dataDir, sparePort);
    const stdout = openSync(`${logPrefix}.stdout`, 'w');
    const stderr = openSync(`${logPrefix}.stderr`, 'w');
    const child = spawn(file, args, {
      cwd: cwd ?? REPO_ROOT,
      env: { ...isolatedEnvironment(), ...env },
      stdio: ['ignore', stdout, stderr],
    });
    closeSync(stdout);
    closeSync(stderr);
    if (child.pid === undefined) {
      await once(child, 'error');
      throw new Error(
        `failed to spawn ${file} for ${definition.id}; check that it exists and is executable`,
      );
    }

    const target = new RunningTarget(definition, port, child, child.pid, `${logPrefix}.stderr`);
    runningTargets.add(target);
    try {
      await target.#waitUntilListening();
    } catch (error) {
      // Stopping through SIGTERM lets the target stop any children it started meanwhile.
      await target.stop([]);
      throw error;
    }
    return target;
  }

  invokePath(functionName: string = this.definition.functionName): string {
    return `/2015-03-31/functions/${functionName}/invocations`;
  }

  /** Returns the request of the warm phases: GET of the gateway route, else POST of `{}` to Invoke. */
  warmRequest(): BenchRequest {
    const { gatewayPath } = this.definition;
    return gatewayPath === undefined
      ? { method: 'POST', path: this.invokePath(), check: checkNoopResponse }
      : { method: 'GET', path: gatewayPath, check: checkHelloResponse };
  }

  url(functionName?: string): string {
    return `http://127.0.0.1:${this.port}${this.invokePath(functionName)}`;
  }

  /** URL of the load phases: `warmRequest`'s path on this target. */
  warmUrl(): string {
    return `http://127.0.0.1:${this.port}${this.warmRequest().path}`;
  }

  /**
   * Stops the target with SIGTERM (SIGKILL after STOP_TIMEOUT_MS), then checks that every
   * process seen in its tree has exited, sending SIGKILL by pid to any that has not. A
   * second call returns the first call's result and sends no second SIGTERM, which would
   * end the target before it stopped its children.
   */
  stop(seenBefore: readonly ProcessIdentity[]): Promise<StopReport> {
    this.#stopping ??= this.#stop(seenBefore);
    return this.#stopping;
  }

  async #stop(seenBefore: readonly ProcessIdentity[]): Promise<StopReport> {
    const tracked = new Map(seenBefore.map((identity) => [identity.pid, identity]));
    for (const pid of descendantPids(this.#pid)) {
      const identity = identifyProcess(pid);
      if (identity !== undefined && !tracked.has(pid)) tracked.set(pid, identity);
    }
    tracked.delete(this.#pid);

    const started = performance.now();
    const exited = this.#exitDescription();
    this.#child.kill('SIGTERM');
    let forcedKill = false;
    let exit = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, undefined)]);
    if (exit === undefined) {
      forcedKill = true;
      this.#child.kill('SIGKILL');
      exit = await exited;
    }
    const stopMs = performance.now() - started;
    runningTargets.delete(this);

    const leftover = await waitForExit([...tracked.values()], DESCENDANT_EXIT_TIMEOUT_MS);
    for (const identity of leftover) killIfStillRunning(identity);
    return { exit, stopMs, forcedKill, leftover, ...this.#problemLog() };
  }

  #exitDescription(): Promise<string> {
    const { exitCode, signalCode } = this.#child;
    if (signalCode !== null) return Promise.resolve(`signal ${signalCode}`);
    if (exitCode !== null) return Promise.resolve(`status ${exitCode}`);
    return once(this.#child, 'exit').then(([code, signal]) =>
      signal === null ? `status ${String(code)}` : `signal ${String(signal)}`,
    );
  }

  async #waitUntilListening(): Promise<void> {
    const deadline = performance.now() + READY_TIMEOUT_MS;
    while (performance.now() < deadline) {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(
          `${this.definition.id} exited before it listened on port ${this.port}: ${this.#firstErrorLine()}; see ${this.stderrFile}`,
        );
      }
      if (await canConnect(this.port)) return;
      await sleep(20);
    }
    throw new Error(
      `${this.definition.id} timed out: not listening on port ${this.port} after ${READY_TIMEOUT_MS} ms; see ${this.stderrFile}`,
    );
  }

  #problemLog(): Pick<StopReport, 'problemLogLines' | 'problemLogExcerpt'> {
    const lines = readFileSync(this.stderrFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && isProblemLine(line, this.definition.textLog));
    return { problemLogLines: lines.length, problemLogExcerpt: lines.slice(0, KEPT_LOG_LINES) };
  }

  /** Returns the first stderr line that names an error, else the last line. */
  #firstErrorLine(): string {
    const lines = readFileSync(this.stderrFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? 'no output on stderr';
  }
}

/**
 * True for a pino line at level warn (40) or above and for any line that is not JSON; in a
 * plain text log, true for a line with the word error or warning.
 */
function isProblemLine(line: string, textLog = false): boolean {
  if (textLog) return /\b(error|warn(ing)?)\b/i.test(line);
  try {
    const entry = JSON.parse(line) as { level?: unknown };
    return typeof entry.level !== 'number' || entry.level >= 40;
  } catch {
    return true;
  }
}

/** Returns the harness's environment without AWS_* variables, with dummy AWS credentials. */
function isolatedEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('AWS_')) continue;
    env[name] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function waitForExit(
  identities: ProcessIdentity[],
  timeoutMs: number,
): Promise<ProcessIdentity[]> {
  const deadline = performance.now() + timeoutMs;
  let running = identities.filter(isRunning);
  while (running.length > 0 && performance.now() < deadline) {
    await sleep(50);
    running = running.filter(isRunning);
  }
  return running;
}

function killIfStillRunning(identity: ProcessIdentity): void {
  if (!isRunning(identity)) return;
  try {
    process.kill(identity.pid, 'SIGKILL');
  } catch {
    // It exited between the check and the signal.
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was free');
  return address.port;
}
