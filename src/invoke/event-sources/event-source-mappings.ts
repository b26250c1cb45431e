import { randomUUID } from 'node:crypto';

import { LambdaCraftError } from '../../errors.js';
import { functionArn, parseFunctionReference, type AccountContext } from '../../functions/arn.js';
import type { Logger } from '../../log.js';
import type { StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import type { EventSourceMappingTable } from '../../state/event-source-mappings.js';
import type { Invoker } from '../invoker.js';
import type { EventSourceMapping, MappingSettings } from './mapping-settings.js';
import { MappingRunner } from './mapping-runner.js';

export interface EventSourceMappingsOptions {
  table: EventSourceMappingTable;
  invoker: Pick<Invoker, 'invoke' | 'enqueue' | 'resolve'>;
  account: AccountContext;
  logger: Logger;
  /** Milliseconds since the epoch; tests pass a fake clock for record ages. */
  nowMs?: () => number;
}

/** The request of CreateEventSourceMapping or of a template's DynamoDB event. */
export interface NewMapping {
  eventSourceArn: string;
  functionName: string;
  qualifier: string | undefined;
  enabled: boolean;
  settings: MappingSettings;
  /** Set for mappings a template declares; see `EventSourceMapping.templateKey`. */
  templateKey?: string;
}

/** The members UpdateEventSourceMapping may change; absent ones keep their value. */
export interface MappingChanges {
  functionName?: string;
  qualifier?: string | undefined;
  enabled?: boolean;
  settings: Partial<Omit<MappingSettings, 'startingPosition'>>;
  /** Removes the on-failure destination, as `DestinationConfig: {OnFailure: {}}` does. */
  clearOnFailureDestination?: boolean;
}

/** The filter of ListEventSourceMappings; an absent field matches every mapping. */
export interface MappingFilter {
  eventSourceArn?: string | undefined;
  functionName?: string | undefined;
  qualifier?: string | undefined;
}

const DYNAMODB_STREAM_ARN =
  /^arn:aws[a-zA-Z-]*:dynamodb:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:table\/[a-zA-Z0-9_.-]+\/stream\/.+$/;

/**
 * The event source mappings of the platform: their configuration and checkpoints live in
 * the state store, and each enabled mapping runs a poller per shard of its stream. Only
 * DynamoDB streams are sources; other event source ARNs are rejected by service name.
 */
export class EventSourceMappings {
  readonly #options: EventSourceMappingsOptions;
  readonly #runners = new Map<string, MappingRunner>();
  /** The number of the latest change of each mapping; see `#settle`. */
  readonly #generations = new Map<string, number>();
  readonly #stopping = new Set<Promise<void>>();
  #source: StreamSource | undefined;
  #unsubscribe: (() => void) | undefined;
  #started = false;

  constructor(options: EventSourceMappingsOptions) {
    this.#options = options;
  }

  /** Sets the stream store that mappings read; pollers start once `start` ran. */
  useStreams(source: StreamSource): void {
    this.#unsubscribe?.();
    this.#source = source;
    this.#unsubscribe = source.onAppend((streamArn) => this.#wakeStream(streamArn));
    if (this.#started) this.#startAll();
  }

  /** Starts the pollers of every enabled mapping in the store. */
  start(): void {
    this.#started = true;
    this.#startAll();
  }

  /** Stops every poller; each finishes its batch in flight and keeps its checkpoint. */
  async close(): Promise<void> {
    this.#started = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const stops = [...this.#runners.keys()].map((uuid) => this.#stopRunner(uuid));
    await Promise.all([...stops, ...this.#stopping]);
  }

  /** Checks and stores a new mapping, then starts its pollers. The result is `Creating`. */
  create(request: NewMapping): EventSourceMapping {
    this.#checkFunction(request.functionName, request.qualifier);
    this.checkSource(request.eventSourceArn);
    this.#checkDestination(request.settings.onFailureDestination);
    if (request.templateKey === undefined) this.#checkDuplicate(request);

    const uuid = randomUUID();
    const mapping: EventSourceMapping = {
      uuid,
      eventSourceArn: request.eventSourceArn,
      functionName: request.functionName,
      qualifier: request.qualifier,
      enabled: request.enabled,
      state: 'Creating',
      stateTransitionReason: 'User action',
      lastModifiedMs: this.#nowMs(),
      lastProcessingResult: 'No records processed',
      settings: request.settings,
      templateKey: request.templateKey,
    };
    this.#options.table.put(mapping);
    if (request.settings.startingPosition === 'LATEST') this.#checkpointLatest(mapping);
    this.#settle(mapping);
    return mapping;
  }

  /** Applies changes to a mapping and restarts its pollers from their checkpoints. */
  update(uuid: string, changes: MappingChanges): EventSourceMapping {
    const existing = this.get(uuid);
    const functionName = changes.functionName ?? existing.functionName;
    const qualifier = changes.functionName === undefined ? existing.qualifier : changes.qualifier;
    const settings: MappingSettings = { ...existing.settings, ...definedOnly(changes.settings) };
    if (changes.clearOnFailureDestination === true) settings.onFailureDestination = undefined;
    this.#checkFunction(functionName, qualifier);
    this.#checkDestination(settings.onFailureDestination);

    const mapping: EventSourceMapping = {
      ...existing,
      functionName,
      qualifier,
      enabled: changes.enabled ?? existing.enabled,
      settings,
      state: 'Updating',
      stateTransitionReason: 'User action',
      lastModifiedMs: this.#nowMs(),
    };
    this.#options.table.put(mapping);
    this.#settle(mapping);
    return mapping;
  }

  /** Marks a mapping `Deleting`, then stops its pollers and removes it with its checkpoints. */
  delete(uuid: string): EventSourceMapping {
    const existing = this.get(uuid);
    const mapping: EventSourceMapping = { ...existing, state: 'Deleting' };
    this.#options.table.setState(uuid, 'Deleting');
    this.#generations.set(uuid, (this.#generations.get(uuid) ?? 0) + 1);
    void this.#stopRunner(uuid).then(() => this.#options.table.delete(uuid));
    return mapping;
  }

  /** Returns a mapping, or throws Lambda's ResourceNotFoundException. */
  get(uuid: string): EventSourceMapping {
    const mapping = this.#options.table.find(uuid);
    if (mapping === undefined) {
      throw new LambdaCraftError(
        'ResourceNotFoundException',
        `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`,
        { status: 404 },
      );
    }
    return mapping;
  }

  /** Returns the ARN of a table's current stream, or undefined when it has none enabled. */
  findStreamArn(tableName: string): string | undefined {
    return this.#source?.streamArnOf(tableName);
  }

  findByTemplateKey(templateKey: string): EventSourceMapping | undefined {
    return this.#options.table.findByTemplateKey(templateKey);
  }

  list(filter: MappingFilter = {}): EventSourceMapping[] {
    return this.#options.table
      .list()
      .filter(
        (mapping) =>
          (filter.eventSourceArn === undefined ||
            mapping.eventSourceArn === filter.eventSourceArn) &&
          (filter.functionName === undefined ||
            (mapping.functionName === filter.functionName &&
              (filter.qualifier === undefined || mapping.qualifier === filter.qualifier))),
      );
  }

  /** The ARN Lambda shows for a mapping's function, with the qualifier when it has one. */
  functionArnOf(mapping: EventSourceMapping): string {
    return functionArn(this.#options.account, mapping.functionName, mapping.qualifier);
  }

  /**
   * Moves a stored mapping to Enabled or Disabled once its old pollers stopped, and starts
   * new ones when enabled. Of several changes in quick succession only the last one settles.
   */
  #settle(mapping: EventSourceMapping): void {
    const { uuid } = mapping;
    const generation = (this.#generations.get(uuid) ?? 0) + 1;
    this.#generations.set(uuid, generation);
    const stopped = this.#stopRunner(uuid);
    void stopped.then(() => {
      if (this.#generations.get(uuid) !== generation) return;
      const stored = this.#options.table.find(uuid);
      if (stored === undefined || stored.state === 'Deleting') return;
      const state = stored.enabled ? 'Enabled' : 'Disabled';
      this.#options.table.setState(uuid, state);
      if (stored.enabled && this.#started) this.#startRunner({ ...stored, state });
    });
  }

  /** Stops a mapping's pollers; `close` waits for stops still under way. */
  #stopRunner(uuid: string): Promise<void> {
    const runner = this.#runners.get(uuid);
    this.#runners.delete(uuid);
    if (runner === undefined) return Promise.resolve();
    const stopped = runner.stop().finally(() => this.#stopping.delete(stopped));
    this.#stopping.add(stopped);
    return stopped;
  }

  #startAll(): void {
    for (const mapping of this.#options.table.list()) {
      if (mapping.state === 'Deleting') {
        this.#options.table.delete(mapping.uuid);
        continue;
      }
      const state = mapping.enabled ? 'Enabled' : 'Disabled';
      if (mapping.state !== state) this.#options.table.setState(mapping.uuid, state);
      if (mapping.enabled && !this.#runners.has(mapping.uuid)) {
        this.#startRunner({ ...mapping, state });
      }
    }
  }

  #startRunner(mapping: EventSourceMapping): void {
    const source = this.#source;
    if (source === undefined || this.#runners.has(mapping.uuid)) return;
    const runner = new MappingRunner({
      mapping,
      functionArn: this.functionArnOf(mapping),
      source,
      table: this.#options.table,
      invoker: this.#options.invoker,
      logger: this.#options.logger,
      nowMs: () => this.#nowMs(),
    });
    this.#runners.set(mapping.uuid, runner);
    runner.start();
  }

  #wakeStream(streamArn: string): void {
    for (const runner of this.#runners.values()) {
      if (runner.eventSourceArn === streamArn) runner.wake();
    }
  }

  /** Sets each shard's checkpoint to its newest record, so that only later records are read. */
  #checkpointLatest(mapping: EventSourceMapping): void {
    const source = this.#source;
    if (source === undefined) return;
    for (const shard of source.shards(mapping.eventSourceArn)) {
      const latest = source.latestSequence(mapping.eventSourceArn, shard.shardId);
      if (latest !== undefined) {
        this.#options.table.setCheckpoint(mapping.uuid, shard.shardId, latest);
      }
    }
  }

  #checkFunction(functionName: string, qualifier: string | undefined): void {
    this.#options.invoker.resolve(functionName, qualifier);
  }

  /** Raises InvalidParameterValueException unless the ARN is the stream of an existing table. */
  checkSource(eventSourceArn: string): void {
    if (!DYNAMODB_STREAM_ARN.test(eventSourceArn)) {
      const service = /^arn:[^:]+:([^:]+):/.exec(eventSourceArn)?.[1];
      throw invalidParameter(
        service === undefined
          ? `EventSourceArn '${eventSourceArn}' is not an ARN; pass the StreamArn of a DynamoDB table`
          : `event sources of service '${service}' are not supported by LambdaCraft; only DynamoDB streams can be mapped (EventSourceArn '${eventSourceArn}')`,
      );
    }
    try {
      if (this.#source === undefined) throw new Error('no stream store');
      this.#source.shards(eventSourceArn);
    } catch {
      throw invalidParameter(`Stream not found: ${eventSourceArn}`);
    }
  }

  /** Accepts only a function ARN that resolves; SQS, SNS and S3 destinations are not built. */
  #checkDestination(destination: string | undefined): void {
    if (destination === undefined) return;
    const service = /^arn:[^:]+:([^:]+):/.exec(destination)?.[1];
    if (service !== 'lambda') {
      throw invalidParameter(
        `OnFailure destination '${destination}' is not supported: LambdaCraft has no ${service === undefined ? 'such' : service.toUpperCase()} service; set a Lambda function ARN`,
      );
    }
    const reference = parseFunctionReference(destination);
    if (reference === undefined) {
      throw invalidParameter(`OnFailure destination '${destination}' is not a function ARN`);
    }
    try {
      this.#options.invoker.resolve(reference.functionName, reference.qualifier);
    } catch {
      throw invalidParameter(
        `OnFailure destination '${destination}' does not exist; create the function first`,
      );
    }
  }

  #checkDuplicate(request: NewMapping): void {
    const duplicate = this.list({ eventSourceArn: request.eventSourceArn }).find(
      (mapping) =>
        mapping.functionName === request.functionName && mapping.qualifier === request.qualifier,
    );
    if (duplicate === undefined) return;
    throw new LambdaCraftError(
      'ResourceConflictException',
      `The event source arn (" ${request.eventSourceArn} ") and function (" ${request.functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${duplicate.uuid}`,
      { status: 409 },
    );
  }

  #nowMs(): number {
    return (this.#options.nowMs ?? Date.now)();
  }
}

function invalidParameter(message: string): LambdaCraftError {
  return new LambdaCraftError('InvalidParameterValueException', message, { status: 400 });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined),
  ) as Partial<T>;
}
