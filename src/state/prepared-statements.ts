import type Database from 'better-sqlite3';

/**
 * The prepared statements of one store, by SQL text, and its transaction wrapper. Preparing
 * a statement costs more than running a small one, and `db.transaction` builds new functions
 * each time it is called. A statement used with `pluck()` keeps that mode, so its SQL text
 * must not also be run without it.
 */
export class PreparedStatements {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #transaction: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#transaction = db.transaction((work: () => unknown) => work());
  }

  /** Returns the statement for `sql`, prepared on first use. */
  get(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Prepares a statement of its own for `sql`. A statement is busy while an iterator over
   * it is open, so an iterator that may still be open when another one starts needs this.
   */
  prepareOwn(sql: string): Database.Statement {
    return this.#db.prepare(sql);
  }

  /** Runs `work` in a transaction, or in a savepoint inside an open one. A throw rolls back. */
  transaction<T>(work: () => T): T {
    return this.#transaction(work) as T;
  }
}
