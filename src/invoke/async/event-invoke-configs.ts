import { LambdaCraftError } from '../../errors.js';
import { functionArn, type AccountContext } from '../../functions/arn.js';
import type { AsyncEventTable } from '../../state/async-events.js';
import {
  checkDestination,
  type EventInvokeConfig,
  type EventInvokeSettings,
} from './event-invoke-config.js';

export interface EventInvokeConfigsOptions {
  events: AsyncEventTable;
  /** Throws ResourceNotFoundException when the function or qualifier does not exist. */
  resolve: (functionName: string, qualifier: string | undefined) => unknown;
  account: AccountContext;
}

/**
 * The EventInvokeConfigs of every function version and alias, kept in the state store:
 * they are configuration a client set, so they survive a restart. Put replaces a config,
 * Update merges into an existing one; both check destinations as Lambda does.
 */
export class EventInvokeConfigs {
  readonly #options: EventInvokeConfigsOptions;

  constructor(options: EventInvokeConfigsOptions) {
    this.#options = options;
  }

  put(functionName: string, qualifier: string | undefined, settings: EventInvokeSettings) {
    this.#options.resolve(functionName, qualifier);
    this.#checkDestinations(functionName, settings);

    const config: EventInvokeConfig = {
      ...settings,
      functionName,
      qualifier: qualifier ?? '$LATEST',
      lastModifiedMs: Date.now(),
    };
    this.#options.events.putConfig(config);
    return config;
  }

  /** Merges the settings that are defined into the existing config. */
  update(
    functionName: string,
    qualifier: string | undefined,
    settings: Partial<EventInvokeSettings>,
  ): EventInvokeConfig {
    this.#options.resolve(functionName, qualifier);
    const existing = this.get(functionName, qualifier);
    const merged: EventInvokeSettings = {
      maximumRetryAttempts: settings.maximumRetryAttempts ?? existing.maximumRetryAttempts,
      maximumEventAgeInSeconds:
        settings.maximumEventAgeInSeconds ?? existing.maximumEventAgeInSeconds,
      onSuccess: settings.onSuccess ?? existing.onSuccess,
      onFailure: settings.onFailure ?? existing.onFailure,
    };
    this.#checkDestinations(functionName, merged);

    const config = { ...existing, ...merged, lastModifiedMs: Date.now() };
    this.#options.events.putConfig(config);
    return config;
  }

  /** Throws ResourceNotFoundException, with Lambda's message, when there is none. */
  get(functionName: string, qualifier: string | undefined): EventInvokeConfig {
    const config = this.#options.events.findConfig(functionName, qualifier ?? '$LATEST');
    if (config === undefined) throw this.#notFound(functionName, qualifier);
    return config;
  }

  list(functionName: string): EventInvokeConfig[] {
    this.#options.resolve(functionName, undefined);
    return this.#options.events.listConfigs(functionName);
  }

  delete(functionName: string, qualifier: string | undefined): void {
    if (!this.#options.events.deleteConfig(functionName, qualifier ?? '$LATEST')) {
      throw this.#notFound(functionName, qualifier);
    }
  }

  #checkDestinations(functionName: string, settings: EventInvokeSettings): void {
    for (const destination of [settings.onSuccess, settings.onFailure]) {
      if (destination === undefined || destination === '') continue;
      checkDestination(destination, functionName, this.#options.account, (target) => {
        try {
          this.#options.resolve(target.functionName, target.qualifier);
          return true;
        } catch {
          return false;
        }
      });
    }
  }

  #notFound(functionName: string, qualifier: string | undefined): LambdaCraftError {
    const arn = functionArn(this.#options.account, functionName, qualifier ?? '$LATEST');
    return new LambdaCraftError(
      'ResourceNotFoundException',
      `The function ${arn} doesn't have an EventInvokeConfig`,
      { status: 404 },
    );
  }
}
