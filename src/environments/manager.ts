import { LambdaCraftError } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { Logger } from '../log.js';
import { Environment } from './environment.js';
import type { Launcher } from './launch.js';
import type { ProcessStarter } from './process-starter.js';
import { EnvironmentPool } from './pool.js';

export interface EnvironmentManagerOptions {
  account: AccountContext;
  launcher: Launcher;
  starter: ProcessStarter;
  logger: Logger;
}

/** Owns one environment pool per function version, and stops them all on shutdown. */
export class EnvironmentManager {
  readonly #options: EnvironmentManagerOptions;
  readonly #pools = new Map<string, EnvironmentPool>();
  #closed = false;
  /** Set once the platform's AWS endpoint listens; handlers' SDK calls go there. */
  endpointUrl: string | undefined;

  constructor(options: EnvironmentManagerOptions) {
    this.#options = options;
  }

  poolFor(config: FunctionConfig): EnvironmentPool {
    if (this.#closed) {
      throw new LambdaCraftError('ServiceException', 'LambdaCraft is shutting down', {
        status: 503,
      });
    }
    const key = `${config.functionName}:${config.version}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      const logger = this.#options.logger.child({ functionName: config.functionName });
      pool = new EnvironmentPool(() => this.#createEnvironment(config, logger, pool), logger);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Retires the environments of a function version after its code or configuration changed:
   * the next invocation starts a new environment; running invocations finish on the old one.
   */
  retire(functionName: string, version: string): void {
    const key = `${functionName}:${version}`;
    const pool = this.#pools.get(key);
    this.#pools.delete(key);
    pool?.retire();
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
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
    this.#options.starter.close();
  }

  #createEnvironment(
    config: FunctionConfig,
    logger: Logger,
    pool: EnvironmentPool | undefined,
  ): Environment {
    return new Environment({
      config,
      account: this.#options.account,
      launcher: this.#options.launcher,
      starter: this.#options.starter,
      endpointUrl: this.endpointUrl,
      logger,
      onIdleDeath: (environment) => pool?.remove(environment),
    });
  }
}
