import { createHash } from 'node:crypto';

import type { AttributeMap } from '../../services/dynamodb/attribute-value.js';
import type { EventSourceMappingTable } from '../../state/event-source-mappings.js';

/**
 * Returns the lane, 0 to `laneCount - 1`, of a stream record's `Keys` under
 * ParallelizationFactor `laneCount`. The lane is a hash of the item key (partition and sort
 * key), so every change of one item goes to the same lane. The AWS Lambda developer guide
 * (with-ddb) promises in-order processing at that level when a shard has several concurrent
 * batches.
 */
export function laneOf(keys: AttributeMap, laneCount: number): number {
  if (laneCount <= 1) return 0;
  const canonical = JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keys[name]]),
  );
  const digest = createHash('md5').update(canonical).digest();
  return digest.readUInt32BE(0) % laneCount;
}

/**
 * The committed checkpoint of one shard read by several lanes. Each lane reports how far it
 * finished its own records, and the shard checkpoint is the lowest of those positions, so
 * every record at or before it, of any lane, succeeded or was discarded. A restart reads from
 * there, and records that a faster lane finished after it are delivered again (at least once).
 */
export class ShardCheckpoint {
  readonly #table: EventSourceMappingTable;
  readonly #uuid: string;
  readonly #shardId: string;
  /** Per lane, the sequence number up to which the lane finished its records. */
  readonly #lanes: (string | undefined)[];
  #committed: string | undefined;

  constructor(table: EventSourceMappingTable, uuid: string, shardId: string, laneCount: number) {
    this.#table = table;
    this.#uuid = uuid;
    this.#shardId = shardId;
    this.#committed = table.checkpoint(uuid, shardId);
    this.#lanes = Array.from({ length: laneCount }, () => this.#committed);
  }

  /** The stored checkpoint: the last sequence number after which a restart reads. */
  get committed(): string | undefined {
    return this.#committed;
  }

  /**
   * Records that lane `lane` finished all its records up to `sequenceNumber`, and stores the
   * shard checkpoint when the lowest lane moved forward.
   */
  advance(lane: number, sequenceNumber: string): void {
    const current = this.#lanes[lane];
    if (current !== undefined && compareSequence(sequenceNumber, current) <= 0) return;
    this.#lanes[lane] = sequenceNumber;

    let lowest: string | undefined;
    for (const position of this.#lanes) {
      if (position === undefined) return;
      if (lowest === undefined || compareSequence(position, lowest) < 0) lowest = position;
    }
    if (lowest === undefined) return;
    if (this.#committed !== undefined && compareSequence(lowest, this.#committed) <= 0) return;
    this.#table.setCheckpoint(this.#uuid, this.#shardId, lowest);
    this.#committed = lowest;
  }
}

/** Orders two decimal sequence numbers of one shard. */
export function compareSequence(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  if (difference < 0n) return -1;
  return difference === 0n ? 0 : 1;
}
