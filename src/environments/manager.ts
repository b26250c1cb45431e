import { availableParallelism } from 'node:os';

import { LambdaCraftError } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { Logger } from '../log.js';
import { Environment } from './environment.js';
import type { Launcher } from './launch.js';
import type { ProcessStarter } from './process-starter.js';
import { EnvironmentPool, type ProvisionedStatus } from './pool.js';
import { StartSlots } from './start-slots.js';
import { TokenBucket, type Clock } from './token-bucket.js';
import type { InitializationType } from './variables.js';

/**
 * How long an on-demand environment may stay idle before it is stopped. AWS documents no
 * value; idle environments are commonly observed to last 5 to 15 minutes. The low end keeps
 * a developer machine from holding a process per function that was called once.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Lambda's per-function scaling rate: 1,000 new environments per 10 seconds, refilled continuously. */
export const SCALE_UP_ENVIRONMENTS = 1_000;
export const SCALE_UP_REFILL_MS = 10_000;
/**
 * How long an environment stays idle before its processes are stopped. Freezing at once
 * costs two kill() calls and a wake-up of the stopped process per invocation. A rough
 * measurement invoked a no-op Python handler back to back through `Invoker.invoke`, in
 * four alternating rounds on a shared, loaded 2-core machine. Freezing at once added about
 * 0.05 to 0.1 ms to a p50 of about 0.5 ms in every round. With this delay a steady stream
 * of requests never freezes, and waking a frozen environment (requests 25 ms apart) showed
 * no difference from a running one within the noise of that machine.
 */
export const FREEZE_AFTER_MS = 10;

export interface EnvironmentManagerOptions {
  account: AccountContext;
  launcher: Launcher;
  starter: ProcessStarter;
  logger: Logger;
  /** Default DEFAULT_IDLE_TIMEOUT_MS. */
  idleTimeoutMs?: number;
  /** Stop idle environments' processes between invocations, as Lambda does (default true). */
  freezeIdleEnvironments?: boolean;
  /** New environments each function may start per `refillMs`; Lambda's rate by default. */
  scaleUp?: { environments: number; refillMs: number };
  /** Environments of all functions starting at once; two per CPU by default. */
  maxStartingEnvironments?: number;
  clock?: Clock;
}

/** Environment counts of one function, over all its versions. */
export interface FunctionEnvironmentCounts {
  /** Environments running an invocation now, Lambda's ConcurrentExecutions. */
  concurrentExecutions: number;
  /** Environments that exist: starting, idle or busy. */
  environments: number;
}

/**
 * Owns one environment pool per function version and one scale-up token bucket per
 * function, keeps the requested provisioned environments, and stops them all on shutdown.
 */
export class EnvironmentManager {
  readonly #options: EnvironmentManagerOptions;
  readonly #pools = new Map<string, EnvironmentPool>();
  /** Retired pools, by function name, whose busy environments still run; counts include them. */
  readonly #retired = new Map<EnvironmentPool, string>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #startSlots: StartSlots;
  /** Requested provisioned environments by `functionName:version`. */
  readonly #provisioned = new Map<string, number>();
  #closed = false;
  /** Set once the platform's AWS endpoint listens; handlers' SDK calls go there. */
  endpointUrl: string | undefined;

  constructor(options: EnvironmentManagerOptions) {
    this.#options = options;
    this.#startSlots = new StartSlots(
      options.maxStartingEnvironments ?? Math.max(2, 2 * availableParallelism()),
    );
  }

  poolFor(config: FunctionConfig): EnvironmentPool {
    if (this.#closed) {
      throw new LambdaCraftError('ServiceException', 'LambdaCraft is shutting down', {
        status: 503,
      });
    }
    const key = poolKey(config.functionName, config.version);
    const existing = this.#pools.get(key);
    if (existing !== undefined) return existing;

    const pool = this.#createPool(config);
    this.#pools.set(key, pool);
    const provisioned = this.#provisioned.get(key) ?? 0;
    if (provisioned > 0) this.#provisionInBackground(pool, config, provisioned);
    return pool;
  }

  /**
   * Keeps `count` provisioned environments of a function version, fully initialised ahead
   * of requests, starting or stopping the difference; 0 stops them all. Resolves once the
   * started ones are ready, and rejects when one fails to start (see `provisionedStatus`).
   */
  provision(config: FunctionConfig, count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new LambdaCraftError(
          'InvalidParameterValueException',
          `provisioned concurrency ${count} is not valid; set a whole number of 0 or more`,
        ),
      );
    }
    const key = poolKey(config.functionName, config.version);
    if (count === 0) this.#provisioned.delete(key);
    else this.#provisioned.set(key, count);
    if (count === 0 && !this.#pools.has(key)) return Promise.resolve();

    return this.poolFor(config).provision(count);
  }

  provisionedStatus(config: FunctionConfig): ProvisionedStatus {
    const key = poolKey(config.functionName, config.version);
    const pool = this.#pools.get(key);
    if (pool !== undefined) return pool.provisionedStatus();

    const requested = this.#provisioned.get(key) ?? 0;
    return {
      requested,
      allocated: 0,
      available: 0,
      status: requested === 0 ? 'READY' : 'IN_PROGRESS',
      statusReason: undefined,
    };
  }

  /** Counts a function's environments over its versions, including retired pools still busy. */
  countsFor(functionName: string): FunctionEnvironmentCounts {
    const counts = { concurrentExecutions: 0, environments: 0 };
    for (const [name, pool] of this.#namedPools()) {
      if (name === functionName) addCounts(counts, pool);
    }
    return counts;
  }

  /** Counts of every function that has a pool, by function name. */
  counts(): Map<string, FunctionEnvironmentCounts> {
    const result = new Map<string, FunctionEnvironmentCounts>();
    for (const [functionName, pool] of this.#namedPools()) {
      let counts = result.get(functionName);
      if (counts === undefined) {
        counts = { concurrentExecutions: 0, environments: 0 };
        result.set(functionName, counts);
      }
      addCounts(counts, pool);
    }
    return result;
  }

  /**
   * Retires the environments of a function version after its code or configuration changed:
   * the next invocation starts a new environment; running invocations finish on the old one.
   * Provisioned environments requested for the version start again in the pool that the
   * next invocation or `provision` call creates.
   */
  retire(functionName: string, version: string): void {
    const key = poolKey(functionName, version);
    const pool = this.#pools.get(key);
    this.#pools.delete(key);
    if (pool === undefined) return;

    pool.retire();
    this.#retired.set(pool, functionName);
  }

  /** Drops cached bytecode of a code folder whose files changed. */
  clearBytecode(codePath: string): void {
    this.#options.starter.clearBytecode(codePath);
  }

  /** Starts a spare runtime for each function's runtime, ahead of the first cold start. */
  async prepare(configs: FunctionConfig[]): Promise<void> {
    for (const config of configs) {
      try {
        this.#options.starter.prepare(await this.#options.launcher.commandFor(config));
      } catch {
        // The function's first invocation reports why its runtime cannot start.
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values(), ...this.#retired.keys()];
    this.#pools.clear();
    this.#retired.clear();
    await Promise.all(pools.map((pool) => pool.close()));
    this.#options.starter.close();
  }

  /** Every pool with its function name; retired pools whose environments all ended are dropped. */
  #namedPools(): [string, EnvironmentPool][] {
    const named: [string, EnvironmentPool][] = [];
    for (const [key, pool] of this.#pools) named.push([functionNameOf(key), pool]);
    for (const [pool, functionName] of this.#retired) {
      if (pool.environmentCount === 0) this.#retired.delete(pool);
      else named.push([functionName, pool]);
    }
    return named;
  }

  #createPool(config: FunctionConfig): EnvironmentPool {
    const logger = this.#options.logger.child({ functionName: config.functionName });
    const pool: EnvironmentPool = new EnvironmentPool({
      createEnvironment: (initializationType) =>
        this.#createEnvironment(config, logger, pool, initializationType),
      logger,
      idleTimeoutMs: this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      freezeAfterMs: (this.#options.freezeIdleEnvironments ?? true) ? FREEZE_AFTER_MS : undefined,
      scaleUpBucket: this.#bucketFor(config.functionName),
      startSlots: this.#startSlots,
      clock: this.#options.clock,
    });
    return pool;
  }

  #bucketFor(functionName: string): TokenBucket {
    let bucket = this.#buckets.get(functionName);
    if (bucket === undefined) {
      const limit = this.#options.scaleUp;
      bucket = new TokenBucket({
        capacity: limit?.environments ?? SCALE_UP_ENVIRONMENTS,
        refillMs: limit?.refillMs ?? SCALE_UP_REFILL_MS,
        clock: this.#options.clock,
      });
      this.#buckets.set(functionName, bucket);
    }
    return bucket;
  }

  #provisionInBackground(pool: EnvironmentPool, config: FunctionConfig, count: number): void {
    pool.provision(count).catch((error: unknown) => {
      this.#options.logger.error(
        { err: error, functionName: config.functionName, version: config.version },
        'provisioned environments failed to start',
      );
    });
  }

  #createEnvironment(
    config: FunctionConfig,
    logger: Logger,
    pool: EnvironmentPool,
    initializationType: InitializationType,
  ): Environment {
    return new Environment({
      config,
      account: this.#options.account,
      launcher: this.#options.launcher,
      starter: this.#options.starter,
      endpointUrl: this.endpointUrl,
      logger,
      initializationType,
      onIdleDeath: (environment) => pool.remove(environment),
    });
  }
}

function poolKey(functionName: string, version: string): string {
  return `${functionName}:${version}`;
}

/** Versions contain no colon (`$LATEST` or a number), so the last colon ends the name. */
function functionNameOf(key: string): string {
  return key.slice(0, key.lastIndexOf(':'));
}

function addCounts(counts: FunctionEnvironmentCounts, pool: EnvironmentPool): void {
  counts.concurrentExecutions += pool.concurrentExecutions;
  counts.environments += pool.environmentCount;
}
