import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import type { AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { Logger } from '../log.js';
import { RuntimeApiServer, type RuntimeAnswer } from '../runtime-api/server.js';
import { LaunchError, type Launcher } from './launch.js';
import type { EnvironmentMemory } from './memory-limit.js';
import { keepsEnvironment, type InvocationOutcome, type OutcomeKind } from './outcome.js';
import { KeptLines, LineSplitter } from './output-lines.js';
import { ProcessGroupFreezer } from './process-group-freezer.js';
import { descendants } from './process-memory.js';
import { processGroupGuard } from './process-group-guard.js';
import type { ProcessStarter } from './process-starter.js';
import { buildVariables, logStreamName, type InitializationType } from './variables.js';

/** Lambda's limit on the Init phase of an on-demand environment. */
export const INIT_TIMEOUT_MS = 10_000;
/**
 * Lambda's minimum limit on the Init phase of a provisioned environment. The limit is this
 * or the function timeout, whichever is longer.
 */
export const PROVISIONED_INIT_TIMEOUT_MS = 130_000;
/** How long to wait for a killed runtime's output pipes to close before giving up on them. */
const PIPE_DRAIN_MS = 1_000;
/** Lines of output written after the last invocation that the idle-exit warning keeps. */
const IDLE_OUTPUT_LINES = 20;
/**
 * The error type of a runtime killed at its memory limit, in the Invoke payload and the log.
 * AWS documents neither. Older Invoke payloads recorded against AWS carry Runtime.ExitError,
 * while current Lambda logs name the kill Runtime.OutOfMemory in their Error Type field. We
 * return Runtime.OutOfMemory so a caller can tell a memory kill from a crash, and the message
 * keeps Lambda's `signal: killed`. NOTE: no current payload has been checked against AWS.
 */
const OUT_OF_MEMORY = 'Runtime.OutOfMemory';

export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  traceId: string;
  clientContext: string | undefined;
}

/** The reason an environment never became ready; it becomes the first caller's outcome. */
export interface InitFailure {
  errorType: string;
  /** The runtime's own `/init/error` body, when it sent one. */
  body: Buffer | undefined;
  /** The Lambda message to wrap as `RequestId: <id> Error: <message>` when there is no body. */
  message: string;
  initDurationMs: number;
  logLines: string[];
}

export type InitResult = { ok: true } | { ok: false; failure: InitFailure };

export interface EnvironmentOptions {
  config: FunctionConfig;
  account: AccountContext;
  launcher: Launcher;
  starter: ProcessStarter;
  endpointUrl: string | undefined;
  logger: Logger;
  /** `provisioned-concurrency` environments start ahead of requests and report no Init Duration. */
  initializationType: InitializationType;
  /** Called once when the environment has died outside an invocation (idle crash). */
  onIdleDeath: (environment: Environment) => void;
}

type State = 'new' | 'initialising' | 'ready' | 'busy' | 'dead';

interface ActiveInvocation {
  request: InvocationRequest;
  preambleLines: string[];
  startedAt: number;
  timer: NodeJS.Timeout;
  lines: KeptLines;
  resolve: (outcome: InvocationOutcome) => void;
  /** Set once the invocation has a result, a timeout or an exit, so later events are ignored. */
  settled: boolean;
}

/**
 * One execution environment: a runtime process, its Runtime API endpoint, its temporary
 * folder and its limits. It runs one invocation at a time and applies the outcome rule.
 */
export class Environment {
  readonly id = randomBytes(16).toString('hex');
  readonly #options: EnvironmentOptions;
  readonly #api: RuntimeApiServer;
  #tempDir: string | undefined;
  readonly #logger: Logger;
  #state: State = 'new';
  #child: ChildProcess | undefined;
  #spawnedAt = 0;
  /** Init Duration, reported on the first invocation only. */
  #initDurationMs: number | undefined;
  /** Output written outside an invocation; it opens the next invocation's log. */
  #pendingLines: string[] = [];
  /** Line splitters of the runtime's stdout and stderr. */
  #splitters: LineSplitter[] = [];
  #current: ActiveInvocation | undefined;
  #initDone: ((result: InitResult) => void) | undefined;
  #initTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> = Promise.resolve();
  #killed = false;
  #initFailing = false;
  readonly #memory: EnvironmentMemory;
  readonly #freezer = new ProcessGroupFreezer();

  constructor(options: EnvironmentOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ environmentId: this.id });
    this.#memory = options.starter.memoryLimits.forEnvironment(
      this.id,
      options.config.memorySizeMb,
      this.#logger,
    );
    this.#api = new RuntimeApiServer({
      onNext: () => this.#handleNext(),
      onAnswer: (answer) => this.#handleAnswer(answer),
      onInitError: (body, errorType) => this.#handleInitError(body, errorType),
    });
  }

  get state(): State {
    return this.#state;
  }

  get initializationType(): InitializationType {
    return this.#options.initializationType;
  }

  /**
   * Stops the runtime's processes while the environment is idle. It does nothing, and
   * returns false, unless the environment is ready and its runtime already waits in `/next`,
   * so a runtime is never stopped while it still finishes the previous invocation.
   * `invoke` resumes the processes before it hands over the event.
   */
  freeze(): boolean {
    const pid = this.#child?.pid;
    if (this.#state !== 'ready' || !this.#api.waitingForEvent || pid === undefined) return false;

    return this.#freezer.freeze(pid);
  }

  /** Starts the runtime; resolves when the runtime first requests an event, or fails to. */
  async start(): Promise<InitResult> {
    this.#state = 'initialising';
    const { config, starter } = this.#options;
    let command;
    try {
      command = await this.#options.launcher.commandFor(config);
    } catch (error) {
      this.#state = 'dead';
      if (!(error instanceof LaunchError)) throw error;
      return { ok: false, failure: this.#failure(error.errorType, undefined, error.message) };
    }

    const spare = starter.takeSpare(command, config);
    this.#tempDir = spare?.tempDir ?? starter.newTempDir();
    const runtimeApi = await this.#api.listen();
    const variables = buildVariables(config, {
      account: this.#options.account,
      runtimeApi,
      logStreamName: logStreamName(config.version, this.id),
      tempDir: this.#tempDir,
      privateTmp: spare?.privateTmp ?? starter.isolates(command, config.codePath),
      pycacheDir: starter.pycacheDir,
      runtimeDir: command.runtimeDir,
      endpointUrl: this.#options.endpointUrl,
      initializationType: this.#options.initializationType,
    });

    const result = new Promise<InitResult>((resolve) => {
      this.#initDone = resolve;
    });
    this.#spawnedAt = performance.now();
    if (spare === undefined) {
      const child = starter.spawn(command, variables, config.codePath, this.#tempDir);
      this.#attach(child, command.file);
      if (child.pid !== undefined) void this.#memory.attach(child.pid);
    } else {
      this.#attach(spare.child, command.file);
      // Before the spare is handed its function, so the function's code loads under the limit.
      if (spare.child.pid !== undefined) await this.#memory.attach(spare.child.pid);
      starter.activate(spare, variables, config.codePath);
    }
    const initLimitMs =
      this.#options.initializationType === 'provisioned-concurrency'
        ? Math.max(PROVISIONED_INIT_TIMEOUT_MS, config.timeoutSeconds * 1000)
        : INIT_TIMEOUT_MS + config.timeoutSeconds * 1000;
    this.#initTimer = setTimeout(() => this.#handleInitTimeout(), initLimitMs);
    return result;
  }

  /** Runs one invocation; the environment must be ready. */
  invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.#state !== 'ready') {
      throw new Error(`environment ${this.id} is ${this.#state}, not ready`);
    }
    this.#state = 'busy';
    this.#freezer.thaw();
    this.#memory.beginInvocation(() => this.#killProcessGroup());
    const timeoutMs = this.#options.config.timeoutSeconds * 1000;

    return new Promise<InvocationOutcome>((resolve) => {
      this.#current = {
        request,
        preambleLines: this.#takePendingLines(),
        startedAt: performance.now(),
        timer: setTimeout(() => this.#handleTimeout(), timeoutMs),
        lines: new KeptLines(),
        resolve,
        settled: false,
      };
      this.#api.deliver({
        requestId: request.requestId,
        payload: request.payload,
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: request.invokedFunctionArn,
        traceId: request.traceId,
        clientContext: request.clientContext,
        cognitoIdentity: undefined,
        tenantId: undefined,
      });
    });
  }

  /** Kills the runtime's processes and removes the temporary folder. */
  async destroy(): Promise<void> {
    this.#state = 'dead';
    this.#killProcessGroup();
    this.#api.close();
    clearTimeout(this.#initTimer);
    // A process the runtime started in a session of its own can hold the output pipes open
    // after the runtime exited, so the wait for them is bounded. Releasing the memory cgroup
    // then kills such a process.
    await this.#drained();
    await this.#memory.release();
    if (this.#tempDir !== undefined) rmSync(this.#tempDir, { recursive: true, force: true });
  }

  #attach(child: ChildProcess, file: string): void {
    this.#child = child;
    this.#closed = new Promise((resolve) => child.once('close', () => resolve()));
    this.#guard(child);

    const stdout = new LineSplitter((line) => this.#handleLine(line));
    const stderr = new LineSplitter((line) => this.#handleLine(line));
    this.#splitters = [stdout, stderr];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('close', () => {
      stdout.flush();
      stderr.flush();
    });
    child.once('error', (error) => {
      this.#logger.error({ err: error, file }, 'runtime failed to start');
      this.#handleExit(127, null);
    });
    child.once('exit', (code, signal) => this.#handleExit(code, signal));
  }

  /** Has the runtime's process group killed if the platform's process ends first. */
  #guard(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;

    processGroupGuard.add(pid);
    child.once('exit', () => processGroupGuard.remove(pid));
  }

  #handleLine(line: string): void {
    const current = this.#current;
    if (current === undefined) {
      this.#pendingLines.push(line);
      return;
    }
    current.lines.add(line);
  }

  #handleNext(): void {
    if (this.#state !== 'initialising') return;

    clearTimeout(this.#initTimer);
    // A provisioned environment's Init ran ahead of any request, so no invocation reports it.
    if (this.#options.initializationType === 'on-demand') {
      this.#initDurationMs = performance.now() - this.#spawnedAt;
    }
    this.#state = 'ready';
    this.#resolveInit({ ok: true });
  }

  #handleInitError(body: Buffer, errorType: string | undefined): void {
    if (this.#state !== 'initialising') return;

    const type = errorType ?? errorTypeOf(body) ?? 'Runtime.Unknown';
    this.#failInit(this.#failure(type, body, ''));
  }

  #handleInitTimeout(): void {
    if (this.#state !== 'initialising') return;

    const seconds = this.#options.config.timeoutSeconds.toFixed(2);
    this.#failInit(
      this.#failure('Sandbox.Timedout', undefined, `Task timed out after ${seconds} seconds`),
    );
  }

  #failInit(failure: InitFailure): void {
    // The first reason wins: an /init/error report, then the exit that follows it.
    if (this.#initFailing) return;
    this.#initFailing = true;
    clearTimeout(this.#initTimer);
    this.#state = 'dead';
    this.#killProcessGroup();
    // Let the runtime's last output (its own report of the error) reach the log first.
    void this.#drained().then(() => {
      failure.logLines = this.#takePendingLines();
      this.#resolveInit({ ok: false, failure });
    });
  }

  #failure(errorType: string, body: Buffer | undefined, message: string): InitFailure {
    return {
      errorType,
      body,
      message,
      initDurationMs: this.#spawnedAt === 0 ? 0 : performance.now() - this.#spawnedAt,
      logLines: [],
    };
  }

  #resolveInit(result: InitResult): void {
    const done = this.#initDone;
    this.#initDone = undefined;
    done?.(result);
  }

  #handleAnswer(answer: RuntimeAnswer): void {
    const current = this.#current;
    if (
      current === undefined ||
      current.settled ||
      current.request.requestId !== answer.requestId
    ) {
      return;
    }
    current.settled = true;
    clearTimeout(current.timer);
    const durationMs = performance.now() - current.startedAt;

    let kind: OutcomeKind;
    let payload: Buffer;
    let contentType = 'application/json';
    let errorType: string | undefined;
    if (answer.kind === 'response') {
      kind = 'success';
      payload = answer.body;
      contentType = answer.contentType;
    } else if (answer.kind === 'error') {
      kind = 'function-error';
      payload = answer.body;
      errorType = answer.errorType ?? errorTypeOf(answer.body) ?? 'Unhandled';
    } else {
      kind = 'response-too-large';
      errorType = 'Function.ResponseSizeTooLarge';
      payload = Buffer.from(
        JSON.stringify({
          errorMessage:
            'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
          errorType,
        }),
      );
    }
    // Output the runtime wrote just before its response may still be in the pipe, so one
    // turn of the event loop lets its read callback run first.
    setImmediate(() => {
      this.#settle(current, { kind, payload, contentType, errorType, durationMs }, [], []);
    });
  }

  #handleTimeout(): void {
    const current = this.#current;
    if (current === undefined || current.settled) return;
    current.settled = true;
    const durationMs = performance.now() - current.startedAt;
    const { requestId } = current.request;
    const seconds = this.#options.config.timeoutSeconds.toFixed(2);

    this.#state = 'dead';
    this.#memory.sample();
    this.#killProcessGroup();
    const notice = `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`;
    const payload = Buffer.from(
      JSON.stringify({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
      }),
    );
    void this.#drained().then(() => {
      this.#settle(
        current,
        {
          kind: 'timeout',
          payload,
          contentType: 'application/json',
          errorType: 'Sandbox.Timedout',
          durationMs,
        },
        [notice],
        [],
      );
    });
  }

  #handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    const previous = this.#state;
    this.#state = 'dead';
    this.#api.close();
    const outOfMemory = signal === 'SIGKILL' && this.#memory.killedForMemory();
    const errorType = outOfMemory ? OUT_OF_MEMORY : 'Runtime.ExitError';

    // Also when the platform itself ended the process (shutdown), so no caller waits for a
    // timeout that can no longer come.
    if (this.#initDone !== undefined) {
      this.#failInit(this.#failure(errorType, undefined, exitReason(code, signal)));
      return;
    }
    const current = this.#current;
    if (current !== undefined && !current.settled) {
      current.settled = true;
      clearTimeout(current.timer);
      const durationMs = performance.now() - current.startedAt;
      const { requestId } = current.request;
      const message = `RequestId: ${requestId} Error: ${exitReason(code, signal)}`;
      const payload = Buffer.from(JSON.stringify({ errorType, errorMessage: message }));
      void this.#drained().then(() => {
        this.#settle(
          current,
          {
            kind: outOfMemory ? 'out-of-memory' : 'exit',
            payload,
            contentType: 'application/json',
            errorType,
            durationMs,
          },
          [],
          [message, errorType],
        );
      });
      return;
    }
    if (previous === 'ready') {
      this.#options.onIdleDeath(this);
      // What the runtime wrote after its last invocation, such as the stack trace of an
      // exception thrown by a timer, belongs to no invocation, so the warning carries it.
      void this.#drained().then(() => {
        for (const splitter of this.#splitters) splitter.flush();
        const output = this.#takePendingLines().slice(-IDLE_OUTPUT_LINES);
        this.#logger.warn({ code, signal, output }, 'runtime exited while idle');
      });
    }
  }

  #settle(
    current: ActiveInvocation,
    result: Pick<
      InvocationOutcome,
      'kind' | 'payload' | 'contentType' | 'errorType' | 'durationMs'
    >,
    platformLines: string[],
    trailingLines: string[],
  ): void {
    // A last line without a newline belongs to this invocation, not to the next one.
    for (const splitter of this.#splitters) splitter.flush();
    this.#memory.endInvocation();
    const outcome: InvocationOutcome = {
      ...result,
      initDurationMs: this.#initDurationMs,
      maxMemoryUsedMb: this.#memory.maxMemoryUsedMb(),
      preambleLines: current.preambleLines,
      logLines: current.lines.lines(),
      platformLines,
      trailingLines,
    };
    this.#initDurationMs = undefined;
    this.#current = undefined;
    if (keepsEnvironment(result.kind) && this.#state === 'busy') {
      this.#state = 'ready';
    } else if (this.#state !== 'dead') {
      this.#state = 'dead';
      this.#killProcessGroup();
    }
    current.resolve(outcome);
  }

  #takePendingLines(): string[] {
    const lines = this.#pendingLines;
    this.#pendingLines = [];
    return lines;
  }

  /** Resolves when the runtime's pipes have closed, or after PIPE_DRAIN_MS. */
  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, PIPE_DRAIN_MS);
      void this.#closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Kills the runtime's process group and the runtime's descendants that left it with
   * setsid or setpgid. NOTE: without a memory cgroup, a descendant whose parent exited
   * before this call is no longer found, because it was reparented outside the runtime.
   */
  #killProcessGroup(): void {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#killed) return;

    this.#killed = true;
    const strays = descendants(pid);
    for (const target of [-pid, ...strays]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // The process or group is already gone.
      }
    }
  }
}

/** Go's wording for how a process ended, which Lambda's Runtime.ExitError messages use. */
function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) {
    return `Runtime exited with error: signal: ${SIGNAL_NAMES[signal] ?? signal}`;
  }
  if (code === 0 || code === null) return 'Runtime exited without providing a reason';
  return `Runtime exited with error: exit status ${code}`;
}

const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
};

function errorTypeOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : undefined;
  } catch {
    return undefined;
  }
}
