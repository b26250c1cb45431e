import { randomUUID } from 'node:crypto';

import type { EnvironmentManager } from '../environments/manager.js';
import { isFunctionError, type InvocationOutcome } from '../environments/outcome.js';
import { functionArn, type AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import { functionNotFound, type FunctionRegistry } from '../functions/registry.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import { billedDurationMs, invocationLog, tailLog } from './log-lines.js';

export interface InvokeOptions {
  /** `$LATEST` when absent; the ARN handed to the runtime is then unqualified. */
  qualifier: string | undefined;
  /** Return the last 4 KB of the log, as `LogType: Tail` requests. */
  tailLog: boolean;
  /** The decoded JSON text of the caller's client context. */
  clientContext: string | undefined;
  /** The cause of the invocation (`api`, `cli`, later the trigger), for metering. */
  source: string;
}

export interface InvokeResult {
  requestId: string;
  payload: Buffer;
  contentType: string;
  /** `Unhandled` for every function error, timeout or crash, as current Lambda reports them. */
  functionError: 'Unhandled' | undefined;
  executedVersion: string;
  /** Base64 of the log's last 4 KB, when asked for. */
  logResult: string | undefined;
  /** The invocation's log, START to REPORT. */
  log: string;
  outcome: InvocationOutcome;
}

export interface InvokerOptions {
  registry: FunctionRegistry;
  environments: EnvironmentManager;
  store: StateStore;
  account: AccountContext;
  logger: Logger;
}

/**
 * The one way to run a function: every front door and trigger calls `invoke`. It resolves
 * the function, takes an environment from the function's pool, and records the log and the
 * metering of the invocation.
 */
export class Invoker {
  readonly #options: InvokerOptions;

  constructor(options: InvokerOptions) {
    this.#options = options;
  }

  /** Resolves a function name and qualifier, throwing ResourceNotFoundException as Lambda does. */
  resolve(functionName: string, qualifier: string | undefined): FunctionConfig {
    const config = this.#options.registry.find(functionName);
    if (config === undefined || (qualifier !== undefined && qualifier !== config.version)) {
      throw functionNotFound(
        functionArn(this.#options.account, functionName, qualifier ?? '$LATEST'),
      );
    }
    return config;
  }

  async invoke(
    functionName: string,
    payload: Buffer,
    options: InvokeOptions,
  ): Promise<InvokeResult> {
    const config = this.resolve(functionName, options.qualifier);
    const requestId = randomUUID();
    const startedAtMs = Date.now();

    const outcome = await this.#options.environments.poolFor(config).run({
      requestId,
      payload,
      invokedFunctionArn: functionArn(this.#options.account, functionName, options.qualifier),
      traceId: newTraceId(startedAtMs),
      clientContext: options.clientContext,
    });

    const context = { requestId, version: config.version, memorySizeMb: config.memorySizeMb };
    const log = invocationLog(context, outcome);
    this.#record(config, requestId, startedAtMs, options.source, outcome, log);
    return {
      requestId,
      payload: outcome.payload,
      contentType: outcome.contentType,
      functionError: isFunctionError(outcome.kind) ? 'Unhandled' : undefined,
      executedVersion: config.version,
      logResult: options.tailLog ? tailLog(log) : undefined,
      log,
      outcome,
    };
  }

  #record(
    config: FunctionConfig,
    requestId: string,
    startedAtMs: number,
    source: string,
    outcome: InvocationOutcome,
    log: string,
  ): void {
    this.#options.store.recordInvocation({
      requestId,
      functionName: config.functionName,
      version: config.version,
      source,
      startedAtMs,
      durationMs: outcome.durationMs,
      billedDurationMs: billedDurationMs(outcome.durationMs, outcome.initDurationMs),
      memorySizeMb: config.memorySizeMb,
      maxMemoryUsedMb: outcome.maxMemoryUsedMb,
      initDurationMs: outcome.initDurationMs,
      outcome: outcome.kind,
      errorType: outcome.errorType,
      log,
    });
    if (outcome.kind !== 'success') {
      this.#options.logger.info(
        {
          requestId,
          functionName: config.functionName,
          outcome: outcome.kind,
          errorType: outcome.errorType,
        },
        'invocation failed',
      );
    }
  }
}

/** Makes an X-Ray trace header: `Root=1-<epoch seconds hex>-<24 hex>;Parent=<16 hex>;Sampled=0`. */
function newTraceId(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  // randomUUID draws from a cached entropy pool; randomBytes would ask the kernel each time.
  const random = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
  return `Root=1-${epoch}-${random.slice(0, 24)};Parent=${random.slice(32, 48)};Sampled=0`;
}
