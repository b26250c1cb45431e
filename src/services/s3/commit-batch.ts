import type { ObjectTable } from '../../state/objects.js';

interface QueuedCommit {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of object rows: the metadata writes that requests queue during one turn of
 * the event loop run in one SQLite transaction, each in a savepoint of its own. A write that
 * raises rolls back only its savepoint and rejects only its own promise. Every promise
 * settles after the shared transaction committed, so a request that awaits its commit
 * before it responds responds with its row stored. Concurrent small PutObject requests
 * then share one commit in place of one each.
 */
export class CommitBatch {
  readonly #objects: ObjectTable;
  #queue: QueuedCommit[] = [];

  constructor(objects: ObjectTable) {
    this.#objects = objects;
  }

  /** Runs `work` in the next batch's transaction and resolves to its result. */
  commit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const items = this.#queue;
    this.#queue = [];
    const outcomes: ({ value: unknown } | { error: unknown })[] = [];
    try {
      this.#objects.inTransaction(() => {
        for (const item of items) outcomes.push(this.#run(item));
      });
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    items.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome !== undefined && 'value' in outcome) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  #run(item: QueuedCommit): { value: unknown } | { error: unknown } {
    try {
      return { value: this.#objects.inTransaction(item.work) };
    } catch (error) {
      return { error };
    }
  }
}
