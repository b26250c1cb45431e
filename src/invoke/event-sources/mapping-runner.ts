import type { Logger } from '../../log.js';
import type { StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import type { EventSourceMappingTable } from '../../state/event-source-mappings.js';
import type { Invoker } from '../invoker.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { ShardPoller } from './shard-poller.js';

export interface MappingRunnerOptions {
  mapping: EventSourceMapping;
  functionArn: string;
  source: StreamSource;
  table: EventSourceMappingTable;
  invoker: Pick<Invoker, 'invoke' | 'enqueue'>;
  logger: Logger;
  nowMs: () => number;
}

/** Runs one enabled mapping: a ShardPoller for each shard of its stream, found on each wake. */
export class MappingRunner {
  readonly #options: MappingRunnerOptions;
  readonly #pollers = new Map<string, ShardPoller>();
  #stopped = false;

  constructor(options: MappingRunnerOptions) {
    this.#options = options;
  }

  get eventSourceArn(): string {
    return this.#options.mapping.eventSourceArn;
  }

  start(): void {
    this.#refreshShards();
  }

  /** Starts pollers for new shards and wakes every poller: the stream has new records. */
  wake(): void {
    if (this.#stopped) return;
    this.#refreshShards();
    for (const poller of this.#pollers.values()) poller.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#pollers.values()].map((poller) => poller.stop()));
  }

  #refreshShards(): void {
    const { source, mapping, logger } = this.#options;
    let shards: ReturnType<StreamSource['shards']>;
    try {
      shards = source.shards(mapping.eventSourceArn);
    } catch (error) {
      logger.warn(
        {
          err: error,
          eventSourceMappingUuid: mapping.uuid,
          eventSourceArn: mapping.eventSourceArn,
        },
        'stream of event source mapping not found',
      );
      return;
    }
    for (const shard of shards) {
      if (this.#pollers.has(shard.shardId)) continue;
      const poller = new ShardPoller({ ...this.#options, shardId: shard.shardId });
      this.#pollers.set(shard.shardId, poller);
      poller.start();
    }
  }
}
