import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The folders of this process's own cgroups, as mounted in this mount namespace. */
export interface OwnCgroups {
  /** Its cgroup in the unified (v2) hierarchy, when cgroup2 is mounted. */
  unified: string | undefined;
  /** Its cgroup per mounted v1 controller (`memory`, `freezer`, ...). */
  controllers: Map<string, string>;
}

interface CgroupMount {
  mountPoint: string;
  /** The folder of the hierarchy that is mounted there (`/` unless a sub-tree is mounted). */
  root: string;
  version: 1 | 2;
  /** The v1 controllers of the hierarchy; empty for cgroup2. */
  controllers: string[];
}

/**
 * Finds this process's own cgroup folders from `<procSelfDir>/mountinfo` and
 * `<procSelfDir>/cgroup`. Tests point `procSelfDir` at a fake folder.
 */
export function findOwnCgroups(procSelfDir = '/proc/self'): OwnCgroups {
  const mounts = parseMountInfo(readFileSync(path.join(procSelfDir, 'mountinfo'), 'utf8'));
  const own: OwnCgroups = { unified: undefined, controllers: new Map() };

  for (const line of readFileSync(path.join(procSelfDir, 'cgroup'), 'utf8').split('\n')) {
    // Each line is `hierarchy-id:controllers:path`; the unified hierarchy is `0::path`.
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    const [, id, controllerList = '', cgroupPath = ''] = match;

    if (id === '0' && controllerList === '') {
      const mount = mounts.find((item) => item.version === 2);
      if (mount !== undefined) own.unified = folderOf(mount, cgroupPath);
      continue;
    }
    for (const controller of controllerList.split(',')) {
      const mount = mounts.find(
        (item) => item.version === 1 && item.controllers.includes(controller),
      );
      const folder = mount === undefined ? undefined : folderOf(mount, cgroupPath);
      if (folder !== undefined) own.controllers.set(controller, folder);
    }
  }
  return own;
}

/** Reads the cgroup mounts from mountinfo lines: `id parent dev root mountpoint opts ... - type source superopts`. */
function parseMountInfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    if (separator === -1) continue;
    const type = fields[separator + 1];
    if (type !== 'cgroup' && type !== 'cgroup2') continue;

    const superOptions = (fields[separator + 3] ?? '').split(',');
    mounts.push({
      mountPoint: unescapeMountField(fields[4] ?? ''),
      root: unescapeMountField(fields[3] ?? '/'),
      version: type === 'cgroup2' ? 2 : 1,
      controllers: type === 'cgroup2' ? [] : superOptions,
    });
  }
  return mounts;
}

/** Decodes the octal escapes the kernel writes in mountinfo paths for space, tab, newline and backslash. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** Maps a cgroup path to its folder; undefined when the mount does not show that cgroup. */
function folderOf(mount: CgroupMount, cgroupPath: string): string | undefined {
  if (mount.root === '/') return path.resolve(mount.mountPoint, `.${cgroupPath}`);
  if (cgroupPath !== mount.root && !cgroupPath.startsWith(`${mount.root}/`)) return undefined;
  return path.resolve(mount.mountPoint, `.${cgroupPath.slice(mount.root.length)}`);
}
