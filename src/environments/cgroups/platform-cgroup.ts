import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

import { findOwnCgroups } from './hierarchy.js';
import { killListed } from './memory-cgroup.js';

/** Names of platform cgroups: `lambdacraft-<pid>-<platform number in that process>`. */
const PLATFORM_CGROUP = /^lambdacraft-(\d+)-\d+$/;

/** The platform's parent memory cgroup, or why none could be made. */
export type PlatformCgroup =
  { ok: true; version: 1 | 2; dir: string } | { ok: false; reason: string };

export interface PlatformCgroupOptions {
  /** The folder name of the parent cgroup, see PLATFORM_CGROUP. */
  name: string;
  /** Folder read for this process's `mountinfo` and `cgroup` files; tests use a fake one. */
  procSelfDir?: string;
}

/**
 * Makes the platform's parent memory cgroup inside this process's own cgroup: in cgroup v2
 * when the memory controller is delegated there, else in the v1 memory hierarchy. Parents
 * left by platforms whose process no longer exists are removed on the way.
 */
export function createPlatformCgroup(options: PlatformCgroupOptions): PlatformCgroup {
  let own;
  try {
    own = findOwnCgroups(options.procSelfDir);
  } catch (error) {
    return { ok: false, reason: `cannot read this process's cgroups: ${messageOf(error)}` };
  }

  const reasons: string[] = [];
  if (own.unified !== undefined) {
    try {
      return { ok: true, version: 2, dir: createV2Parent(own.unified, options.name) };
    } catch (error) {
      reasons.push(`cgroup v2: ${messageOf(error)}`);
    }
  } else {
    reasons.push('cgroup v2: not mounted');
  }

  const memoryDir = own.controllers.get('memory');
  if (memoryDir === undefined) {
    reasons.push('cgroup v1: no memory controller mounted');
    return { ok: false, reason: reasons.join('; ') };
  }
  try {
    return { ok: true, version: 1, dir: createV1Parent(memoryDir, options.name) };
  } catch (error) {
    reasons.push(`cgroup v1: ${messageOf(error)}`);
    return { ok: false, reason: reasons.join('; ') };
  }
}

/**
 * Creates the v2 parent. A v2 child cgroup gets memory.max only when its parent lists `memory` in
 * cgroup.subtree_control. The kernel rejects that with EBUSY for a non-root cgroup that
 * contains processes, which is the usual case for our own cgroup.
 * NOTE: so on a cgroup v2 host this works only for a platform in the root cgroup. Elsewhere
 * the platform falls back to v1 or polling; it does not move processes to free its cgroup.
 */
function createV2Parent(ownDir: string, name: string): string {
  const delegated = readWords(path.join(ownDir, 'cgroup.controllers'));
  if (!delegated.includes('memory')) {
    throw new Error(`the memory controller is not available in ${ownDir}`);
  }
  enableMemoryController(ownDir);

  removeStaleParents(ownDir);
  const dir = path.join(ownDir, name);
  mkdirSync(dir);
  try {
    enableMemoryController(dir);
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  return dir;
}

function enableMemoryController(dir: string): void {
  const file = path.join(dir, 'cgroup.subtree_control');
  if (readWords(file).includes('memory')) return;
  try {
    writeFileSync(file, '+memory');
  } catch (error) {
    throw new Error(`cannot enable the memory controller below ${dir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function createV1Parent(ownDir: string, name: string): string {
  removeStaleParents(ownDir);
  const dir = path.join(ownDir, name);
  mkdirSync(dir);
  if (!existsSync(path.join(dir, 'memory.limit_in_bytes'))) {
    rmdirSync(dir);
    throw new Error(`${ownDir} is not a memory cgroup (no memory.limit_in_bytes)`);
  }
  return dir;
}

/**
 * Removes parent cgroups left behind by platforms whose process has ended. Processes still in
 * their environment cgroups are function processes that left their process group (setsid)
 * and outlived a platform that was killed, so they are killed first. A cgroup whose
 * processes have not exited yet stays until the next start, because rmdir rejects it.
 */
function removeStaleParents(ownDir: string): void {
  for (const entry of readdirSync(ownDir, { withFileTypes: true })) {
    const pid = PLATFORM_CGROUP.exec(entry.name)?.[1];
    if (!entry.isDirectory() || pid === undefined || processExists(Number(pid))) continue;

    const parent = path.join(ownDir, entry.name);
    try {
      for (const child of readdirSync(parent, { withFileTypes: true })) {
        if (!child.isDirectory()) continue;
        const childDir = path.join(parent, child.name);
        killListed(childDir);
        rmdirSync(childDir);
      }
      rmdirSync(parent);
    } catch {
      // Processes remain inside, so the cgroup stays.
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readWords(file: string): string[] {
  try {
    return readFileSync(file, 'latin1').trim().split(/\s+/);
  } catch {
    return [];
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
