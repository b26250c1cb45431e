import { randomInt, randomUUID } from 'node:crypto';
import { constants, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, type Transform } from 'node:stream';

import type { Logger } from '../../log.js';
import type { ObjectFile } from '../../state/objects.js';

const TEMPORARY_SUFFIX = '.tmp';

/**
 * New files that go to one folder before the next folder is used. Writes that run at the same
 * time then mostly share a folder, and with it the folder's fsync.
 */
const FILES_PER_FOLDER_TURN = 64;

/**
 * Bytes gathered before one `writev` call, and the read size of file streams. At 1 MiB a
 * 256 MiB object takes 256 write calls, where the 64 KiB socket chunks alone would take
 * 4,096.
 */
export const FILE_IO_BYTES = 1024 * 1024;

/**
 * Object and part contents as files under `<dataDir>/objects/`, named by a random id and
 * never by the key, so any key is safe. A file is written under a temporary name in its
 * final folder and made durable (fsync, or O_DSYNC for a small file), then renamed, and then
 * its folder is fsynced. Only after that
 * does a metadata row point at it. Files are spread over 256 folders by the first two hex
 * digits of the id, and the constructor creates all of them.
 */
export class ObjectFiles {
  readonly #root: string;
  readonly #logger: Logger;
  readonly #folderSyncs = new Map<string, FolderSync>();
  /** Reads in progress, by file id. A remove() of such a file waits until its count is 0. */
  readonly #readers = new Map<string, number>();
  /** Files removed while a read used them, unlinked when their last read ends. */
  readonly #removeAfterRead = new Set<string>();
  /** Counts the files created, to pick each one's folder (see FILES_PER_FOLDER_TURN). */
  #fileCount = randomInt(256 * FILES_PER_FOLDER_TURN);

  constructor(root: string, logger: Logger) {
    this.#root = root;
    this.#logger = logger;
    mkdirSync(root, { recursive: true });
    const existing = new Set(readdirSync(root));
    for (let index = 0; index < 256; index++) {
      const folder = index.toString(16).padStart(2, '0');
      if (!existing.has(folder)) mkdirSync(path.join(root, folder));
    }
  }

  /**
   * Writes the chunks of `source`, passed through `stages` when there are any, into a new
   * file and returns its id once the file is durable. On any failure the temporary file is
   * removed and the error raised. Chunks are written in batches of at least FILE_IO_BYTES
   * (but the last) while the next batch is read.
   */
  async write(source: AsyncIterable<Buffer>, stages: Transform[] = []): Promise<string> {
    const fileId = this.#newFileId();
    const finalPath = this.#pathOf(fileId);
    const temporaryPath = finalPath + TEMPORARY_SUFFIX;
    const chunks = stages.length === 0 ? source : throughStages(source, stages);
    try {
      await writeDurably(temporaryPath, chunks);
      await rename(temporaryPath, finalPath);
      await this.#syncFolder(path.dirname(finalPath));
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
    return fileId;
  }

  /**
   * Creates a file id: two hex digits that name the folder, which changes every
   * FILES_PER_FOLDER_TURN files, and 30 random hex digits.
   */
  #newFileId(): string {
    const folder = Math.floor(this.#fileCount / FILES_PER_FOLDER_TURN) % 256;
    this.#fileCount = (this.#fileCount + 1) % (256 * FILES_PER_FOLDER_TURN);
    return folder.toString(16).padStart(2, '0') + randomUUID().replaceAll('-', '').slice(2);
  }

  /**
   * Opens the bytes `start` to `end` inclusive (all without them) of the concatenation of
   * `files`. Every file in the range counts as read from this call on, so a remove() of
   * one afterwards (an overwrite of the key) waits until the stream ends or is destroyed.
   * Call it in the same synchronous step as the row lookup that found the files, because a
   * remove that came before the call would take the file away. The first file is open before the
   * promise resolves, so a missing file raises ENOENT here instead of in the stream.
   */
  async openRead(files: readonly ObjectFile[], start?: number, end?: number): Promise<Readable> {
    const slices = slicesOf(files, start, end);
    for (const slice of slices) this.#startRead(slice.fileId);
    const progress: ReadProgress = { slices, ended: 0, firstHandle: undefined };
    try {
      const first = slices[0];
      if (first !== undefined) progress.firstHandle = await open(this.#pathOf(first.fileId), 'r');
    } catch (error) {
      for (const slice of slices) this.#endRead(slice.fileId);
      throw error;
    }
    const stream = Readable.from(this.#readSlices(progress), { objectMode: false });
    // A stream destroyed before or during the read (a client that went away) ends the
    // reads of the files it did not finish here.
    stream.once('close', () => {
      progress.firstHandle?.close().catch(() => undefined);
      progress.firstHandle = undefined;
      for (const slice of slices.slice(progress.ended)) this.#endRead(slice.fileId);
      progress.ended = slices.length;
    });
    return stream;
  }

  /** Yields the bytes of each slice in order and ends the read of each file it is done with. */
  async *#readSlices(progress: ReadProgress): AsyncGenerator<Buffer> {
    for (const slice of progress.slices) {
      let handle = progress.firstHandle;
      progress.firstHandle = undefined;
      handle ??= await open(this.#pathOf(slice.fileId), 'r');
      const stream = handle.createReadStream({
        start: slice.start,
        end: slice.end,
        highWaterMark: FILE_IO_BYTES,
      });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } finally {
        stream.destroy();
      }
      this.#endRead(slice.fileId);
      progress.ended += 1;
    }
  }

  #startRead(fileId: string): void {
    this.#readers.set(fileId, (this.#readers.get(fileId) ?? 0) + 1);
  }

  #endRead(fileId: string): void {
    const count = (this.#readers.get(fileId) ?? 1) - 1;
    if (count > 0) {
      this.#readers.set(fileId, count);
      return;
    }
    this.#readers.delete(fileId);
    if (this.#removeAfterRead.delete(fileId)) void this.#unlink(fileId);
  }

  /**
   * Removes a file that no committed row points at any more; a missing file is no error.
   * A file that a read still uses is unlinked when its last read ends.
   */
  async remove(fileId: string): Promise<void> {
    if (this.#readers.has(fileId)) {
      this.#removeAfterRead.add(fileId);
      return;
    }
    await this.#unlink(fileId);
  }

  async #unlink(fileId: string): Promise<void> {
    try {
      await unlink(this.#pathOf(fileId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.#logger.error({ err: error, fileId }, 'failed to remove an object file');
    }
  }

  /**
   * Removes temporary files and files whose id `isReferenced` rejects: what a crash between
   * writing a file and committing its row, or between committing and removing the file a
   * row replaced, leaves behind. Runs before the service accepts requests.
   */
  sweep(isReferenced: (fileId: string) => boolean): number {
    let removed = 0;
    for (const folder of readdirSync(this.#root)) {
      const folderPath = path.join(this.#root, folder);
      for (const name of readdirSync(folderPath)) {
        if (name.endsWith(TEMPORARY_SUFFIX) || !isReferenced(name)) {
          rmSync(path.join(folderPath, name), { force: true });
          removed += 1;
        }
      }
    }
    return removed;
  }

  /**
   * Fsyncs a folder after a rename into it. Renames that land while a sync of the same folder
   * runs share the one sync that starts after it, because the running sync may have missed
   * them.
   */
  #syncFolder(folder: string): Promise<void> {
    let state = this.#folderSyncs.get(folder);
    if (state === undefined) {
      state = { running: undefined, next: undefined };
      this.#folderSyncs.set(folder, state);
    }
    if (state.next !== undefined) return state.next;
    if (state.running === undefined) return this.#startFolderSync(folder, state);

    const next = state.running
      .catch(() => undefined)
      .then(() => {
        state.next = undefined;
        return this.#startFolderSync(folder, state);
      });
    state.next = next;
    return next;
  }

  #startFolderSync(folder: string, state: FolderSync): Promise<void> {
    const running = syncFile(folder).finally(() => {
      if (state.running === running) state.running = undefined;
      if (state.running === undefined && state.next === undefined) {
        this.#folderSyncs.delete(folder);
      }
    });
    state.running = running;
    return running;
  }

  #pathOf(fileId: string): string {
    if (!/^[0-9a-f]{32}$/.test(fileId)) throw new Error(`object file id '${fileId}' is not valid`);
    return path.join(this.#root, fileId.slice(0, 2), fileId);
  }
}

/** The state of one openRead stream, shared by its generator and its close handler. */
interface ReadProgress {
  slices: FileSlice[];
  /** Slices whose read has ended, from the first. */
  ended: number;
  /** The first slice's file, opened by openRead, until the generator takes it. */
  firstHandle: FileHandle | undefined;
}

/** Bytes `start` to `end` inclusive of one file. */
interface FileSlice {
  fileId: string;
  start: number;
  end: number;
}

/**
 * Maps bytes `start` to `end` inclusive of the concatenated files onto the files that hold
 * them, skipping files with no byte in the range. Without `start` and `end` the range is
 * every byte.
 */
function slicesOf(files: readonly ObjectFile[], start = 0, end = Infinity): FileSlice[] {
  const slices: FileSlice[] = [];
  let offset = 0;
  for (const file of files) {
    const fileStart = Math.max(start - offset, 0);
    const fileEnd = Math.min(end - offset, file.size - 1);
    if (fileStart <= fileEnd) slices.push({ fileId: file.fileId, start: fileStart, end: fileEnd });
    offset += file.size;
    if (offset > end) break;
  }
  return slices;
}

/** The folder fsync in progress and the one queued behind it, for one folder. */
interface FolderSync {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

/** Flags of a small file: created exclusively, each write durable when it returns. */
const SMALL_FILE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;

/**
 * Writes the chunks into a new file at `filePath` and makes them durable. A body that ends
 * within its first FILE_IO_BYTES is written with one `writev` to a file opened with O_DSYNC,
 * which saves the separate fsync call. A larger body is written in batches, one in flight
 * while the next is read, and then fsynced. The file is created only once the first batch
 * is read.
 */
async function writeDurably(filePath: string, chunks: AsyncIterable<Buffer>): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    const first = await nextBatch(iterator);
    const small = first.done && first.bytes > 0;
    const handle = await open(filePath, small ? SMALL_FILE_FLAGS : 'wx');
    try {
      if (small) {
        await writeAll(handle, first.buffers);
        return;
      }
      await writeBatches(handle, first, iterator);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Ends the source (a request body's listeners, an open part file) when a write failed.
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
}

interface Batch {
  buffers: Buffer[];
  bytes: number;
  /** True when the source has no more chunks after this batch. */
  done: boolean;
}

/** Reads chunks until they add up to FILE_IO_BYTES or the source ends. */
async function nextBatch(iterator: AsyncIterator<Buffer>): Promise<Batch> {
  const batch: Batch = { buffers: [], bytes: 0, done: false };
  while (batch.bytes < FILE_IO_BYTES) {
    const result = await iterator.next();
    if (result.done === true) {
      batch.done = true;
      break;
    }
    batch.buffers.push(result.value);
    batch.bytes += result.value.length;
  }
  return batch;
}

/**
 * Bytes written between two background fdatasync calls of a large file. The disk then
 * writes the file out while the rest arrives, so the fsync at the end has only the tail
 * left to flush.
 */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

/** Writes `first` and the batches after it in order, reading the next one during each write. */
async function writeBatches(
  handle: FileHandle,
  first: Batch,
  iterator: AsyncIterator<Buffer>,
): Promise<void> {
  let batch = first;
  let unsyncedBytes = 0;
  let earlySync: Promise<void> | undefined;
  // Linux reports a writeback error to one fsync of a descriptor only, so a failed early
  // sync must fail the write itself.
  let syncError: Error | undefined;
  try {
    for (;;) {
      const pending = writeAll(handle, batch.buffers);
      unsyncedBytes += batch.bytes;
      if (batch.done) {
        await pending;
        break;
      }
      // The rejection is raised by the `await pending` below; this handler only keeps it from
      // counting as unhandled while the next batch is read.
      pending.catch(() => undefined);
      try {
        batch = await nextBatch(iterator);
      } finally {
        await pending;
      }
      if (unsyncedBytes >= EARLY_SYNC_BYTES && earlySync === undefined) {
        unsyncedBytes = 0;
        earlySync = handle
          .datasync()
          .catch((error: unknown) => {
            syncError ??= error instanceof Error ? error : new Error(String(error));
          })
          .finally(() => {
            earlySync = undefined;
          });
      }
      if (syncError !== undefined) break;
    }
  } finally {
    // The handle must not close under a running fdatasync.
    await earlySync;
  }
  if (syncError !== undefined) throw syncError;
}

/** Writes all of `buffers` at the file position, repeating after a short write. */
async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let remaining = buffers;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining);
    remaining = dropBytes(remaining, bytesWritten);
  }
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let index = 0;
  while (index < buffers.length && left >= (buffers[index]?.length ?? 0)) {
    left -= buffers[index]?.length ?? 0;
    index += 1;
  }
  const rest = buffers.slice(index);
  const first = rest[0];
  if (first !== undefined && left > 0) rest[0] = first.subarray(left);
  return rest;
}

/** Passes `source` through stream stages; an error in any stage fails the iteration. */
function throughStages(source: AsyncIterable<Buffer>, stages: Transform[]): AsyncIterable<Buffer> {
  const [first, ...rest] = stages;
  if (first === undefined) return source;
  return pipeline([Readable.from(source), first, ...rest], () => undefined) as Transform;
}

async function syncFile(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
