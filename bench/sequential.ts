import { checkNoopResponse, KeepAliveConnection, type BenchRequest } from './http-client.js';
import { max, nanosecondsToMs, percentile } from './stats.js';

/** Maximum wait for one response, above the no-op functions' 3 s timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** How many problem descriptions a result keeps; the counts cover every one. */
const KEPT_PROBLEMS = 5;
const EVENT = Buffer.from('{}');

export interface SequentialResult {
  /** Requests sent, valid or not. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses that failed the request's check (for Invoke: not a 200 with the no-op result). */
  invalidResponses: number;
  /** The connection error that ended the phase early, if one did. */
  transportError: string | undefined;
  problems: string[];
}

/** Sends requests one at a time on one keep-alive connection and times each one. */
export class SequentialClient {
  readonly #connection: KeepAliveConnection;
  readonly #request: BenchRequest;

  private constructor(connection: KeepAliveConnection, request: BenchRequest) {
    this.#connection = connection;
    this.#request = request;
  }

  static async open(port: number, request: BenchRequest): Promise<SequentialClient> {
    return new SequentialClient(await KeepAliveConnection.open(port), request);
  }

  /** Sends `count` requests back to back, timing each with `process.hrtime.bigint()`. */
  async run(count: number): Promise<SequentialResult> {
    const latenciesMs: number[] = [];
    const problems: string[] = [];
    let invalidResponses = 0;
    let transportError: string | undefined;

    for (let i = 0; i < count; i += 1) {
      const started = process.hrtime.bigint();
      try {
        const { method, path, check } = this.#request;
        const response =
          method === 'GET'
            ? await this.#connection.get(path, REQUEST_TIMEOUT_MS)
            : await this.#connection.post(path, EVENT, REQUEST_TIMEOUT_MS);
        latenciesMs.push(nanosecondsToMs(process.hrtime.bigint() - started));
        const problem = check(response);
        if (problem !== undefined) {
          invalidResponses += 1;
          if (problems.length < KEPT_PROBLEMS) problems.push(`request ${i + 1}: ${problem}`);
        }
      } catch (error) {
        transportError = `request ${i + 1} of ${count}: ${String(error)}`;
        break;
      }
    }

    return {
      requests: latenciesMs.length + (transportError === undefined ? 0 : 1),
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      maxMs: max(latenciesMs),
      invalidResponses,
      transportError,
      problems,
    };
  }

  close(): void {
    this.#connection.close();
  }
}

export interface FreshRequestResult {
  /** Connect, request and whole response, in milliseconds. */
  ms: number;
  /** Description of an invalid response or a failed connection; undefined when valid. */
  problem: string | undefined;
}

/** Times one request on a new connection, from before the connect to the end of the body. */
export async function timeFreshRequest(port: number, path: string): Promise<FreshRequestResult> {
  const started = process.hrtime.bigint();
  let connection: KeepAliveConnection | undefined;
  try {
    connection = await KeepAliveConnection.open(port);
    const response = await connection.post(path, EVENT, REQUEST_TIMEOUT_MS);
    const ms = nanosecondsToMs(process.hrtime.bigint() - started);
    return { ms, problem: checkNoopResponse(response) };
  } catch (error) {
    return { ms: nanosecondsToMs(process.hrtime.bigint() - started), problem: String(error) };
  } finally {
    connection?.close();
  }
}
