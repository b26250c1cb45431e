import { LambdaCraftError } from '../errors.js';
import type { FunctionConfig } from '../functions/function-config.js';
import type { Logger } from '../log.js';
import type { ConcurrencyLimits } from './concurrency.js';

/** The environment layer's side of environments started ahead of requests. */
export interface ProvisionedEnvironments {
  /** Keeps `count` initialised environments of the version (0 stops them). */
  provision(config: FunctionConfig, count: number): Promise<void>;
  provisionedStatus(config: FunctionConfig): {
    requested: number;
    allocated: number;
    available: number;
  };
}

/** One provisioned concurrency configuration, on an alias or a version. */
export interface ProvisionedConfig {
  functionName: string;
  qualifier: string;
  /** The version the qualifier resolved to when the configuration was set. */
  version: FunctionConfig;
  requested: number;
  lastModified: string;
}

export interface ProvisionedStatus {
  requested: number;
  allocated: number;
  available: number;
  status: 'IN_PROGRESS' | 'READY';
  lastModified: string;
}

/**
 * Provisioned concurrency: environments started and initialised before any request, per
 * alias or version. Configurations on several qualifiers of one version add up.
 */
export class ProvisionedConcurrency {
  readonly #environments: ProvisionedEnvironments;
  readonly #limits: ConcurrencyLimits;
  readonly #logger: Logger;
  readonly #configs = new Map<string, ProvisionedConfig>();

  constructor(environments: ProvisionedEnvironments, limits: ConcurrencyLimits, logger: Logger) {
    this.#environments = environments;
    this.#limits = limits;
    this.#logger = logger;
  }

  /** Sets a configuration and starts (or stops) environments to match; resolves at once. */
  put(config: Omit<ProvisionedConfig, 'lastModified'>): ProvisionedConfig {
    const reserved = this.#limits.reserved(config.functionName);
    const otherTotal = this.totalFor(config.functionName) - (this.get(config)?.requested ?? 0);
    if (reserved !== undefined && otherTotal + config.requested > reserved) {
      throw new LambdaCraftError(
        'InvalidParameterValueException',
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
      );
    }
    const stored = { ...config, lastModified: lambdaTimestamp(new Date()) };
    this.#configs.set(key(config), stored);
    this.#apply(config.version);
    return stored;
  }

  get(target: { functionName: string; qualifier: string }): ProvisionedConfig | undefined {
    return this.#configs.get(key(target));
  }

  list(functionName: string): ProvisionedConfig[] {
    return [...this.#configs.values()].filter((config) => config.functionName === functionName);
  }

  delete(target: { functionName: string; qualifier: string }): boolean {
    const config = this.#configs.get(key(target));
    if (config === undefined) return false;

    this.#configs.delete(key(target));
    this.#apply(config.version);
    return true;
  }

  /** Drops every configuration of a function, as deleting the function does. */
  deleteFunction(functionName: string): void {
    for (const config of this.list(functionName)) this.delete(config);
  }

  /** Returns the function's provisioned concurrency summed over all its qualifiers. */
  totalFor(functionName: string): number {
    return this.list(functionName).reduce((sum, config) => sum + config.requested, 0);
  }

  /**
   * Returns a configuration's progress. The qualifiers of one version share its
   * environments, so each configuration counts its share of the ready ones.
   */
  status(config: ProvisionedConfig): ProvisionedStatus {
    const version = this.#environments.provisionedStatus(config.version);
    const available = Math.min(config.requested, version.available);
    const allocated = Math.min(config.requested, version.allocated);
    return {
      requested: config.requested,
      allocated,
      available,
      status: available >= config.requested ? 'READY' : 'IN_PROGRESS',
      lastModified: config.lastModified,
    };
  }

  #apply(version: FunctionConfig): void {
    const byQualifier = new Map<string, number>();
    for (const config of this.list(version.functionName)) {
      byQualifier.set(config.qualifier, config.requested);
    }
    this.#limits.setProvisioned(version.functionName, byQualifier);
    const count = [...this.#configs.values()]
      .filter(
        (config) =>
          config.functionName === version.functionName &&
          config.version.version === version.version,
      )
      .reduce((sum, config) => sum + config.requested, 0);
    // Environments start in the background; a failure shows in the status and the log.
    this.#environments.provision(version, count).catch((error: unknown) => {
      this.#logger.error(
        { err: error, functionName: version.functionName, version: version.version },
        'provisioned environments failed to start',
      );
    });
  }
}

function key(target: { functionName: string; qualifier: string }): string {
  return `${target.functionName}:${target.qualifier}`;
}

/** Lambda's timestamp form: `2024-01-02T03:04:05.678+0000`. */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}
