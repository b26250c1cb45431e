import { readFileSync } from 'node:fs';

/** Calls closer together than this reuse the last sample. */
const SAMPLE_INTERVAL_MS = 200;
/** Below this share of idle CPU time, the machine counts as saturated. */
const SATURATED_IDLE_SHARE = 0.1;

let lastSampleAt = 0;
let lastTotal = 0;
let lastIdle = 0;
let saturated = false;

/**
 * Whether the machine's CPUs were nearly all busy over the last fraction of a second, from
 * /proc/stat. Starting another environment cannot make saturated CPUs go faster. Where
 * /proc/stat cannot be read, it returns false.
 */
export function cpusSaturated(now = Date.now()): boolean {
  if (now - lastSampleAt < SAMPLE_INTERVAL_MS) return saturated;

  let line: string;
  try {
    line = readFileSync('/proc/stat', 'latin1').slice(0, 256).split('\n', 1)[0] ?? '';
  } catch {
    return false;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  if (lastSampleAt !== 0 && total > lastTotal) {
    saturated = (idle - lastIdle) / (total - lastTotal) < SATURATED_IDLE_SHARE;
  }
  lastSampleAt = now;
  lastTotal = total;
  lastIdle = idle;
  return saturated;
}
