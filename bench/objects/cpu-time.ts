// CPU time of the harness and of a server process, to show which side a phase's time went to.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times, from `getconf CLK_TCK` (usually 100). */
const TICKS_PER_SECOND = readTicksPerSecond();

/** User plus system CPU seconds of the calling process. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * User plus system CPU seconds of process `pid` (fields 14 and 15 of /proc/<pid>/stat), in
 * steps of one clock tick, or NaN once the process has exited. Its children are not included.
 */
export function processCpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return Number.NaN;
  }
  // The command name in parentheses may contain spaces, so fields are counted after it.
  // fields[0] is field 3, so utime (field 14) is fields[11] and stime (field 15) fields[12].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function readTicksPerSecond(): number {
  const output = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(output.stdout.trim());
  return output.status === 0 && Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}
