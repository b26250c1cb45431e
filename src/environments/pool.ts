import type { Logger } from '../log.js';
import type { Environment, InitFailure, InvocationRequest } from './environment.js';
import type { InvocationOutcome } from './outcome.js';

type Lease = { ok: true; environment: Environment } | { ok: false; failure: InitFailure };

/**
 * The execution environments of one function version. A request takes the most recently
 * used idle environment; when none is idle it waits, and a new environment starts for each
 * waiting request beyond those already starting. Whichever environment becomes ready first,
 * a new one or one that finished its invocation, takes the oldest waiting request, so a
 * burst never waits for a cold start that a warm environment could have spared it.
 */
export class EnvironmentPool {
  readonly #createEnvironment: () => Environment;
  readonly #logger: Logger;
  readonly #idle: Environment[] = [];
  readonly #all = new Set<Environment>();
  readonly #waiters: ((lease: Lease) => void)[] = [];
  #starting = 0;
  #closed = false;

  constructor(createEnvironment: () => Environment, logger: Logger) {
    this.#createEnvironment = createEnvironment;
    this.#logger = logger;
  }

  get size(): number {
    return this.#all.size;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  async run(request: InvocationRequest): Promise<InvocationOutcome> {
    const idle = this.#idle.pop();
    const lease: Lease = idle ? { ok: true, environment: idle } : await this.#waitForEnvironment();
    if (!lease.ok) return initFailureOutcome(lease.failure, request.requestId);

    const environment = lease.environment;
    const outcome = await environment.invoke(request);
    this.#release(environment);
    return outcome;
  }

  /** Called by an environment whose runtime died while it sat idle. */
  remove(environment: Environment): void {
    const index = this.#idle.indexOf(environment);
    if (index !== -1) this.#idle.splice(index, 1);
    this.#all.delete(environment);
    void environment.destroy();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const environments = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(environments.map((environment) => environment.destroy()));
  }

  #waitForEnvironment(): Promise<Lease> {
    const lease = new Promise<Lease>((resolve) => this.#waiters.push(resolve));
    if (this.#starting < this.#waiters.length) this.#startEnvironment();
    return lease;
  }

  #startEnvironment(): void {
    this.#starting += 1;
    const environment = this.#createEnvironment();
    this.#all.add(environment);
    environment.start().then(
      (result) => {
        this.#starting -= 1;
        if (result.ok) {
          this.#release(environment);
        } else {
          this.#discard(environment);
          this.#handOut({ ok: false, failure: result.failure });
        }
      },
      (error: unknown) => {
        this.#starting -= 1;
        this.#discard(environment);
        this.#logger.error({ err: error }, 'environment failed to start');
        this.#handOut({
          ok: false,
          failure: {
            errorType: 'Runtime.Unknown',
            body: undefined,
            message: error instanceof Error ? error.message : String(error),
            initDurationMs: 0,
            logLines: [],
          },
        });
      },
    );
  }

  #release(environment: Environment): void {
    if (this.#closed || environment.state !== 'ready') {
      this.#discard(environment);
      // A waiter counted on this environment; start another in its place.
      if (this.#starting < this.#waiters.length && !this.#closed) this.#startEnvironment();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter({ ok: true, environment });
    } else {
      this.#idle.push(environment);
    }
  }

  #handOut(lease: Lease): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter(lease);
    } else if (!lease.ok) {
      this.#logger.warn(
        { errorType: lease.failure.errorType },
        'init failed with no invocation waiting',
      );
    }
  }

  #discard(environment: Environment): void {
    this.#all.delete(environment);
    void environment.destroy();
  }
}

/** The caller's view of a failed Init: the runtime's own error body, or Lambda's message. */
export function initFailureOutcome(failure: InitFailure, requestId: string): InvocationOutcome {
  const payload =
    failure.body ??
    Buffer.from(
      JSON.stringify({
        errorType: failure.errorType,
        errorMessage: `RequestId: ${requestId} Error: ${failure.message}`,
      }),
    );
  return {
    kind: 'init-error',
    payload,
    contentType: 'application/json',
    errorType: failure.errorType,
    durationMs: 0,
    initDurationMs: failure.initDurationMs,
    maxMemoryUsedMb: 0,
    preambleLines: failure.logLines,
    logLines: [],
    platformLines: [],
    trailingLines: [],
  };
}
