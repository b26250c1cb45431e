import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Logger } from '../../log.js';

const TEMPORARY_SUFFIX = '.tmp';

/**
 * Object and part contents as files under `<dataDir>/objects/`, named by a random id and
 * never by the key, so any key is safe. A file is written under a temporary name in its
 * final folder and fsynced, then renamed, and then its folder is fsynced. Only after that
 * does a metadata row point at it. Files are spread over 256 folders by the first two hex digits of the id.
 */
export class ObjectFiles {
  readonly #root: string;
  readonly #logger: Logger;

  constructor(root: string, logger: Logger) {
    this.#root = root;
    this.#logger = logger;
    mkdirSync(root, { recursive: true });
  }

  /**
   * Streams `source` through `stages` into a new file and returns its id once the file is
   * durable. On any failure the temporary file is removed and the error raised.
   */
  async write(source: Readable, stages: Transform[]): Promise<string> {
    const fileId = randomUUID().replaceAll('-', '');
    const finalPath = this.#pathOf(fileId);
    const temporaryPath = finalPath + TEMPORARY_SUFFIX;
    mkdirSync(path.dirname(finalPath), { recursive: true });
    try {
      await pipeline([source, ...stages, createWriteStream(temporaryPath, { flags: 'wx' })]);
      await syncFile(temporaryPath, 'r');
      await rename(temporaryPath, finalPath);
      await syncFile(path.dirname(finalPath), 'r');
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
    return fileId;
  }

  /**
   * Opens a file for reading bytes `start` to `end` inclusive (the whole file without
   * them). The file is open before this returns, so removing it afterwards (an overwrite of
   * the key) does not cut the read short.
   */
  async openRead(fileId: string, start?: number, end?: number): Promise<Readable> {
    const handle = await open(this.#pathOf(fileId), 'r');
    return handle.createReadStream({ start, end });
  }

  /** Removes a file that no committed row points at any more; a missing file is no error. */
  async remove(fileId: string): Promise<void> {
    try {
      await rm(this.#pathOf(fileId), { force: true });
    } catch (error) {
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

  #pathOf(fileId: string): string {
    if (!/^[0-9a-f]{32}$/.test(fileId)) throw new Error(`object file id '${fileId}' is not valid`);
    return path.join(this.#root, fileId.slice(0, 2), fileId);
  }
}

async function syncFile(filePath: string, flags: string): Promise<void> {
  const handle = await open(filePath, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
