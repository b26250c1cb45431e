import type Database from 'better-sqlite3';

import type {
  EventSourceMapping,
  MappingSettings,
  MappingState,
} from '../invoke/event-sources/mapping-settings.js';

export const EVENT_SOURCE_MAPPINGS_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_source_mappings (
  uuid TEXT PRIMARY KEY,
  event_source_arn TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  enabled INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_transition_reason TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  last_processing_result TEXT NOT NULL,
  settings TEXT NOT NULL,
  template_key TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS event_source_checkpoints (
  uuid TEXT NOT NULL,
  shard_id TEXT NOT NULL,
  sequence_number TEXT NOT NULL,
  PRIMARY KEY (uuid, shard_id)
);
`;

interface MappingRow {
  uuid: string;
  event_source_arn: string;
  function_name: string;
  qualifier: string | null;
  enabled: number;
  state: string;
  state_transition_reason: string;
  last_modified_ms: number;
  last_processing_result: string;
  settings: string;
  template_key: string | null;
}

/**
 * The event source mappings and their checkpoints: per mapping and shard, the sequence
 * number of the last record the function processed. Every method commits before it
 * returns, so a checkpoint written after a successful batch survives a crash, and a crash
 * before it only repeats that batch.
 */
export class EventSourceMappingTable {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Inserts or replaces a mapping; its checkpoints stay. */
  put(mapping: EventSourceMapping): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO event_source_mappings (uuid, event_source_arn, function_name,
           qualifier, enabled, state, state_transition_reason, last_modified_ms,
           last_processing_result, settings, template_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        mapping.uuid,
        mapping.eventSourceArn,
        mapping.functionName,
        mapping.qualifier ?? null,
        mapping.enabled ? 1 : 0,
        mapping.state,
        mapping.stateTransitionReason,
        mapping.lastModifiedMs,
        mapping.lastProcessingResult,
        JSON.stringify(mapping.settings),
        mapping.templateKey ?? null,
      );
  }

  find(uuid: string): EventSourceMapping | undefined {
    const row = this.#db.prepare('SELECT * FROM event_source_mappings WHERE uuid = ?').get(uuid) as
      MappingRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  findByTemplateKey(templateKey: string): EventSourceMapping | undefined {
    const row = this.#db
      .prepare('SELECT * FROM event_source_mappings WHERE template_key = ?')
      .get(templateKey) as MappingRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /** Lists every mapping, oldest change first, then by UUID. */
  list(): EventSourceMapping[] {
    const rows = this.#db
      .prepare('SELECT * FROM event_source_mappings ORDER BY last_modified_ms, uuid')
      .all() as MappingRow[];
    return rows.map(fromRow);
  }

  setState(uuid: string, state: MappingState): void {
    this.#db.prepare('UPDATE event_source_mappings SET state = ? WHERE uuid = ?').run(state, uuid);
  }

  setLastProcessingResult(uuid: string, result: string): void {
    this.#db
      .prepare('UPDATE event_source_mappings SET last_processing_result = ? WHERE uuid = ?')
      .run(result, uuid);
  }

  /** Deletes a mapping and its checkpoints. */
  delete(uuid: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM event_source_mappings WHERE uuid = ?').run(uuid);
      this.#db.prepare('DELETE FROM event_source_checkpoints WHERE uuid = ?').run(uuid);
    })();
  }

  /** Returns the sequence number after which a shard is read, or undefined to read from its start. */
  checkpoint(uuid: string, shardId: string): string | undefined {
    const row = this.#db
      .prepare(
        'SELECT sequence_number FROM event_source_checkpoints WHERE uuid = ? AND shard_id = ?',
      )
      .get(uuid, shardId) as { sequence_number: string } | undefined;
    return row?.sequence_number;
  }

  setCheckpoint(uuid: string, shardId: string, sequenceNumber: string): void {
    this.#db
      .prepare(
        `INSERT INTO event_source_checkpoints (uuid, shard_id, sequence_number) VALUES (?, ?, ?)
         ON CONFLICT (uuid, shard_id) DO UPDATE SET sequence_number = excluded.sequence_number`,
      )
      .run(uuid, shardId, sequenceNumber);
  }
}

function fromRow(row: MappingRow): EventSourceMapping {
  return {
    uuid: row.uuid,
    eventSourceArn: row.event_source_arn,
    functionName: row.function_name,
    qualifier: row.qualifier ?? undefined,
    enabled: row.enabled === 1,
    state: row.state as MappingState,
    stateTransitionReason: row.state_transition_reason,
    lastModifiedMs: row.last_modified_ms,
    lastProcessingResult: row.last_processing_result,
    settings: JSON.parse(row.settings) as MappingSettings,
    templateKey: row.template_key ?? undefined,
  };
}
