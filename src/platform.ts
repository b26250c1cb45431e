import path from 'node:path';

import { AwsEndpoint } from './api/server.js';
import { RuntimeLauncher } from './environments/launch.js';
import { EnvironmentManager } from './environments/manager.js';
import type { AccountContext } from './functions/arn.js';
import type { FunctionConfig } from './functions/function-config.js';
import { FunctionRegistry } from './functions/registry.js';
import { Invoker } from './invoke/invoker.js';
import { silentLogger, type Logger } from './log.js';
import { StateStore } from './state/store.js';

export const DEFAULT_ACCOUNT: AccountContext = { accountId: '000000000000', region: 'us-east-1' };

export interface PlatformOptions {
  /** Folder for the state database and the environments' temporary folders. */
  dataDir: string;
  functions: FunctionConfig[];
  account?: AccountContext;
  logger?: Logger;
}

/** The embedded platform: state store, environments, invoker and the AWS endpoint, wired. */
export class Platform {
  readonly account: AccountContext;
  readonly registry = new FunctionRegistry();
  readonly store: StateStore;
  readonly environments: EnvironmentManager;
  readonly invoker: Invoker;
  readonly logger: Logger;
  #endpoint: AwsEndpoint | undefined;

  constructor(options: PlatformOptions) {
    this.account = options.account ?? DEFAULT_ACCOUNT;
    this.logger = options.logger ?? silentLogger();
    this.store = StateStore.open(options.dataDir, this.logger);
    this.environments = new EnvironmentManager({
      account: this.account,
      launcher: new RuntimeLauncher((message) => this.logger.warn(message)),
      tempRoot: path.join(options.dataDir, 'environments'),
      logger: this.logger,
    });
    for (const config of options.functions) this.registry.put(config);
    this.invoker = new Invoker({
      registry: this.registry,
      environments: this.environments,
      store: this.store,
      account: this.account,
      logger: this.logger,
    });
  }

  /** Starts the AWS endpoint and returns its URL. */
  async listen(port: number, host: string): Promise<string> {
    this.#endpoint = new AwsEndpoint({
      invoker: this.invoker,
      account: this.account,
      logger: this.logger,
    });
    const address = await this.#endpoint.listen(port, host);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.environments.endpointUrl = url;
    return url;
  }

  /** Stops every environment, closes the endpoint and writes what the store still holds. */
  async close(): Promise<void> {
    await Promise.all([this.#endpoint?.close(), this.environments.close()]);
    this.store.close();
  }
}
