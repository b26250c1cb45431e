import type { TableStore } from '../../state/tables.js';
import { itemSize, type AttributeMap } from './attribute-value.js';
import { decimalOf } from './attribute-value.js';
import { encodeKey, indexEntriesOf, keyOf } from './keys.js';
import type { TableDefinition } from './table-schema.js';

/**
 * One committed change to an item, produced inside the transaction that writes it, with
 * the images a DynamoDB stream record carries.
 */
export interface ItemChange {
  table: TableDefinition;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: AttributeMap;
  oldImage: AttributeMap | undefined;
  newImage: AttributeMap | undefined;
  /** True for deletions DynamoDB makes itself (TTL expiry), which streams mark as `Service`. */
  byService: boolean;
}

/**
 * Called for every item change inside its SQLite transaction, so a stream record written
 * by the listener commits or rolls back with the item. A throw rolls the write back.
 */
export type TableWriteListener = (change: ItemChange) => void;

/**
 * The one place that writes items: it stores the row, replaces its index entries, keeps
 * the TTL expiry column and tells the listeners, all inside the caller's transaction.
 */
export class ItemWriter {
  readonly #store: TableStore;
  readonly #listeners = new Set<TableWriteListener>();

  constructor(store: TableStore) {
    this.#store = store;
  }

  /** Subscribes to item changes; returns the function that unsubscribes. */
  addListener(listener: TableWriteListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Returns the stored item with the key of `key`, or undefined. */
  read(table: TableDefinition, key: AttributeMap): AttributeMap | undefined {
    const row = this.#store.findItem(table.name, encodeKey(table, key));
    return row === undefined ? undefined : (JSON.parse(row.item) as AttributeMap);
  }

  /** Writes an item, replacing any item with its key; returns the old item. */
  put(table: TableDefinition, item: AttributeMap): AttributeMap | undefined {
    const key = encodeKey(table, item);
    const old = this.read(table, item);
    this.#store.putItem(
      table.name,
      { ...key, item: JSON.stringify(item), sizeBytes: itemSize(item) },
      expiryOf(table, item),
    );
    this.#store.replaceIndexEntries(table.name, key, indexEntriesOf(table, item));
    this.#notify({
      table,
      eventName: old === undefined ? 'INSERT' : 'MODIFY',
      keys: keyOf(table, item),
      oldImage: old,
      newImage: item,
      byService: false,
    });
    return old;
  }

  /** Deletes the item with this key, if any; returns it. */
  delete(
    table: TableDefinition,
    key: AttributeMap,
    options: { byService: boolean } = { byService: false },
  ): AttributeMap | undefined {
    const encoded = encodeKey(table, key);
    const old = this.read(table, key);
    if (old === undefined) return undefined;

    this.#store.deleteItem(table.name, encoded);
    this.#store.replaceIndexEntries(table.name, encoded, []);
    this.#notify({
      table,
      eventName: 'REMOVE',
      keys: keyOf(table, old),
      oldImage: old,
      newImage: undefined,
      byService: options.byService,
    });
    return old;
  }

  #notify(change: ItemChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/**
 * Returns the TTL expiry of an item in epoch seconds: the TTL attribute's value when it is
 * a number. DynamoDB ignores other types, and so does the sweep.
 */
export function expiryOf(table: TableDefinition, item: AttributeMap): number | undefined {
  if (table.ttlAttribute === undefined) return undefined;
  const value = item[table.ttlAttribute];
  if (value?.N === undefined) return undefined;
  const decimal = decimalOf(value);
  return Number(decimal.coefficient) * 10 ** decimal.exponent;
}
