// The file-system floors of the object store benchmark: the same writes and reads the store
// makes for an object, without HTTP, signatures or metadata.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Small objects on disk in the store's layout: a random 32-hex-digit name in one of 256
 * folders named by its first two digits.
 */
export class SmallFileFloor {
  readonly #root: string;
  readonly #names: string[] = [];

  constructor(root: string) {
    this.#root = root;
  }

  /**
   * Writes `body` as the store writes an object file: to a temporary name in the final
   * folder, fsync, rename, then fsync of the folder. Index i is remembered for `read(i)`.
   */
  async write(index: number, body: Buffer): Promise<void> {
    const name = randomBytes(16).toString('hex');
    const finalPath = path.join(this.#root, name.slice(0, 2), name);
    const temporaryPath = `${finalPath}.tmp`;
    mkdirSync(path.dirname(finalPath), { recursive: true });

    const file = await open(temporaryPath, 'wx');
    try {
      await file.writeFile(body);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporaryPath, finalPath);
    await syncFolder(path.dirname(finalPath));
    this.#names[index] = finalPath;
  }

  /** Reads the file that `write(index)` created, whole. */
  async read(index: number): Promise<void> {
    const filePath = this.#names[index];
    if (filePath === undefined) throw new Error(`no file was written for index ${index}`);
    await readFile(filePath);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Megabytes (2^20 bytes) per second. */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  return bytes / (1024 * 1024) / seconds;
}

/** The large-object floor: one file written with fsync and read back, both timed. */
export interface LargeFileFloor {
  bytes: number;
  writeSeconds: number;
  readSeconds: number;
}

/**
 * Writes `bytes` of random data to `filePath` in 1 MiB chunks through a write stream, fsyncs
 * it, then reads it back through a read stream. The file stays for the uploads to send.
 */
export async function measureLargeFile(filePath: string, bytes: number): Promise<LargeFileFloor> {
  const writeStarted = process.hrtime.bigint();
  await pipeline(randomChunks(bytes), createWriteStream(filePath, { flags: 'wx' }));
  const file = await open(filePath, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  const writeSeconds = Number(process.hrtime.bigint() - writeStarted) / 1e9;

  const readStarted = process.hrtime.bigint();
  const readBytes = await countBytes(createReadStream(filePath));
  const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;
  if (readBytes !== bytes) throw new Error(`read ${readBytes} bytes of ${filePath}, not ${bytes}`);
  return { bytes, writeSeconds, readSeconds };
}

/**
 * Yields `bytes` bytes in 1 MiB chunks. One random MiB is repeated, so generating the data
 * takes no time. NOTE: on a file system that compresses or deduplicates blocks (btrfs or ZFS
 * with compression), this file costs less to write than unique data of the same size.
 */
function* randomChunks(bytes: number): Generator<Buffer> {
  const chunk = randomBytes(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    yield bytes - written >= chunk.length ? chunk : chunk.subarray(0, bytes - written);
  }
}

/** Consumes a stream and returns how many bytes it carried. */
export async function countBytes(stream: Readable): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += (chunk as Buffer).length;
  return total;
}
