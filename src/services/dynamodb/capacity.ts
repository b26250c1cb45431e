import type { TableDefinition } from './table-schema.js';

/** DynamoDB charges one write unit per started 1 KB written and one read unit per 4 KB. */
const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4096;

export function writeUnits(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / WRITE_UNIT_BYTES));
}

/** Read units for `sizeBytes` read at once; eventually consistent reads cost half. */
export function readUnits(sizeBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(sizeBytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

/** Capacity used by one request on one table, split by table and index. */
export class CapacityTally {
  readonly #table: TableDefinition;
  #tableRead = 0;
  #tableWrite = 0;
  readonly #indexes = new Map<string, { read: number; write: number; global: boolean }>();

  constructor(table: TableDefinition) {
    this.#table = table;
  }

  addRead(units: number, indexName?: string): void {
    if (indexName === undefined) this.#tableRead += units;
    else this.#index(indexName).read += units;
  }

  addWrite(units: number, indexName?: string): void {
    if (indexName === undefined) this.#tableWrite += units;
    else this.#index(indexName).write += units;
  }

  #index(name: string): { read: number; write: number; global: boolean } {
    let entry = this.#indexes.get(name);
    if (entry === undefined) {
      const global = this.#table.indexes.find((index) => index.name === name)?.global ?? true;
      entry = { read: 0, write: 0, global };
      this.#indexes.set(name, entry);
    }
    return entry;
  }

  /** The ConsumedCapacity member for ReturnConsumedCapacity TOTAL or INDEXES; else undefined. */
  toResponse(mode: unknown): Record<string, unknown> | undefined {
    if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
    let read = this.#tableRead;
    let write = this.#tableWrite;
    for (const entry of this.#indexes.values()) {
      read += entry.read;
      write += entry.write;
    }
    const response: Record<string, unknown> = {
      TableName: this.#table.name,
      CapacityUnits: read + write,
    };
    if (read > 0) response.ReadCapacityUnits = read;
    if (write > 0) response.WriteCapacityUnits = write;
    if (mode === 'TOTAL') return response;

    response.Table = units(this.#tableRead, this.#tableWrite);
    const local: Record<string, unknown> = {};
    const global: Record<string, unknown> = {};
    for (const [name, entry] of this.#indexes) {
      (entry.global ? global : local)[name] = units(entry.read, entry.write);
    }
    if (Object.keys(local).length > 0) response.LocalSecondaryIndexes = local;
    if (Object.keys(global).length > 0) response.GlobalSecondaryIndexes = global;
    return response;
  }
}

function units(read: number, write: number): Record<string, number> {
  const result: Record<string, number> = { CapacityUnits: read + write };
  if (read > 0) result.ReadCapacityUnits = read;
  if (write > 0) result.WriteCapacityUnits = write;
  return result;
}

/** Checks ReturnConsumedCapacity. */
export function isCapacityMode(mode: unknown): boolean {
  return mode === undefined || mode === 'TOTAL' || mode === 'INDEXES' || mode === 'NONE';
}
