// Memory of single processes from /proc/<pid>/smaps_rollup and /proc/<pid>/smaps, for the
// per-environment figures of the scaling benchmark.
import { readFileSync, readlinkSync } from 'node:fs';

/** Memory of one process in kilobytes, as smaps_rollup reports it. */
export interface ProcessMemory {
  pid: number;
  rssKb: number;
  pssKb: number;
  /** Unique set size: Private_Clean + Private_Dirty, the pages no other process maps. */
  ussKb: number;
}

/** Memory of one group of mappings in /proc/<pid>/smaps, in kilobytes. */
export interface MappingMemory {
  /** The mapped file's base name, `[heap]`, `[stack]`, or `[anonymous]` for unnamed maps. */
  name: string;
  rssKb: number;
  pssKb: number;
  ussKb: number;
}

/** Reads one process's RSS, PSS and USS, or returns undefined once it has exited. */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  const text = readOptional(`/proc/${pid}/smaps_rollup`);
  if (text === undefined) return undefined;

  const fields = parseFields(text);
  return {
    pid,
    rssKb: fields.get('Rss') ?? 0,
    pssKb: fields.get('Pss') ?? 0,
    ussKb: (fields.get('Private_Clean') ?? 0) + (fields.get('Private_Dirty') ?? 0),
  };
}

/**
 * Sums /proc/<pid>/smaps per mapping name and returns the groups by USS, largest first:
 * where a process's own memory goes.
 */
export function readMappingBreakdown(pid: number): MappingMemory[] {
  const text = readOptional(`/proc/${pid}/smaps`);
  if (text === undefined) return [];

  const groups = new Map<string, MappingMemory>();
  let current: MappingMemory | undefined;
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      const name = mappingName(header[1] ?? '');
      current = groups.get(name) ?? { name, rssKb: 0, pssKb: 0, ussKb: 0 };
      groups.set(name, current);
      continue;
    }
    const field = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (current === undefined || field === null) continue;

    const value = Number(field[2]);
    if (field[1] === 'Rss') current.rssKb += value;
    else if (field[1] === 'Pss') current.pssKb += value;
    else if (field[1] === 'Private_Clean' || field[1] === 'Private_Dirty') current.ussKb += value;
  }
  return [...groups.values()].sort((a, b) => b.ussKb - a.ussKb || b.rssKb - a.rssKb);
}

/** Reads a process's working directory, or returns undefined when it cannot be read. */
export function readWorkingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Reads a process's command line with spaces between the arguments. */
export function readCommandLine(pid: number): string {
  return (readOptional(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
}

/** Reads the state letter of /proc/<pid>/stat: `T` for a stopped (frozen) process. */
export function readProcessState(pid: number): string | undefined {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

function mappingName(pathname: string): string {
  if (pathname === '') return '[anonymous]';
  if (pathname.startsWith('[')) return pathname;
  return pathname.slice(pathname.lastIndexOf('/') + 1);
}

function parseFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) {
    const name = match[1];
    if (name !== undefined) fields.set(name, Number(match[2]));
  }
  return fields;
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}
