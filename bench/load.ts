import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

import { BENCH_SOURCE_DIR } from './paths.js';

export type LoadTool = 'wrk' | 'autocannon';

/** Load tool processes still running, for the harness's own SIGINT and SIGTERM handler. */
const runningTools = new Set<ChildProcess>();

/** Sends SIGTERM to every load tool process still running. */
export function stopLoadTools(): void {
  for (const child of runningTools) child.kill('SIGTERM');
}

/** Per-request timeout of the load tools; a request slower than this counts as a timeout. */
const LOAD_TIMEOUT_SECONDS = 5;

export interface LoadResult {
  tool: LoadTool;
  connections: number;
  /** Length of the phase as the tool measured it. */
  durationSeconds: number;
  /** Completed responses, any status. */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses with status 400 or above (wrk) or outside 2xx (autocannon). */
  httpErrors: number;
  /** Connect, read and write errors on the sockets. */
  socketErrors: number;
  timeouts: number;
  /**
   * With wrk: for POST, 200 responses with X-Amz-Function-Error; for GET, 200 responses whose
   * body lacks "hello world". autocannon cannot count them (undefined).
   */
  functionErrors: number | undefined;
  command: string;
}

/** Returns the forced load tool, else wrk when it is on PATH, else autocannon. */
export function chooseLoadTool(forced: LoadTool | undefined): LoadTool {
  if (forced !== undefined) return forced;
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined ? 'wrk' : 'autocannon';
}

/** Version line of the load tool, for the machine description. */
export function loadToolVersion(tool: LoadTool): string {
  if (tool === 'autocannon') {
    const require = createRequire(import.meta.url);
    const manifest = require('autocannon/package.json') as { version: string };
    return `autocannon ${manifest.version}`;
  }
  // wrk prints its version with the usage text and exits with status 1.
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return (probe.stdout.split('\n')[0] ?? 'wrk').replace(/ Copyright.*$/, '');
}

/**
 * Runs the load tool against the URL with `connections` keep-alive connections, sending
 * POST with the body `{}` or GET without a body.
 */
export async function runLoad(
  tool: LoadTool,
  url: string,
  method: 'POST' | 'GET',
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  return tool === 'wrk'
    ? runWrk(url, method, connections, seconds)
    : runAutocannon(url, method, connections, seconds);
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  statusErrors: number;
  timeouts: number;
  functionErrors: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

async function runWrk(
  url: string,
  method: 'POST' | 'GET',
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  // One wrk thread: on a 2-core machine it drove floor A at tens of thousands of requests/s,
  // several times any other target, and two threads gave no higher rate there.
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    `${LOAD_TIMEOUT_SECONDS}s`,
    '-s',
    path.join(BENCH_SOURCE_DIR, 'wrk', 'invoke.lua'),
    url,
    ...(method === 'GET' ? ['--', 'GET'] : []),
  ];
  const stdout = await runTool('wrk', args);
  const line = stdout.split('\n').find((item) => item.startsWith('BENCH_WRK '));
  if (line === undefined) throw new Error(`wrk printed no BENCH_WRK line:\n${stdout}`);

  const summary = JSON.parse(line.slice('BENCH_WRK '.length)) as WrkSummary;
  const durationSeconds = summary.durationUs / 1e6;
  return {
    tool: 'wrk',
    connections,
    durationSeconds,
    requests: summary.requests,
    requestsPerSecond: summary.requests / durationSeconds,
    p50Ms: summary.p50Us / 1000,
    p99Ms: summary.p99Us / 1000,
    maxMs: summary.maxUs / 1000,
    httpErrors: summary.statusErrors,
    socketErrors: summary.connectErrors + summary.readErrors + summary.writeErrors,
    timeouts: summary.timeouts,
    functionErrors: summary.functionErrors,
    command: ['wrk', ...args].join(' '),
  };
}

interface AutocannonSummary {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function runAutocannon(
  url: string,
  method: 'POST' | 'GET',
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const request =
    method === 'GET'
      ? ['-m', 'GET']
      : ['-m', 'POST', '-H', 'Content-Type=application/json', '-b', '{}'];
  const require = createRequire(import.meta.url);
  const args = [
    require.resolve('autocannon'),
    '--json',
    '--no-progress',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-t',
    String(LOAD_TIMEOUT_SECONDS),
    ...request,
    url,
  ];
  const stdout = await runTool(process.execPath, args);
  const summary = JSON.parse(stdout) as AutocannonSummary;
  // NOTE: autocannon 9 records latencies in whole milliseconds, so its p50 and p99 are far
  // coarser than wrk's microseconds, and it records only 2xx responses in them.
  return {
    tool: 'autocannon',
    connections,
    durationSeconds: summary.duration,
    requests: summary.requests.total,
    requestsPerSecond: summary.requests.total / summary.duration,
    p50Ms: summary.latency.p50,
    p99Ms: summary.latency.p99,
    maxMs: summary.latency.max,
    httpErrors: summary.non2xx,
    // autocannon counts timeouts among its errors.
    socketErrors: summary.errors - summary.timeouts,
    timeouts: summary.timeouts,
    functionErrors: undefined,
    command: ['autocannon', ...args.slice(1)].join(' '),
  };
}

/** Runs a tool to completion and returns its stdout; a non-zero exit is an error. */
function runTool(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    runningTools.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      runningTools.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${file} ended with ${signal ?? `status ${code}`}: ${stderr.trim()}`));
    });
  });
}
