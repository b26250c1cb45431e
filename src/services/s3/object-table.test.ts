import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import Database from 'better-sqlite3';

import {
  OBJECTS_SCHEMA,
  ObjectTable,
  type ObjectAttributes,
  type MultipartUpload,
  type ObjectFile,
  type UploadedPart,
} from '../../state/objects.js';

/** The object tables as releases without `s3_object_files` created them. */
const SINGLE_FILE_SCHEMA = `
CREATE TABLE s3_buckets (name TEXT PRIMARY KEY, region TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
CREATE TABLE s3_objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, file_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified_ms INTEGER NOT NULL, sequencer INTEGER NOT NULL,
  headers TEXT NOT NULL, metadata TEXT NOT NULL, tags TEXT NOT NULL, checksums TEXT NOT NULL,
  part_sizes TEXT, PRIMARY KEY (bucket, key)
);
CREATE INDEX s3_objects_by_file ON s3_objects (file_id);
CREATE TABLE s3_uploads (
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL,
  tags TEXT NOT NULL, checksum_algorithm TEXT
);
CREATE TABLE s3_parts (
  upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, file_id TEXT NOT NULL,
  size INTEGER NOT NULL, etag TEXT NOT NULL, last_modified_ms INTEGER NOT NULL,
  checksums TEXT NOT NULL, PRIMARY KEY (upload_id, part_number)
);
CREATE TABLE s3_sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO s3_sequence (id, value) VALUES (1, 7);
`;

function fileId(digit: string): string {
  return digit.repeat(32);
}

function attributes(files: ObjectFile[], partSizes?: number[]): ObjectAttributes {
  return {
    files,
    size: files.reduce((total, file) => total + file.size, 0),
    eTag: '"e"',
    lastModifiedMs: 0,
    headers: {},
    metadata: {},
    tags: {},
    checksums: {},
    partSizes,
  };
}

function part(partNumber: number, id: string, size: number): UploadedPart {
  return {
    partNumber,
    fileId: id,
    size,
    eTag: `"${partNumber}"`,
    lastModifiedMs: 0,
    checksums: {},
  };
}

function newTable(): { db: Database.Database; table: ObjectTable } {
  const db = new Database(':memory:');
  db.exec(OBJECTS_SCHEMA);
  return { db, table: new ObjectTable(db) };
}

describe('object table', () => {
  it('reads rows of the single-file schema', () => {
    const db = new Database(':memory:');
    db.exec(SINGLE_FILE_SCHEMA);
    const insert = db.prepare(
      `INSERT INTO s3_objects (bucket, key, file_id, size, etag, last_modified_ms, sequencer,
         headers, metadata, tags, checksums, part_sizes)
       VALUES ('photos', ?, ?, ?, '"e"', 0, 1, '{}', '{}', '{}', '{}', ?)`,
    );
    insert.run('plain', fileId('a'), 5, null);
    // A multipart object completed by a release that joined the parts into one file.
    insert.run('joined', fileId('b'), 5 * 1024 * 1024 + 3, JSON.stringify([5 * 1024 * 1024, 3]));

    db.exec(OBJECTS_SCHEMA);
    const table = new ObjectTable(db);
    assert.deepEqual(table.findObject('photos', 'plain')?.files, [
      { fileId: fileId('a'), size: 5 },
    ]);
    const joined = table.findObject('photos', 'joined');
    assert.deepEqual(joined?.files, [{ fileId: fileId('b'), size: 5 * 1024 * 1024 + 3 }]);
    assert.deepEqual(joined?.partSizes, [5 * 1024 * 1024, 3]);
    assert.ok(table.isFileReferenced(fileId('b')));

    const replaced = table.putObject(
      'photos',
      'plain',
      attributes([{ fileId: fileId('c'), size: 1 }]),
    );
    assert.deepEqual(replaced.replacedFileIds, [fileId('a')]);
    assert.equal(replaced.sequencer, '0000000000000008');
    assert.deepEqual(table.deleteObject('photos', 'joined')?.replacedFileIds, [fileId('b')]);
    assert.ok(!table.isFileReferenced(fileId('b')));
  });

  it('stores an object of several files', () => {
    const { table } = newTable();
    const files = [
      { fileId: fileId('3'), size: 10 },
      { fileId: fileId('1'), size: 20 },
      { fileId: fileId('2'), size: 0 },
    ];
    table.putObject('photos', 'big', attributes(files, [10, 20, 0]));

    const stored = table.findObject('photos', 'big');
    assert.deepEqual(stored?.files, files);
    assert.equal(stored?.size, 30);
    assert.deepEqual(
      [...table.objectsAfter('photos', '', '')].map((item) => item.files),
      [files],
    );
    for (const file of files) assert.ok(table.isFileReferenced(file.fileId));

    const overwritten = table.putObject(
      'photos',
      'big',
      attributes([{ fileId: fileId('4'), size: 1 }]),
    );
    assert.deepEqual(
      overwritten.replacedFileIds,
      files.map((file) => file.fileId),
    );
    for (const file of files) assert.ok(!table.isFileReferenced(file.fileId));
    assert.deepEqual(table.findObject('photos', 'big')?.files, [{ fileId: fileId('4'), size: 1 }]);

    table.putObject('photos', 'big', attributes(files));
    assert.deepEqual(table.deleteObject('photos', 'big')?.replacedFileIds, [
      fileId('3'),
      fileId('1'),
      fileId('2'),
    ]);
    assert.equal(table.findObject('photos', 'big'), undefined);
    for (const file of files) assert.ok(!table.isFileReferenced(file.fileId));
  });

  it('completeUpload keeps listed part files', () => {
    const { table } = newTable();
    table.putObject('photos', 'key', attributes([{ fileId: fileId('9'), size: 4 }]));
    const upload = newUpload('u1');
    table.createUpload(upload);
    table.putPart('u1', part(1, fileId('a'), 8));
    table.putPart('u1', part(2, fileId('b'), 8));
    table.putPart('u1', part(3, fileId('c'), 2));

    const listed = [
      { fileId: fileId('a'), size: 8 },
      { fileId: fileId('c'), size: 2 },
    ];
    const completed = table.completeUpload(upload, attributes(listed, [8, 2]));
    assert.deepEqual(completed?.unusedPartFileIds, [fileId('b')]);
    assert.deepEqual(completed?.change.replacedFileIds, [fileId('9')]);
    assert.deepEqual(table.findObject('photos', 'key')?.files, listed);
    assert.deepEqual(table.listParts('u1'), []);
    assert.equal(table.findUpload('u1'), undefined);
    assert.ok(table.isFileReferenced(fileId('a')));
    assert.ok(!table.isFileReferenced(fileId('b')));
    assert.equal(table.completeUpload(upload, attributes(listed)), undefined);
  });

  it('failed completeUpload changes nothing', () => {
    const { table } = newTable();
    table.putObject('photos', 'key', attributes([{ fileId: fileId('9'), size: 4 }]));
    const upload = newUpload('u2');
    table.createUpload(upload);
    table.putPart('u2', part(1, fileId('a'), 8));
    table.putPart('u2', part(2, fileId('b'), 8));

    const files = [
      { fileId: fileId('a'), size: 8 },
      { fileId: fileId('b'), size: 8 },
    ];
    assert.throws(
      () =>
        table.completeUpload(upload, attributes(files), () => {
          throw new Error('event queue full');
        }),
      { message: 'event queue full' },
    );
    assert.deepEqual(table.findObject('photos', 'key')?.files, [{ fileId: fileId('9'), size: 4 }]);
    assert.equal(table.listParts('u2').length, 2);
    for (const file of files) assert.ok(table.isFileReferenced(file.fileId));
  });
});

function newUpload(uploadId: string): MultipartUpload {
  return {
    uploadId,
    bucket: 'photos',
    key: 'key',
    initiatedMs: 0,
    headers: {},
    metadata: {},
    tags: {},
    checksumAlgorithm: undefined,
  };
}
