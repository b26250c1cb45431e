import type Database from 'better-sqlite3';

import { PreparedStatements } from './prepared-statements.js';

/** One bucket's notification configurations as stored: S3's JSON shapes, not parsed here. */
export interface StoredNotifications {
  bucket: string;
  /** The configurations as JSON text; the notifications service owns their shape. */
  configurations: string;
}

export const NOTIFICATIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_notifications (
  bucket TEXT PRIMARY KEY,
  configurations TEXT NOT NULL
);
`;

/**
 * The buckets' notification configurations. They are accepted configuration, so every write
 * commits before it returns. A bucket without a row has no configurations.
 */
export class NotificationTable {
  readonly #sql: PreparedStatements;

  constructor(db: Database.Database) {
    this.#sql = new PreparedStatements(db);
  }

  /** Returns a bucket's configurations as JSON text, or undefined when it has none. */
  find(bucket: string): string | undefined {
    // Every object write looks its bucket up here.
    return this.#sql
      .get('SELECT configurations FROM s3_notifications WHERE bucket = ?')
      .pluck()
      .get(bucket) as string | undefined;
  }

  /** Replaces a bucket's configurations. */
  put(bucket: string, configurations: string): void {
    this.#sql
      .get('INSERT OR REPLACE INTO s3_notifications (bucket, configurations) VALUES (?, ?)')
      .run(bucket, configurations);
  }

  /** Removes a bucket's configurations, as deleting the bucket does. */
  delete(bucket: string): void {
    this.#sql.get('DELETE FROM s3_notifications WHERE bucket = ?').run(bucket);
  }
}
