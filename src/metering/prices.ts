/** Prices in US dollars that turn metered usage into a cost. */
export interface PriceTable {
  /** Price of one request. */
  requestUsd: number;
  /** Price of one GB-second of duration on x86_64. */
  x86GbSecondUsd: number;
  /** Price of one GB-second of duration on arm64. */
  arm64GbSecondUsd: number;
}

/**
 * AWS Lambda's published on-demand prices in us-east-1: $0.20 per million requests, and the
 * first duration tier of each architecture (x86_64 up to 6 billion GB-s a month, arm64 up to
 * 7.5 billion). The cheaper tiers beyond those volumes and the free tier (1 million requests
 * and 400,000 GB-s a month) are not applied.
 */
export const DEFAULT_PRICES: Readonly<PriceTable> = Object.freeze({
  requestUsd: 0.0000002,
  x86GbSecondUsd: 0.0000166667,
  arm64GbSecondUsd: 0.0000133334,
});

/** Lambda bills memory in GB of 1024 MB. */
const MB_PER_GB = 1024;

/** GB-seconds of an invocation: configured memory in GB times billed duration in seconds. */
export function gbSeconds(memorySizeMb: number, billedDurationMs: number): number {
  return (memorySizeMb / MB_PER_GB) * (billedDurationMs / 1000);
}

/** GB-seconds from a sum of memory size (MB) times billed duration (ms) over invocations. */
export function gbSecondsFromMbMs(memoryMbTimesBilledMs: number): number {
  return memoryMbTimesBilledMs / MB_PER_GB / 1000;
}
