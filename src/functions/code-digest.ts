import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Folders a deployment package would not contain: the platform's default data folder,
 * version control, SAM's build output and Python bytecode caches.
 */
const SKIPPED_FOLDERS = new Set(['.lambdacraft', '.git', '.aws-sam', '__pycache__']);

/** A code folder's size and hash, as GetFunction reports them in CodeSize and CodeSha256. */
export interface CodeDigest {
  /** Bytes of the regular files in the folder. */
  sizeBytes: number;
  /** Base64 SHA-256 of the folder's files, as `digestFolder` defines it. */
  sha256: string;
}

/**
 * Computes each code folder's digest once per code change. A digest stays in use until the
 * function's configuration or code changes after the digest was started.
 */
export class CodeDigests {
  readonly #cache = new Map<string, { startedAtMs: number; digest: Promise<CodeDigest> }>();

  /** Returns the digest of `codePath`, computing it again if the code changed at `changedAtMs`. */
  digest(codePath: string, changedAtMs: number): Promise<CodeDigest> {
    const cached = this.#cache.get(codePath);
    if (cached !== undefined && cached.startedAtMs >= changedAtMs) return cached.digest;

    const entry = { startedAtMs: Date.now(), digest: digestFolder(codePath) };
    this.#cache.set(codePath, entry);
    // A failed digest is not kept, so the next request tries again.
    entry.digest.catch(() => {
      if (this.#cache.get(codePath) === entry) this.#cache.delete(codePath);
    });
    return entry.digest;
  }
}

/**
 * Hashes a code folder. NOTE: Lambda hashes the .zip deployment package, which LambdaCraft
 * never builds, so CodeSha256 here is the SHA-256 over each regular file in path order: its
 * path relative to the folder, a NUL, then the SHA-256 of its bytes. It changes when a file is
 * added, removed, renamed or edited, but it never equals the hash of a .zip of the same code.
 * Symbolic links are not followed, and files that vanish during the walk are left out.
 */
export async function digestFolder(folder: string): Promise<CodeDigest> {
  const folderHash = createHash('sha256');
  let sizeBytes = 0;
  for (const relativePath of await listFiles(folder, '')) {
    const file = await hashFile(path.join(folder, relativePath));
    if (file === undefined) continue;

    folderHash.update(`${relativePath}\0`);
    folderHash.update(file.sha256);
    sizeBytes += file.sizeBytes;
  }
  return { sizeBytes, sha256: folderHash.digest('base64') };
}

/** Lists the regular files under `folder/prefix`, as paths relative to `folder`, sorted. */
async function listFiles(folder: string, prefix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(folder, prefix), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // Code-point order, the same on every machine, unlike localeCompare.
  entries.sort((a, b) => compareNames(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const relativePath = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
      files.push(...(await listFiles(folder, relativePath)));
    } else if (entry.isFile()) {
      files.push(relativePath);
    }
  }
  return files;
}

function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Streams one file through SHA-256; returns undefined if the file no longer exists. */
async function hashFile(file: string): Promise<{ sha256: Buffer; sizeBytes: number } | undefined> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      sizeBytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { sha256: hash.digest(), sizeBytes };
}
