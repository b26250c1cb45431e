import type { AttributeMap } from './attribute-value.js';
import { findTable, type DynamoDBContext } from './context.js';

/** Items deleted per table in one sweep, so a sweep never holds the database for long. */
const SWEEP_BATCH = 500;
/** DynamoDB skips TTL values more than five years in the past. */
const MAX_PAST_SECONDS = 5 * 365 * 24 * 3600;

/**
 * Deletes items whose TTL attribute (epoch seconds) has passed, as a service deletion:
 * the change carries `byService`, which streams turn into a `Service` userIdentity.
 */
export class TtlSweeper {
  readonly #context: DynamoDBContext;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(context: DynamoDBContext, intervalMs: number) {
    this.#context = context;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.#context.logger.error({ err: error }, 'ttl sweep failed');
      }
    }, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Deletes expired items of every table with TTL enabled; returns how many. */
  sweep(): number {
    const { store, writer } = this.#context;
    const nowS = this.#context.nowMs() / 1000;
    let deleted = 0;
    for (const name of allTableNames(this.#context)) {
      const table = findTable(this.#context, name);
      if (table?.ttlAttribute === undefined) continue;
      store.transaction(() => {
        for (const row of store.expiredItems(table.name, nowS, SWEEP_BATCH)) {
          const item = JSON.parse(row.item) as AttributeMap;
          const expiry = Number(item[table.ttlAttribute ?? '']?.N);
          if (nowS - expiry > MAX_PAST_SECONDS) {
            store.setExpiry(table.name, row, undefined);
            continue;
          }
          writer.delete(table, item, { byService: true });
          deleted += 1;
        }
      });
    }
    if (deleted > 0) this.#context.logger.info({ deleted }, 'deleted expired items');
    return deleted;
  }
}

function allTableNames(context: DynamoDBContext): string[] {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = context.store.listTableNames(after, 100);
    names.push(...page);
    if (page.length < 100) return names;
    after = page[page.length - 1];
  }
}
