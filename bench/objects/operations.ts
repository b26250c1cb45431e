// Runs a fixed number of asynchronous operations at a fixed concurrency and times each one.
import { percentile } from '../stats.js';
import { ownCpuSeconds, processCpuSeconds } from './cpu-time.js';

/** Throughput and latency of one phase of equal operations. */
export interface PhaseResult {
  label: string;
  concurrency: number;
  /** Operations started, failed ones included. */
  operations: number;
  errors: number;
  /** The first few error messages. */
  errorExcerpt: string[];
  /** Wall time from the first start to the last end. */
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the harness (the client) per operation. */
  clientCpuMsPerOperation: number;
  /** CPU time of the server's own process per operation, or NaN without a server process. */
  serverCpuMsPerOperation: number;
}

const KEPT_ERRORS = 3;

/**
 * Runs `operation(0)` to `operation(count - 1)` with at most `concurrency` running at once,
 * each timed from its call to its settlement. Operation i always gets index i, so a GET phase
 * can read the keys a PUT phase wrote. A failed operation counts as an error and is not timed.
 * `serverPid` names the process whose CPU time the phase reports as the server's.
 */
export async function runPhase(
  label: string,
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
  serverPid?: number,
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  let next = 0;

  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const started = process.hrtime.bigint();
      try {
        await operation(index);
        latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      } catch (error) {
        errors.push(String(error));
      }
    }
  };

  const serverCpu = () => (serverPid === undefined ? Number.NaN : processCpuSeconds(serverPid));
  const clientCpuBefore = ownCpuSeconds();
  const serverCpuBefore = serverCpu();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const clientCpuSeconds = ownCpuSeconds() - clientCpuBefore;
  const serverCpuSeconds = serverCpu() - serverCpuBefore;
  return {
    label,
    concurrency,
    operations: count,
    errors: errors.length,
    errorExcerpt: errors.slice(0, KEPT_ERRORS),
    seconds,
    perSecond: latenciesMs.length / seconds,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    clientCpuMsPerOperation: (clientCpuSeconds * 1000) / count,
    serverCpuMsPerOperation: (serverCpuSeconds * 1000) / count,
  };
}
