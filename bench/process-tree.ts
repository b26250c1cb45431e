import { readFileSync, readdirSync } from 'node:fs';

/** One process as /proc shows it; a pid with the same start time is the same process. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot. */
  startTime: number;
  command: string;
}

/** Memory of a process tree at one moment, in kilobytes as /proc reports it. */
export interface TreeSample {
  rootRssKb: number;
  /** VmRSS summed over the root and every descendant: shared pages are counted once per process. */
  treeRssKb: number;
  /**
   * Pss from smaps_rollup summed over the tree: each shared page is split among its users.
   * Undefined in samples that skip it, because smaps_rollup walks every page table.
   */
  treePssKb: number | undefined;
  processes: number;
}

/**
 * Lists every descendant of a process from the parent pids in /proc/<pid>/stat. This reads
 * one file per process on the machine. Reading /proc/<pid>/task/<tid>/children instead
 * reads one per thread in the tree, and 60 Node.js runtimes have hundreds of threads.
 */
export function descendantPids(rootPid: number): number[] {
  const childrenByParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = readStat(pid)?.parentPid;
    if (parent === undefined) continue;

    const siblings = childrenByParent.get(parent);
    if (siblings === undefined) childrenByParent.set(parent, [pid]);
    else siblings.push(pid);
  }

  const result: number[] = [];
  const queue = [rootPid];
  for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
    for (const child of childrenByParent.get(current) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

/**
 * Reads the memory of a root process and of the given descendants. A process that has
 * exited or is a zombie (no VmRSS line) adds nothing and is left out of `liveDescendants`.
 */
export function sampleProcesses(
  rootPid: number,
  descendants: readonly number[],
  options: { pss: boolean },
): { sample: TreeSample; liveDescendants: number[] } {
  const rootRssKb = statusFieldKb(rootPid, 'VmRSS:') ?? 0;
  let treeRssKb = rootRssKb;
  let treePssKb = options.pss ? (rollupFieldKb(rootPid, 'Pss:') ?? 0) : undefined;
  const liveDescendants: number[] = [];
  for (const pid of descendants) {
    const rssKb = statusFieldKb(pid, 'VmRSS:');
    if (rssKb === undefined) continue;

    liveDescendants.push(pid);
    treeRssKb += rssKb;
    if (treePssKb !== undefined) treePssKb += rollupFieldKb(pid, 'Pss:') ?? 0;
  }
  const processes = 1 + liveDescendants.length;
  return { sample: { rootRssKb, treeRssKb, treePssKb, processes }, liveDescendants };
}

/** Reads a process's start time and command line, or undefined once it has exited. */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const startTime = readStartTime(pid);
  if (startTime === undefined) return undefined;

  const command = (readOptional(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
  return { pid, startTime, command };
}

/** True while the process that had this pid and start time runs; a zombie has exited. */
export function isRunning(identity: ProcessIdentity): boolean {
  const stat = readStat(identity.pid);
  return stat !== undefined && stat.startTime === identity.startTime && stat.state !== 'Z';
}

function readStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

function readStat(
  pid: number,
): { state: string; parentPid: number; startTime: number } | undefined {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;

  // The command name in parentheses may contain spaces, so fields are counted after it:
  // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const parentPid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (!Number.isFinite(parentPid) || !Number.isFinite(startTime)) return undefined;
  return { state: fields[0] ?? '', parentPid, startTime };
}

function statusFieldKb(pid: number, field: string): number | undefined {
  return fieldKb(readOptional(`/proc/${pid}/status`), field);
}

function rollupFieldKb(pid: number, field: string): number | undefined {
  return fieldKb(readOptional(`/proc/${pid}/smaps_rollup`), field);
}

/** Reads a `Name:   123 kB` line, or returns undefined when the file or the line is missing. */
function fieldKb(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;

  const start = text.indexOf(`\n${field}`);
  if (start === -1) return undefined;
  const value = parseInt(text.slice(start + field.length + 1), 10);
  return Number.isNaN(value) ? undefined : value;
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}
