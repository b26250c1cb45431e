import { checkNoopResponse, KeepAliveConnection } from '../http-client.js';
import { max, percentile } from '../stats.js';
import { epochMs } from './timeline.js';

/** Maximum wait for one response of a burst, far above a queued 100 ms invocation. */
const BURST_REQUEST_TIMEOUT_MS = 120_000;
/**
 * Connections opened at a time. A batch stays well under Node's default listen backlog of
 * 511, so that the kernel does not drop connection requests and delay them by a retry.
 */
const CONNECT_BATCH = 100;
/** How many problem descriptions a result keeps; the counts cover every one. */
const KEPT_PROBLEMS = 5;
const EVENT = Buffer.from('{}');

export interface BurstResult {
  requests: number;
  /** Responses with status 200 and the `{"ok": true}` result. */
  ok: number;
  /** Responses with status 429 (TooManyRequestsException): throttled by a concurrency limit. */
  throttled: number;
  /** Every other outcome: another status, a function error, a wrong body, a socket error. */
  errors: number;
  /** From the write of the first request to the end of the last response, of any kind. */
  drainMs: number;
  /** Latency percentiles of the `ok` responses, write of the request to end of the response. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Epoch milliseconds (`epochMs`) of the first request's write and of the last response. */
  startedAtMs: number;
  endedAtMs: number;
  problems: string[];
}

/** Opens `count` keep-alive connections to 127.0.0.1:port, `CONNECT_BATCH` at a time. */
export async function openConnections(port: number, count: number): Promise<KeepAliveConnection[]> {
  const connections: KeepAliveConnection[] = [];
  try {
    while (connections.length < count) {
      const batch = Math.min(CONNECT_BATCH, count - connections.length);
      const opened = await Promise.all(
        Array.from({ length: batch }, () => KeepAliveConnection.open(port)),
      );
      connections.push(...opened);
    }
  } catch (error) {
    for (const connection of connections) connection.close();
    throw error;
  }
  return connections;
}

/**
 * Sends one Invoke request with the event `{}` on every connection, all in the same tick,
 * and waits for every response. Each connection carries exactly one request, so all of
 * them are in flight at once.
 */
export async function sendBurst(
  connections: readonly KeepAliveConnection[],
  invokePath: string,
  event: Buffer = EVENT,
): Promise<BurstResult> {
  const latenciesMs: number[] = [];
  const problems: string[] = [];
  let throttled = 0;
  let errors = 0;
  const note = (problem: string) => {
    errors += 1;
    if (problems.length < KEPT_PROBLEMS) problems.push(problem);
  };

  const startedAtMs = epochMs();
  let endedAtMs = startedAtMs;
  const requests = connections.map(async (connection) => {
    const sentAtMs = epochMs();
    try {
      const response = await connection.post(invokePath, event, BURST_REQUEST_TIMEOUT_MS);
      const doneAtMs = epochMs();
      endedAtMs = Math.max(endedAtMs, doneAtMs);
      if (response.status === 429) {
        throttled += 1;
        return;
      }
      const problem = checkNoopResponse(response);
      if (problem === undefined) latenciesMs.push(doneAtMs - sentAtMs);
      else note(problem);
    } catch (error) {
      endedAtMs = Math.max(endedAtMs, epochMs());
      note(String(error));
    }
  });
  await Promise.all(requests);

  return {
    requests: connections.length,
    ok: latenciesMs.length,
    throttled,
    errors,
    drainMs: endedAtMs - startedAtMs,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: max(latenciesMs),
    startedAtMs,
    endedAtMs,
    problems,
  };
}
