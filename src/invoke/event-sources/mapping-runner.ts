import type { Logger } from '../../log.js';
import type { StreamSource } from '../../services/dynamodb/streams/stream-source.js';
import type { EventSourceMappingTable } from '../../state/event-source-mappings.js';
import type { Invoker } from '../invoker.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { ShardCheckpoint } from './shard-lanes.js';
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

/**
 * Runs one enabled mapping: for each shard of its stream, found on each wake, one ShardPoller
 * per lane, ParallelizationFactor lanes in all, sharing the shard's checkpoint.
 */
export class MappingRunner {
  readonly #options: MappingRunnerOptions;
  readonly #pollers = new Map<string, ShardPoller[]>();
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
    for (const lanes of this.#pollers.values()) {
      for (const poller of lanes) poller.wake();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const pollers = [...this.#pollers.values()].flat();
    await Promise.all(pollers.map((poller) => poller.stop()));
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
    const count = mapping.settings.parallelizationFactor;
    for (const { shardId } of shards) {
      if (this.#pollers.has(shardId)) continue;
      const checkpoint = new ShardCheckpoint(this.#options.table, mapping.uuid, shardId, count);
      const lanes = Array.from(
        { length: count },
        (_, index) =>
          new ShardPoller({ ...this.#options, shardId, lane: { index, count, checkpoint } }),
      );
      this.#pollers.set(shardId, lanes);
      for (const poller of lanes) poller.start();
    }
  }
}
