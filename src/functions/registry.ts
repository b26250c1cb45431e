import { LambdaCraftError } from '../errors.js';
import type { FunctionConfig } from './function-config.js';

/** A function version reached through a qualifier: a version number, an alias or `$LATEST`. */
export interface ResolvedFunction {
  config: FunctionConfig;
  /** The alias named by the qualifier, when it was one. */
  alias: string | undefined;
}

interface FunctionEntry {
  latest: FunctionConfig;
  /** Published versions by number, as strings (`"1"`). */
  versions: Map<string, FunctionConfig>;
  /** Alias name to version number. */
  aliases: Map<string, string>;
}

/** The functions the platform runs, by name, with their published versions and aliases. */
export class FunctionRegistry {
  readonly #functions = new Map<string, FunctionEntry>();
  readonly #invalid = new Map<string, string>();
  /** When each configuration was put or published, or its code last changed (ms since epoch). */
  readonly #changedAtMs = new WeakMap<FunctionConfig, number>();

  /** Records a function the platform could not accept, so that calls to it can report why. */
  putInvalid(functionName: string, reason: string): void {
    this.#functions.delete(functionName);
    this.#invalid.set(functionName, reason);
  }

  findInvalid(functionName: string): string | undefined {
    return this.#invalid.get(functionName);
  }

  /** Lists the functions the platform could not accept, as name and reason. */
  listInvalid(): [functionName: string, reason: string][] {
    return [...this.#invalid];
  }

  /** Sets a function's `$LATEST`; its published versions and aliases stay. */
  put(config: FunctionConfig): void {
    const entry = this.#functions.get(config.functionName);
    if (entry === undefined) {
      this.#functions.set(config.functionName, {
        latest: config,
        versions: new Map(),
        aliases: new Map(),
      });
    } else {
      entry.latest = config;
    }
    this.#invalid.delete(config.functionName);
    this.#changedAtMs.set(config, Date.now());
  }

  /**
   * Publishes `$LATEST` as a version and points an alias at it, as SAM's AutoPublishAlias
   * does on each deployment. Returns the version's configuration.
   */
  publish(functionName: string, version: string, alias: string | undefined): FunctionConfig {
    const entry = this.#functions.get(functionName);
    if (entry === undefined) throw new Error(`publish: no function ${functionName}`);

    const config = { ...entry.latest, version };
    entry.versions.set(version, config);
    if (alias !== undefined) entry.aliases.set(alias, version);
    this.#changedAtMs.set(config, Date.now());
    return config;
  }

  /** Records that a function's code folder changed, for `$LATEST` and its published versions. */
  codeChanged(functionName: string): void {
    const entry = this.#functions.get(functionName);
    if (entry === undefined) return;

    const nowMs = Date.now();
    for (const config of [entry.latest, ...entry.versions.values()]) {
      this.#changedAtMs.set(config, nowMs);
    }
  }

  /**
   * Returns when a configuration was put or published, or its code last changed, in ms since
   * the epoch. It is 0 for a configuration the registry never held.
   */
  changedAtMs(config: FunctionConfig): number {
    return this.#changedAtMs.get(config) ?? 0;
  }

  /** The `$LATEST` configuration of a function. */
  find(functionName: string): FunctionConfig | undefined {
    return this.#functions.get(functionName)?.latest;
  }

  /** The version a qualifier names: `$LATEST` when absent, a version number, or an alias. */
  resolve(functionName: string, qualifier: string | undefined): ResolvedFunction | undefined {
    const entry = this.#functions.get(functionName);
    if (entry === undefined) return undefined;
    if (qualifier === undefined || qualifier === '$LATEST') {
      return { config: entry.latest, alias: undefined };
    }
    if (/^\d+$/.test(qualifier)) {
      const config = entry.versions.get(qualifier);
      return config === undefined ? undefined : { config, alias: undefined };
    }
    const version = entry.aliases.get(qualifier);
    const config = version === undefined ? undefined : entry.versions.get(version);
    return config === undefined ? undefined : { config, alias: qualifier };
  }

  /** Every `$LATEST` configuration. */
  list(): FunctionConfig[] {
    return [...this.#functions.values()].map((entry) => entry.latest);
  }

  /** Every published version of a function. */
  versions(functionName: string): FunctionConfig[] {
    return [...(this.#functions.get(functionName)?.versions.values() ?? [])];
  }

  delete(functionName: string): void {
    this.#functions.delete(functionName);
    this.#invalid.delete(functionName);
  }
}

export function functionNotFound(arn: string, reason?: string): LambdaCraftError {
  const message = `Function not found: ${arn}`;
  return new LambdaCraftError(
    'ResourceNotFoundException',
    reason === undefined ? message : `${message} (it was not created: ${reason})`,
    { status: 404 },
  );
}
