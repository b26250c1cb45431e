import { readFileSync, readdirSync } from 'node:fs';

/**
 * Peak resident memory of a process tree in MB: the root's high-water mark (VmHWM) plus
 * the current resident size of each descendant. NOTE: a descendant that peaked and shrank
 * before this read is counted at its current size; a memory cgroup gives the true peak.
 */
export function maxMemoryUsedMb(rootPid: number): number {
  let kilobytes = readStatusField(rootPid, 'VmHWM:');
  for (const child of descendants(rootPid)) {
    kilobytes += readStatusField(child, 'VmRSS:');
  }
  return Math.ceil(kilobytes / 1024);
}

function readStatusField(pid: number, field: string): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 0;
  }
  const start = status.indexOf(field);
  if (start === -1) return 0;
  return parseInt(status.slice(start + field.length), 10) || 0;
}

/** Returns the process ids of every descendant of `pid`, read from /proc. */
export function descendants(pid: number): number[] {
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.pop() as number;
    for (const child of childrenOf(current)) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
      if (text !== '') children.push(...text.split(' ').map(Number));
    } catch {
      // The task ended between the listing and the read.
    }
  }
  return children;
}
