import path from 'node:path';

import { AwsEndpoint } from './api/server.js';
import { RuntimeLauncher } from './environments/launch.js';
import { checkPrivateTmp } from './environments/isolation.js';
import { EnvironmentManager } from './environments/manager.js';
import { MemoryLimits } from './environments/memory-limit.js';
import { ProcessStarter } from './environments/process-starter.js';
import type { AccountContext } from './functions/arn.js';
import type { FunctionConfig } from './functions/function-config.js';
import { FunctionRegistry } from './functions/registry.js';
import { RouteTable } from './gateway/routes.js';
import { HttpGateway } from './gateway/server.js';
import { AsyncDispatcher } from './invoke/async/dispatcher.js';
import type { EventInvokeSettings } from './invoke/async/event-invoke-config.js';
import { EventInvokeConfigs } from './invoke/async/event-invoke-configs.js';
import { ConcurrencyLimits } from './invoke/concurrency.js';
import { EventSourceMappings } from './invoke/event-sources/event-source-mappings.js';
import { applyTemplateMappings } from './invoke/event-sources/template-mappings.js';
import { Invoker } from './invoke/invoker.js';
import { ProvisionedConcurrency } from './invoke/provisioned.js';
import { silentLogger, type Logger } from './log.js';
import { InvocationMetrics } from './metering/metrics.js';
import { DynamoDBService } from './services/dynamodb/service.js';
import type { StreamSource } from './services/dynamodb/streams/stream-source.js';
import { BucketNotifications } from './services/s3/notifications/bucket-notifications.js';
import {
  applyTemplateBuckets,
  type TemplateBuckets,
} from './services/s3/notifications/template-notifications.js';
import { S3Service } from './services/s3/service.js';
import type { ScheduleDefinition } from './services/schedules/definition.js';
import { Scheduler, type SchedulerClock } from './services/schedules/scheduler.js';
import { StateStore } from './state/store.js';
import type { TemplateStreamMapping } from './template/dynamodb-events.js';
import type { FunctionSettings } from './template/function-properties.js';
import type { TemplateTable } from './template/dynamodb-tables.js';
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
  /**
   * Receives each warning about a runtime's interpreter once, such as a Python without boto3.
   * The default logs it.
   */
  onRuntimeWarning?: (message: string) => void;
  /** Keep a started interpreter per runtime ready for cold starts (default true). */
  spares?: boolean;
  /** The enforcement of each function's MemorySize; detected at start when absent. */
  memoryLimits?: MemoryLimits;
  /** Milliseconds an idle on-demand environment lives before it is stopped (default 5 minutes). */
  idleTimeoutMs?: number;
  /** Stop idle environments' processes between invocations, as Lambda does (default true). */
  freezeIdleEnvironments?: boolean;
  /** AutoPublishAlias and concurrency settings by function name, as a template sets them. */
  functionSettings?: Map<string, FunctionSettings>;
  /** The account's concurrent executions; the default derives from the machine's memory. */
  accountConcurrencyLimit?: number;
  /** EventInvokeConfig of `$LATEST` by function name, as a template sets it. */
  eventInvokeConfigs?: Map<string, EventInvokeSettings>;
  /**
   * Factor on every asynchronous retry delay and on the maximum event age (default 1);
   * 0.001 turns Lambda's one-minute retry delay into 60 ms.
   */
  asyncTimeScale?: number;
  /**
   * Run queued asynchronous events (default true). A one-off command that shares the data
   * folder with a running platform leaves them to it.
   */
  asyncDispatch?: boolean;
  /** The template's buckets, created at start, and the notifications it puts on them. */
  buckets?: TemplateBuckets;
  /** The template's DynamoDB tables, created at start when missing. */
  tables?: TemplateTable[];
  /** Schedules to fire; they fire only where `asyncDispatch` is on. */
  schedules?: ScheduleDefinition[];
  /** The scheduler's time source and timer; tests pass a fake one. */
  scheduleClock?: SchedulerClock;
  /** Maximum age of a scheduled time missed while stopped that still fires (default 5 min). */
  missedFireGraceMs?: number;
  /** The table streams event source mappings read (default: the DynamoDB service's). */
  streamSource?: StreamSource;
  /** The clock of event source mappings (record ages, batching windows); tests pass a fake. */
  eventSourceClock?: () => number;
  /** The template's DynamoDB events; their mappings are created where `asyncDispatch` is on. */
  streamMappings?: TemplateStreamMapping[];
}

/** The parts of a reloaded template that `applyTemplate` applies; `LoadedTemplate` has them. */
export interface TemplateContents {
  functions: FunctionConfig[];
  invalid: Map<string, string>;
  http: HttpEvents;
  functionSettings?: Map<string, FunctionSettings>;
  eventInvokeConfigs?: Map<string, EventInvokeSettings>;
  schedules?: { schedules: ScheduleDefinition[] };
  s3?: TemplateBuckets;
  dynamodbEvents?: { mappings: TemplateStreamMapping[] };
}

/**
 * Returns one line per reason for the functions that keep their previous configuration,
 * so that one Globals error shared by every function is reported once.
 */
function previousConfigurationLines(keepPrevious: Map<string, string>): string[] {
  const namesByReason = new Map<string, string[]>();
  for (const [name, reason] of keepPrevious) {
    // The template's messages start with the resource they are about, which the line names.
    const shared = reason.startsWith(`resource '${name}': `)
      ? reason.slice(`resource '${name}': `.length)
      : reason;
    namesByReason.set(shared, [...(namesByReason.get(shared) ?? []), name]);
  }
  return [...namesByReason].map(
    ([reason, names]) =>
      `${names.join(', ')} kept the previous configuration, because the new one is invalid: ${reason}`,
  );
}

const NO_SETTINGS: FunctionSettings = {
  autoPublishAlias: undefined,
  reservedConcurrentExecutions: undefined,
  provisionedConcurrentExecutions: undefined,
};

let privateTmpCheck: ReturnType<typeof checkPrivateTmp> | undefined;

export interface CloseOptions {
  /**
   * How long invocations and AWS endpoint requests in flight may run on before the
   * environments stop; 0 by default.
   */
  drainMs?: number;
  /** Ends the wait for work in flight early, when it resolves. */
  interrupt?: Promise<void>;
}

/** The embedded platform: state store, environments, invoker and the AWS endpoint, wired. */
export class Platform {
  readonly account: AccountContext;
  readonly registry = new FunctionRegistry();
  readonly store: StateStore;
  readonly environments: EnvironmentManager;
  readonly memoryLimits: MemoryLimits;
  readonly invoker: Invoker;
  readonly limits: ConcurrencyLimits;
  readonly provisioned: ProvisionedConcurrency;
  readonly logger: Logger;
  readonly eventInvokeConfigs: EventInvokeConfigs;
  readonly asyncDispatcher: AsyncDispatcher;
  /** The S3 API on the AWS endpoint; subscribe with `s3.addListener` for object events. */
  readonly s3: S3Service;
  /** The DynamoDB API on the AWS endpoint; `addWriteListener` receives every item change. */
  readonly dynamodb: DynamoDBService;
  /** The buckets' notification configurations, which queue invocations on object events. */
  readonly bucketNotifications: BucketNotifications;
  /** Lines about the template's buckets that `up` prints: configurations not applied. */
  readonly bucketProblems: string[];
  /** Lines about the template's tables that `up` prints: not created, or defined differently. */
  readonly tableProblems: string[];
  /** The template's schedules, fired through the Invoker. */
  readonly schedules: Scheduler;
  /** Event source mappings from table streams to functions, with one poller per shard. */
  readonly eventSourceMappings: EventSourceMappings;
  /** Lines about the template's DynamoDB events that `up` prints: mappings not created. */
  readonly mappingProblems: string[] = [];
  readonly #settings = new Map<string, FunctionSettings>();
  /** The EventInvokeConfig the template set, as JSON, by function name. */
  readonly #templateEventInvokeConfigs = new Map<string, string>();
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
    platform.memoryLimits.logMechanism(platform.logger);
    if (options.spares ?? true) await platform.environments.prepare(options.functions);
    if (options.asyncDispatch ?? true) {
      platform.asyncDispatcher.start();
      platform.schedules.start(options.schedules ?? []);
      const applied = applyTemplateMappings(
        platform.eventSourceMappings,
        options.streamMappings ?? [],
      );
      platform.mappingProblems.push(...applied.problems);
      platform.eventSourceMappings.start();
    }
    return platform;
  }

  private constructor(options: PlatformOptions, privateTmp: boolean) {
    this.account = options.account ?? DEFAULT_ACCOUNT;
    this.logger = options.logger ?? silentLogger();
    this.store = StateStore.open(options.dataDir, this.logger);
    this.s3 = new S3Service({
      dataDir: options.dataDir,
      objects: this.store.objects,
      region: this.account.region,
      logger: this.logger,
    });
    this.dynamodb = new DynamoDBService({
      store: this.store.tables,
      streams: this.store.streams,
      region: this.account.region,
      accountId: this.account.accountId,
      logger: this.logger,
    });
    this.tableProblems = this.dynamodb.createTemplateTables(options.tables ?? []);
    const launcher = new RuntimeLauncher(
      options.onRuntimeWarning ?? ((message) => this.logger.warn(message)),
    );
    this.memoryLimits = options.memoryLimits ?? MemoryLimits.detect();
    this.environments = new EnvironmentManager({
      account: this.account,
      launcher,
      starter: new ProcessStarter({
        tempRoot: path.join(options.dataDir, 'environments'),
        pycacheDir: path.join(options.dataDir, 'pycache'),
        privateTmp,
        spares: options.spares ?? true,
        memoryLimits: this.memoryLimits,
        logger: this.logger,
      }),
      logger: this.logger,
      idleTimeoutMs: options.idleTimeoutMs,
      freezeIdleEnvironments: options.freezeIdleEnvironments,
    });
    this.limits = new ConcurrencyLimits(options.accountConcurrencyLimit);
    this.provisioned = new ProvisionedConcurrency(this.environments, this.limits, this.logger);
    for (const config of options.functions) this.registry.put(config);
    for (const [name, reason] of options.invalidFunctions ?? [])
      this.registry.putInvalid(name, reason);
    for (const [name, settings] of options.functionSettings ?? []) {
      this.#applySettings(name, settings);
    }
    this.invoker = new Invoker({
      registry: this.registry,
      environments: this.environments,
      store: this.store,
      account: this.account,
      limits: this.limits,
      metrics: new InvocationMetrics({
        concurrentExecutions: () =>
          this.registry
            .list()
            .map((config) => [config.functionName, this.limits.running(config.functionName)]),
      }),
      logger: this.logger,
    });
    this.eventSourceMappings = new EventSourceMappings({
      table: this.store.eventSourceMappings,
      invoker: this.invoker,
      account: this.account,
      logger: this.logger,
      nowMs: options.eventSourceClock,
    });
    this.eventSourceMappings.useStreams(options.streamSource ?? this.dynamodb.streams);
    this.eventInvokeConfigs = new EventInvokeConfigs({
      events: this.store.asyncEvents,
      resolve: (functionName, qualifier) => this.invoker.resolve(functionName, qualifier),
      account: this.account,
    });
    for (const [name, settings] of options.eventInvokeConfigs ?? []) {
      this.#applyEventInvokeConfig(name, settings);
    }
    this.asyncDispatcher = new AsyncDispatcher({
      invoker: this.invoker,
      events: this.store.asyncEvents,
      account: this.account,
      logger: this.logger,
      timeScale: options.asyncTimeScale ?? 1,
    });
    this.bucketNotifications = new BucketNotifications({
      table: this.store.notifications,
      objects: this.store.objects,
      invoker: this.invoker,
      account: this.account,
      logger: this.logger,
    });
    this.s3.useNotifications(this.bucketNotifications);
    this.bucketProblems = this.#applyBuckets(options.buckets);
    this.schedules = new Scheduler({
      invoker: this.invoker,
      table: this.store.schedules,
      account: this.account,
      logger: this.logger,
      clock: options.scheduleClock,
      missedFireGraceMs: options.missedFireGraceMs,
    });
  }

  /**
   * Stores a template's EventInvokeConfig for a function's `$LATEST`, replacing one a client
   * put before. A config Lambda would reject is logged and not applied.
   */
  #applyEventInvokeConfig(functionName: string, settings: EventInvokeSettings): void {
    if (this.registry.find(functionName) === undefined) return;
    this.#templateEventInvokeConfigs.set(functionName, JSON.stringify(settings));
    try {
      this.eventInvokeConfigs.put(functionName, undefined, settings);
    } catch (error) {
      this.logger.warn(
        { functionName, err: error },
        'EventInvokeConfig of the template not applied',
      );
    }
  }

  /**
   * Applies what a template sets through SAM's alias and concurrency resources: reserved
   * concurrency, version 1 with its alias for AutoPublishAlias, and provisioned concurrency
   * on that alias. A value Lambda would refuse leaves the function not created, with why.
   */
  #applySettings(functionName: string, settings: FunctionSettings): void {
    if (this.registry.find(functionName) === undefined) return;
    this.#settings.set(functionName, settings);
    try {
      if (settings.reservedConcurrentExecutions === undefined) this.limits.unreserve(functionName);
      else this.limits.reserve(functionName, settings.reservedConcurrentExecutions);
    } catch (error) {
      this.registry.putInvalid(
        functionName,
        `ReservedConcurrentExecutions ${settings.reservedConcurrentExecutions}: ${(error as Error).message} (account limit ${this.limits.accountLimit}; raise it with --account-concurrency)`,
      );
      return;
    }
    this.provisioned.deleteFunction(functionName);
    if (settings.autoPublishAlias === undefined) return;

    // NOTE: SAM publishes a new version on each deployment; a reload here replaces version 1,
    // which keeps the alias, the version and the ARNs handlers were given unchanged.
    const version = this.registry.publish(functionName, '1', settings.autoPublishAlias);
    if (settings.provisionedConcurrentExecutions !== undefined) {
      this.provisioned.put({
        functionName,
        qualifier: settings.autoPublishAlias,
        version,
        requested: settings.provisionedConcurrentExecutions,
      });
    }
  }

  /** Creates the template's buckets and applies their notifications; returns the problems. */
  #applyBuckets(buckets: TemplateBuckets | undefined): string[] {
    if (buckets === undefined) return [];
    return applyTemplateBuckets(buckets, {
      objects: this.store.objects,
      notifications: this.bucketNotifications,
      account: this.account,
      region: this.account.region,
      aliasOf: (functionName) => this.#settings.get(functionName)?.autoPublishAlias,
      logger: this.logger,
      nowMs: Date.now(),
    });
  }

  /** Starts the AWS endpoint and returns its URL. */
  async listen(port: number, host: string): Promise<string> {
    this.s3.removeInterruptedWrites();
    this.#endpoint = new AwsEndpoint({
      invoker: this.invoker,
      registry: this.registry,
      limits: this.limits,
      provisioned: this.provisioned,
      eventInvokeConfigs: this.eventInvokeConfigs,
      eventSourceMappings: this.eventSourceMappings,
      account: this.account,
      logger: this.logger,
      s3: this.s3,
      dynamodb: this.dynamodb,
      schedules: this.schedules,
    });
    this.dynamodb.startTtlSweeps();
    this.dynamodb.startStreamSweeps();
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
  applyTemplate(template: TemplateContents): string[] {
    const { functions, invalid, http } = template;
    const settings = template.functionSettings ?? new Map<string, FunctionSettings>();
    const changes: string[] = [];
    const next = new Map(functions.map((config) => [config.functionName, config]));
    // A function whose new definition is invalid keeps its previous configuration and its
    // warm environments, as a template that fails to load keeps the whole previous template.
    // NOTE: `invalid` is keyed by logical id, so this holds only for a function whose
    // FunctionName is its logical id. Another one is removed until its definition is valid.
    const keepPrevious = new Map<string, string>();
    for (const [name, reason] of invalid) {
      if (this.registry.find(name) !== undefined) keepPrevious.set(name, reason);
    }
    for (const [name] of this.registry.listInvalid()) {
      if (!next.has(name) && !invalid.has(name)) {
        this.registry.delete(name);
        changes.push(`${name} removed`);
      }
    }
    for (const old of this.registry.list()) {
      if (!next.has(old.functionName) && !keepPrevious.has(old.functionName)) {
        this.#retireVersions(old.functionName);
        this.provisioned.deleteFunction(old.functionName);
        this.limits.unreserve(old.functionName);
        this.registry.delete(old.functionName);
        changes.push(`${old.functionName} removed`);
      }
    }
    // One entry each for the functions added and those changed, as a Globals edit changes many.
    const added: string[] = [];
    const changed: string[] = [];
    for (const config of functions) {
      const old = this.registry.find(config.functionName);
      const functionSettings = settings.get(config.functionName) ?? NO_SETTINGS;
      if (
        old !== undefined &&
        JSON.stringify(old) === JSON.stringify(config) &&
        JSON.stringify(this.#settings.get(config.functionName) ?? NO_SETTINGS) ===
          JSON.stringify(functionSettings)
      ) {
        continue;
      }
      if (old !== undefined) this.#retireVersions(old.functionName);
      this.registry.put(config);
      this.#applySettings(config.functionName, functionSettings);
      (old === undefined ? added : changed).push(config.functionName);
    }
    if (added.length > 0) changes.push(`${added.join(', ')} added`);
    if (changed.length > 0) changes.push(`${changed.join(', ')} configuration changed`);
    for (const [name, reason] of invalid) {
      if (keepPrevious.has(name)) continue;
      // A function that stays invalid for the same reason is no change.
      if (this.registry.findInvalid(name) === reason) continue;
      this.registry.putInvalid(name, reason);
      changes.push(`${name} not started: ${reason}`);
    }
    changes.push(...previousConfigurationLines(keepPrevious));
    this.#reapplyEventInvokeConfigs(
      template.eventInvokeConfigs ?? new Map<string, EventInvokeSettings>(),
      changes,
    );
    if (template.schedules !== undefined) {
      changes.push(...this.schedules.update(template.schedules.schedules));
    }
    changes.push(...this.#applyBuckets(template.s3));
    if (template.dynamodbEvents !== undefined) {
      const applied = applyTemplateMappings(
        this.eventSourceMappings,
        template.dynamodbEvents.mappings,
      );
      changes.push(...applied.changes, ...applied.problems);
    }
    if (this.#gateway !== undefined) {
      const routes = new RouteTable(http.apis, http.routes);
      changes.push(...routeChanges(this.#gateway.routes, routes));
      this.#gateway.update(routes, http.functionUrls);
    }
    return changes;
  }

  /**
   * Applies the EventInvokeConfig a reloaded template sets where it differs from the one
   * the template set before, and deletes the ones the template no longer sets.
   */
  #reapplyEventInvokeConfigs(configs: Map<string, EventInvokeSettings>, changes: string[]): void {
    for (const functionName of [...this.#templateEventInvokeConfigs.keys()]) {
      if (configs.has(functionName)) continue;
      this.#templateEventInvokeConfigs.delete(functionName);
      if (this.registry.find(functionName) === undefined) continue;
      try {
        this.eventInvokeConfigs.delete(functionName, undefined);
      } catch {
        // A client deleted it already.
      }
      changes.push(`${functionName} EventInvokeConfig removed`);
    }
    for (const [functionName, settings] of configs) {
      if (this.#templateEventInvokeConfigs.get(functionName) === JSON.stringify(settings)) continue;
      this.#applyEventInvokeConfig(functionName, settings);
      changes.push(`${functionName} EventInvokeConfig applied`);
    }
  }

  /** Retires a function's environments after its code changed on disk. */
  retireFunction(functionName: string): void {
    const config = this.registry.find(functionName);
    if (config === undefined) return;

    this.environments.clearBytecode(config.codePath);
    this.registry.codeChanged(functionName);
    this.#retireVersions(functionName);
    for (const provisioned of this.provisioned.list(functionName)) {
      this.provisioned.put({
        ...provisioned,
        version:
          this.registry.resolve(functionName, provisioned.qualifier)?.config ?? provisioned.version,
      });
    }
  }

  /** Retires the environments of `$LATEST` and of every published version of a function. */
  #retireVersions(functionName: string): void {
    for (const version of [
      '$LATEST',
      ...this.registry.versions(functionName).map((c) => c.version),
    ]) {
      this.environments.retire(functionName, version);
    }
  }

  /** The number of requests to the AWS endpoint whose response is not sent yet. */
  get endpointRequestsInFlight(): number {
    return this.#endpoint?.requestsInFlight ?? 0;
  }

  /**
   * Stops taking work, lets invocations and AWS endpoint requests in flight finish for up
   * to `drainMs` (or until `interrupt` resolves), then stops every environment, closes the
   * front doors and writes what the store still holds.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    // The async dispatcher and the stream pollers stop claiming work first. Their running
    // invocations finish within the drain, or end with the environments and are recorded
    // before the store closes.
    await this.schedules.stop();
    this.dynamodb.stop();
    const frontDoors = Promise.all([this.#endpoint?.close(), this.#gateway?.close()]);
    this.asyncDispatcher.stopTaking();
    const pollers = this.eventSourceMappings.close();
    await this.#drain(options, pollers);
    const asyncEvents = this.asyncDispatcher.close();
    await this.environments.close();
    await this.memoryLimits.close(this.logger);
    this.#endpoint?.closeAllConnections();
    this.#gateway?.closeAllConnections();
    await Promise.all([frontDoors, asyncEvents, pollers]);
    this.store.close();
  }

  /**
   * Waits until no invocation runs, no request to the AWS endpoint is in flight and the
   * pollers stopped, for at most `drainMs`.
   */
  async #drain(options: CloseOptions, stopped: Promise<unknown>): Promise<void> {
    const drainMs = options.drainMs ?? 0;
    if (drainMs <= 0) return;

    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    });
    const finished = Promise.all([this.invoker.idle(), this.#endpoint?.idle(), stopped]).then(
      () => undefined,
    );
    await Promise.race([finished, limit, options.interrupt ?? limit]);
    clearTimeout(timer);
  }
}

/** Describes the routes that a reload added or removed, one line each. */
function routeChanges(before: RouteTable, after: RouteTable): string[] {
  const describe = (table: RouteTable) =>
    new Set(table.routes.map((route) => `${route.method} ${route.path} -> ${route.functionName}`));
  const old = describe(before);
  const next = describe(after);
  return [
    ...[...old].filter((route) => !next.has(route)).map((route) => `route ${route} removed`),
    ...[...next].filter((route) => !old.has(route)).map((route) => `route ${route} added`),
  ];
}
