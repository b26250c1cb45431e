import type { CountSample } from './timeline.js';

/** Growth of the platform's child process count during a burst. */
export interface ScaleUp {
  /** Child processes of the platform at the last sample before the first request. */
  baseline: number;
  /** Highest count after the first request. */
  peak: number;
  /** Milliseconds from the first request to the first sample that showed `peak`. */
  rampMs: number;
  /** (peak - baseline) per second of `rampMs`. */
  startsPerSecond: number;
}

/**
 * Reads the scale-up of a burst from the 100 ms process counts. The count is sampled, so
 * `rampMs` is late by up to one interval plus the time of one sample.
 */
export function scaleUpFrom(counts: readonly CountSample[], startedAtMs: number): ScaleUp {
  const before = counts.filter((sample) => sample.atMs <= startedAtMs);
  const after = counts.filter((sample) => sample.atMs > startedAtMs);
  const baseline = before.at(-1)?.descendants ?? counts[0]?.descendants ?? 0;
  const peak = Math.max(baseline, ...after.map((sample) => sample.descendants));
  const firstAtPeak = after.find((sample) => sample.descendants === peak);
  const rampMs = firstAtPeak === undefined ? Number.NaN : firstAtPeak.atMs - startedAtMs;
  const startsPerSecond = peak > baseline ? ((peak - baseline) / rampMs) * 1000 : 0;
  return { baseline, peak, rampMs, startsPerSecond };
}
