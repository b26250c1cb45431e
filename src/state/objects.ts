import type Database from 'better-sqlite3';

import { PreparedStatements } from './prepared-statements.js';

/** A bucket of the object store. */
export interface BucketRecord {
  name: string;
  region: string;
  createdAtMs: number;
}

/** A file under `<dataDir>/objects/` and its size in bytes. */
export interface ObjectFile {
  fileId: string;
  size: number;
}

/** The stored attributes of an object, besides its bucket and key. */
export interface ObjectAttributes {
  /**
   * The files whose bytes, in this order, are the object: one file, or the part files of
   * a multipart upload. Never empty.
   */
  files: ObjectFile[];
  size: number;
  /** The quoted ETag, as S3 sends it. */
  eTag: string;
  lastModifiedMs: number;
  /** Content-Type, Cache-Control and the other stored HTTP headers, by lowercase name. */
  headers: Record<string, string>;
  /** User metadata (`x-amz-meta-*`), by the lowercase name after the prefix. */
  metadata: Record<string, string>;
  tags: Record<string, string>;
  /** Flexible checksums in base64 by algorithm (`crc32`, `sha256`...). */
  checksums: Record<string, string>;
  /** The part sizes in bytes of an object made by a multipart upload, in part order. */
  partSizes: number[] | undefined;
}

export interface StoredObject extends ObjectAttributes {
  bucket: string;
  key: string;
  /** Hexadecimal, increasing with every change of any object: S3's event `sequencer`. */
  sequencer: string;
}

/** The outcome of a change to an object row, for notifications and file cleanup. */
export interface ObjectChange {
  sequencer: string;
  /** The files of the object the change replaced or removed, to delete after the commit. */
  replacedFileIds: string[];
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedMs: number;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  /** The algorithm named by `x-amz-checksum-algorithm` at creation, if any. */
  checksumAlgorithm: string | undefined;
}

export interface UploadedPart {
  partNumber: number;
  fileId: string;
  size: number;
  eTag: string;
  lastModifiedMs: number;
  checksums: Record<string, string>;
}

export const OBJECTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_buckets (
  name TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
-- file_id is the object's file, or '' when the object is several files listed in
-- s3_object_files (a multipart upload's parts).
CREATE TABLE IF NOT EXISTS s3_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  sequencer INTEGER NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  tags TEXT NOT NULL,
  checksums TEXT NOT NULL,
  part_sizes TEXT,
  PRIMARY KEY (bucket, key)
);
CREATE INDEX IF NOT EXISTS s3_objects_by_file ON s3_objects (file_id);
CREATE TABLE IF NOT EXISTS s3_object_files (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  position INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (bucket, key, position)
);
CREATE INDEX IF NOT EXISTS s3_object_files_by_file ON s3_object_files (file_id);
CREATE TABLE IF NOT EXISTS s3_uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  tags TEXT NOT NULL,
  checksum_algorithm TEXT
);
CREATE INDEX IF NOT EXISTS s3_uploads_by_key ON s3_uploads (bucket, key, initiated_ms);
CREATE TABLE IF NOT EXISTS s3_parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  checksums TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX IF NOT EXISTS s3_parts_by_file ON s3_parts (file_id);
CREATE TABLE IF NOT EXISTS s3_sequence (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO s3_sequence (id, value) VALUES (1, 0);
`;

/** The `s3_objects.file_id` of an object whose files are rows of `s3_object_files`. */
const SEVERAL_FILES = '';

interface ObjectRow {
  bucket: string;
  key: string;
  file_id: string;
  size: number;
  etag: string;
  last_modified_ms: number;
  sequencer: number;
  headers: string;
  metadata: string;
  tags: string;
  checksums: string;
  part_sizes: string | null;
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated_ms: number;
  headers: string;
  metadata: string;
  tags: string;
  checksum_algorithm: string | null;
}

interface PartRow {
  part_number: number;
  file_id: string;
  size: number;
  etag: string;
  last_modified_ms: number;
  checksums: string;
}

/**
 * The object store's metadata: buckets, object rows, multipart uploads and their parts.
 * Every method commits before it returns, because an object is accepted work. Object bytes
 * live in files that rows point at by id (src/services/s3/object-files.ts).
 */
export class ObjectTable {
  readonly #sql: PreparedStatements;

  constructor(db: Database.Database) {
    this.#sql = new PreparedStatements(db);
  }

  /**
   * Runs `work` in a transaction, or in a savepoint when one is open already, so that what
   * it writes commits or rolls back together.
   */
  inTransaction<T>(work: () => T): T {
    return this.#sql.transaction(work);
  }

  /** Creates a bucket; returns false when one of that name exists. */
  createBucket(bucket: BucketRecord): boolean {
    const result = this.#sql
      .get('INSERT OR IGNORE INTO s3_buckets (name, region, created_at_ms) VALUES (?, ?, ?)')
      .run(bucket.name, bucket.region, bucket.createdAtMs);
    return result.changes === 1;
  }

  findBucket(name: string): BucketRecord | undefined {
    const row = this.#sql
      .get('SELECT name, region, created_at_ms AS createdAtMs FROM s3_buckets WHERE name = ?')
      .get(name) as BucketRecord | undefined;
    return row;
  }

  listBuckets(): BucketRecord[] {
    return this.#sql
      .get('SELECT name, region, created_at_ms AS createdAtMs FROM s3_buckets ORDER BY name')
      .all() as BucketRecord[];
  }

  /**
   * Deletes an empty bucket with its unfinished multipart uploads. Returns the files of
   * their parts to remove, or undefined when the bucket still contains objects.
   */
  deleteBucket(name: string): string[] | undefined {
    return this.inTransaction(() => {
      const hasObjects = this.#sql
        .get('SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1')
        .get(name);
      if (hasObjects !== undefined) return undefined;

      const partFiles = this.#sql
        .get(
          `SELECT file_id FROM s3_parts WHERE upload_id IN
             (SELECT upload_id FROM s3_uploads WHERE bucket = ?)`,
        )
        .pluck()
        .all(name) as string[];
      this.#sql
        .get(
          'DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)',
        )
        .run(name);
      this.#sql.get('DELETE FROM s3_uploads WHERE bucket = ?').run(name);
      this.#sql.get('DELETE FROM s3_buckets WHERE name = ?').run(name);
      return partFiles;
    });
  }

  findObject(bucket: string, key: string): StoredObject | undefined {
    const row = this.#sql
      .get('SELECT * FROM s3_objects WHERE bucket = ? AND key = ?')
      .get(bucket, key) as ObjectRow | undefined;
    return row === undefined ? undefined : this.#objectFromRow(row);
  }

  /**
   * Stores an object, replacing the row of the same key. `withinTransaction` runs after the
   * row is written and before the commit, so that writes it makes (queued notifications)
   * commit with the object.
   */
  putObject(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    withinTransaction?: (change: ObjectChange) => void,
  ): ObjectChange {
    return this.inTransaction(() => {
      const change = this.#putObject(bucket, key, attributes);
      withinTransaction?.(change);
      return change;
    });
  }

  #putObject(bucket: string, key: string, attributes: ObjectAttributes): ObjectChange {
    const [onlyFile, ...moreFiles] = attributes.files;
    if (onlyFile === undefined) throw new Error(`object '${key}' has no files`);
    const previous = this.#deleteObjectRow(bucket, key) ?? [];
    const sequencer = this.#nextSequencer();
    this.#sql
      .get(
        `INSERT OR REPLACE INTO s3_objects (bucket, key, file_id, size, etag, last_modified_ms,
           sequencer, headers, metadata, tags, checksums, part_sizes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        bucket,
        key,
        moreFiles.length === 0 ? onlyFile.fileId : SEVERAL_FILES,
        attributes.size,
        attributes.eTag,
        attributes.lastModifiedMs,
        sequencer,
        JSON.stringify(attributes.headers),
        JSON.stringify(attributes.metadata),
        JSON.stringify(attributes.tags),
        JSON.stringify(attributes.checksums),
        attributes.partSizes === undefined ? null : JSON.stringify(attributes.partSizes),
      );
    if (moreFiles.length > 0) {
      const insertFile = this.#sql.get(
        `INSERT INTO s3_object_files (bucket, key, position, file_id, size)
         VALUES (?, ?, ?, ?, ?)`,
      );
      attributes.files.forEach((file, position) =>
        insertFile.run(bucket, key, position, file.fileId, file.size),
      );
    }
    const newFileIds = new Set(attributes.files.map((file) => file.fileId));
    return {
      sequencer: formatSequencer(sequencer),
      replacedFileIds: previous.filter((fileId) => !newFileIds.has(fileId)),
    };
  }

  /** Deletes an object's row and file rows; returns its file ids, or undefined without one. */
  #deleteObjectRow(bucket: string, key: string): string[] | undefined {
    const fileId = this.#sql
      .get('DELETE FROM s3_objects WHERE bucket = ? AND key = ? RETURNING file_id')
      .pluck()
      .get(bucket, key) as string | undefined;
    if (fileId === undefined) return undefined;
    if (fileId !== SEVERAL_FILES) return [fileId];
    const rows = this.#sql
      .get('DELETE FROM s3_object_files WHERE bucket = ? AND key = ? RETURNING position, file_id')
      .all(bucket, key) as { position: number; file_id: string }[];
    return rows.sort((a, b) => a.position - b.position).map((row) => row.file_id);
  }

  /** Reads the files of an object row in order. */
  #filesOf(row: ObjectRow): ObjectFile[] {
    if (row.file_id !== SEVERAL_FILES) return [{ fileId: row.file_id, size: row.size }];
    return this.#sql
      .get(
        `SELECT file_id AS fileId, size FROM s3_object_files WHERE bucket = ? AND key = ?
         ORDER BY position`,
      )
      .all(row.bucket, row.key) as ObjectFile[];
  }

  /** Deletes an object's row; undefined when there was none. See putObject for the callback. */
  deleteObject(
    bucket: string,
    key: string,
    withinTransaction?: (change: ObjectChange) => void,
  ): ObjectChange | undefined {
    return this.inTransaction(() => {
      const fileIds = this.#deleteObjectRow(bucket, key);
      if (fileIds === undefined) return undefined;
      const change = {
        sequencer: formatSequencer(this.#nextSequencer()),
        replacedFileIds: fileIds,
      };
      withinTransaction?.(change);
      return change;
    });
  }

  /** Replaces an object's tag set; false when the object does not exist. */
  setTags(bucket: string, key: string, tags: Record<string, string>): boolean {
    const result = this.#sql
      .get('UPDATE s3_objects SET tags = ? WHERE bucket = ? AND key = ?')
      .run(JSON.stringify(tags), bucket, key);
    return result.changes === 1;
  }

  /**
   * The objects of a bucket whose keys start with `prefix` and sort after `afterKey`, in
   * S3's order (UTF-8 bytes, which is SQLite's BINARY collation), read lazily.
   */
  *objectsAfter(bucket: string, prefix: string, afterKey: string): Generator<StoredObject> {
    // A statement is busy while an iterator over it is open, so two listings at once need
    // statements of their own rather than the cached one.
    const rows = this.#sql
      .prepareOwn(
        `SELECT * FROM s3_objects WHERE bucket = ? AND key > ? AND key >= ?
           ORDER BY key`,
      )
      .iterate(bucket, afterKey, prefix) as IterableIterator<ObjectRow>;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) return;
      yield this.#objectFromRow(row);
    }
  }

  createUpload(upload: MultipartUpload): void {
    this.#sql
      .get(
        `INSERT INTO s3_uploads (upload_id, bucket, key, initiated_ms, headers, metadata, tags,
           checksum_algorithm) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        upload.uploadId,
        upload.bucket,
        upload.key,
        upload.initiatedMs,
        JSON.stringify(upload.headers),
        JSON.stringify(upload.metadata),
        JSON.stringify(upload.tags),
        upload.checksumAlgorithm ?? null,
      );
  }

  findUpload(uploadId: string): MultipartUpload | undefined {
    const row = this.#sql.get('SELECT * FROM s3_uploads WHERE upload_id = ?').get(uploadId) as
      UploadRow | undefined;
    return row === undefined ? undefined : uploadFromRow(row);
  }

  /** Unfinished uploads of a bucket, ordered by key and then by initiation time. */
  listUploads(bucket: string, prefix: string): MultipartUpload[] {
    const rows = this.#sql
      .get(
        `SELECT * FROM s3_uploads WHERE bucket = ? AND key >= ? ORDER BY key, initiated_ms, upload_id`,
      )
      .all(bucket, prefix) as UploadRow[];
    return rows.filter((row) => row.key.startsWith(prefix)).map(uploadFromRow);
  }

  /** Deletes an upload and its parts; returns the parts' files, or undefined without one. */
  deleteUpload(uploadId: string): string[] | undefined {
    return this.inTransaction(() => this.#deleteUpload(uploadId));
  }

  #deleteUpload(uploadId: string): string[] | undefined {
    const deleted = this.#sql.get('DELETE FROM s3_uploads WHERE upload_id = ?').run(uploadId);
    if (deleted.changes === 0) return undefined;
    return this.#sql
      .get('DELETE FROM s3_parts WHERE upload_id = ? RETURNING file_id')
      .pluck()
      .all(uploadId) as string[];
  }

  /**
   * Stores a part, replacing one of the same number. Returns the replaced part's file, or
   * false when the upload no longer exists (aborted or completed meanwhile).
   */
  putPart(uploadId: string, part: UploadedPart): string | undefined | false {
    return this.inTransaction(() => {
      if (this.findUpload(uploadId) === undefined) return false;
      const previous = this.#sql
        .get('SELECT file_id FROM s3_parts WHERE upload_id = ? AND part_number = ?')
        .pluck()
        .get(uploadId, part.partNumber) as string | undefined;
      this.#sql
        .get(
          `INSERT OR REPLACE INTO s3_parts (upload_id, part_number, file_id, size, etag,
             last_modified_ms, checksums) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          uploadId,
          part.partNumber,
          part.fileId,
          part.size,
          part.eTag,
          part.lastModifiedMs,
          JSON.stringify(part.checksums),
        );
      return previous;
    });
  }

  listParts(uploadId: string): UploadedPart[] {
    const rows = this.#sql
      .get('SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number')
      .all(uploadId) as PartRow[];
    return rows.map((row) => ({
      partNumber: row.part_number,
      fileId: row.file_id,
      size: row.size,
      eTag: row.etag,
      lastModifiedMs: row.last_modified_ms,
      checksums: JSON.parse(row.checksums) as Record<string, string>,
    }));
  }

  /**
   * Turns an upload into an object in one transaction: the upload and its part rows are
   * deleted and the object row is stored, naming the part files in `attributes.files`.
   * Returns the change and the files of parts the object does not use, to remove after
   * the commit, or undefined when the upload no longer exists. See putObject for the
   * callback.
   */
  completeUpload(
    upload: MultipartUpload,
    attributes: ObjectAttributes,
    withinTransaction?: (change: ObjectChange) => void,
  ): { change: ObjectChange; unusedPartFileIds: string[] } | undefined {
    return this.inTransaction(() => {
      const partFileIds = this.#deleteUpload(upload.uploadId);
      if (partFileIds === undefined) return undefined;
      const change = this.#putObject(upload.bucket, upload.key, attributes);
      withinTransaction?.(change);
      const used = new Set(attributes.files.map((file) => file.fileId));
      return { change, unusedPartFileIds: partFileIds.filter((fileId) => !used.has(fileId)) };
    });
  }

  /** True when an object row, an object's file row or a part row points at the file. */
  isFileReferenced(fileId: string): boolean {
    const row = this.#sql
      .get(
        `SELECT 1 FROM s3_objects WHERE file_id = @fileId
         UNION ALL SELECT 1 FROM s3_object_files WHERE file_id = @fileId
         UNION ALL SELECT 1 FROM s3_parts WHERE file_id = @fileId LIMIT 1`,
      )
      .get({ fileId });
    return row !== undefined;
  }

  #objectFromRow(row: ObjectRow): StoredObject {
    return {
      bucket: row.bucket,
      key: row.key,
      files: this.#filesOf(row),
      size: row.size,
      eTag: row.etag,
      lastModifiedMs: row.last_modified_ms,
      sequencer: formatSequencer(row.sequencer),
      headers: JSON.parse(row.headers) as Record<string, string>,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      tags: JSON.parse(row.tags) as Record<string, string>,
      checksums: JSON.parse(row.checksums) as Record<string, string>,
      partSizes: row.part_sizes === null ? undefined : (JSON.parse(row.part_sizes) as number[]),
    };
  }

  #nextSequencer(): number {
    return this.#sql
      .get('UPDATE s3_sequence SET value = value + 1 WHERE id = 1 RETURNING value')
      .pluck()
      .get() as number;
  }
}

/** S3 sequencers are hexadecimal strings; fixed width keeps them ordered as strings too. */
function formatSequencer(value: number): string {
  return value.toString(16).toUpperCase().padStart(16, '0');
}

function uploadFromRow(row: UploadRow): MultipartUpload {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiatedMs: row.initiated_ms,
    headers: JSON.parse(row.headers) as Record<string, string>,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    tags: JSON.parse(row.tags) as Record<string, string>,
    checksumAlgorithm: row.checksum_algorithm ?? undefined,
  };
}
