import path from 'node:path';

import { AwsEndpoint } from './api/server.js';
import { RuntimeLauncher } from './environments/launch.js';
import { checkPrivateTmp } from './environments/isolation.js';
import { EnvironmentManager } from './environments/manager.js';
import { ProcessStarter } from './environments/process-starter.js';
import type { AccountContext } from './functions/arn.js';
import type { FunctionConfig } from './functions/function-config.js';
import { FunctionRegistry } from './functions/registry.js';
import { RouteTable } from './gateway/routes.js';
import { HttpGateway } from './gateway/server.js';
import { Invoker } from './invoke/invoker.js';
import { silentLogger, type Logger } from './log.js';
import { StateStore } from './state/store.js';
import type { HttpEvents } from './template/http-events.js';

export const DEFAULT_ACCOUNT: AccountContext = { accountId: '000000000000', region: 'us-east-1' };

export interface PlatformOptions {
  /** Folder for the state database and the environments' temporary folders. */
  dataDir: string;
  functions: FunctionConfig[];
  /** Functions that could not be accepted, by name, with the reason. */
  invalidFunctions?: Map<string, string>;
  account?: AccountContext;
  logger?: Logger;
  /** Keep a started interpreter per runtime ready for cold starts (default true). */
  spares?: boolean;
}

let privateTmpCheck: ReturnType<typeof checkPrivateTmp> | undefined;

/** The embedded platform: state store, environments, invoker and the AWS endpoint, wired. */
export class Platform {
  readonly account: AccountContext;
  readonly registry = new FunctionRegistry();
  readonly store: StateStore;
  readonly environments: EnvironmentManager;
  readonly invoker: Invoker;
  readonly logger: Logger;
  #endpoint: AwsEndpoint | undefined;
  #gateway: HttpGateway | undefined;

  /** Builds the platform after checking what this machine allows (a private /tmp needs root). */
  static async start(options: PlatformOptions): Promise<Platform> {
    privateTmpCheck ??= checkPrivateTmp();
    const privateTmp = await privateTmpCheck;
    const platform = new Platform(options, privateTmp.available);
    if (!privateTmp.available) {
      platform.logger.warn(
        { reason: privateTmp.reason },
        'functions share the host /tmp: a private /tmp per environment needs root and util-linux unshare; TMPDIR still points at a private folder',
      );
    }
    if (options.spares ?? true) await platform.environments.prepare(options.functions);
    return platform;
  }

  private constructor(options: PlatformOptions, privateTmp: boolean) {
    this.account = options.account ?? DEFAULT_ACCOUNT;
    this.logger = options.logger ?? silentLogger();
    this.store = StateStore.open(options.dataDir, this.logger);
    const launcher = new RuntimeLauncher((message) => this.logger.warn(message));
    this.environments = new EnvironmentManager({
      account: this.account,
      launcher,
      starter: new ProcessStarter({
        tempRoot: path.join(options.dataDir, 'environments'),
        pycacheDir: path.join(options.dataDir, 'pycache'),
        privateTmp,
        spares: options.spares ?? true,
        logger: this.logger,
      }),
      logger: this.logger,
    });
    for (const config of options.functions) this.registry.put(config);
    for (const [name, reason] of options.invalidFunctions ?? [])
      this.registry.putInvalid(name, reason);
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

  /** Starts the HTTP gateway for a template's APIs and function URLs; returns its URL. */
  async listenGateway(
    http: HttpEvents,
    port: number,
    host: string,
  ): Promise<{ url: string; routes: RouteTable }> {
    const routes = new RouteTable(http.apis, http.routes);
    this.#gateway = new HttpGateway({
      routes,
      functionUrls: http.functionUrls,
      invoker: this.invoker,
      account: this.account,
      logger: this.logger,
    });
    const address = await this.#gateway.listen(port, host);
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`, routes };
  }

  /**
   * Applies a reloaded template. Functions whose configuration changed, and removed ones,
   * retire their environments; unchanged functions keep theirs, warm and with their globals.
   * Returns one line per change.
   */
  applyTemplate(
    functions: FunctionConfig[],
    invalid: Map<string, string>,
    http: HttpEvents,
  ): string[] {
    const changes: string[] = [];
    const next = new Map(functions.map((config) => [config.functionName, config]));
    for (const old of this.registry.list()) {
      if (!next.has(old.functionName)) {
        this.registry.delete(old.functionName);
        this.environments.retire(old.functionName, old.version);
        changes.push(`${old.functionName} removed`);
      }
    }
    for (const config of functions) {
      const old = this.registry.find(config.functionName);
      if (old !== undefined && JSON.stringify(old) === JSON.stringify(config)) continue;
      this.registry.put(config);
      if (old !== undefined) this.environments.retire(old.functionName, old.version);
      changes.push(
        `${config.functionName} ${old === undefined ? 'added' : 'configuration changed'}`,
      );
    }
    for (const [name, reason] of invalid) {
      this.registry.putInvalid(name, reason);
      changes.push(`${name} not started: ${reason}`);
    }
    if (this.#gateway !== undefined) {
      const routes = new RouteTable(http.apis, http.routes);
      this.#gateway.update(routes, http.functionUrls);
    }
    return changes;
  }

  /** Retires a function's environments after its code changed on disk. */
  retireFunction(functionName: string): void {
    const config = this.registry.find(functionName);
    if (config === undefined) return;

    this.environments.clearBytecode(config.codePath);
    this.environments.retire(config.functionName, config.version);
  }

  /** Stops every environment, closes the front doors and writes what the store still holds. */
  async close(): Promise<void> {
    // Stop taking requests, end the environments (their invocations return at once), then
    // drop connections still open and write what the store holds.
    const frontDoors = Promise.all([this.#endpoint?.close(), this.#gateway?.close()]);
    await this.environments.close();
    this.#endpoint?.closeAllConnections();
    this.#gateway?.closeAllConnections();
    await frontDoors;
    this.store.close();
  }
}
