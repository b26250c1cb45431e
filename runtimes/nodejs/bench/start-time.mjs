// Measures how long the bootstrap takes from spawn to its first
// GET /2018-06-01/runtime/invocation/next, for a trivial handler.
//
//   node runtimes/nodejs/bench/start-time.mjs [--runs 20]
//
// Modes:
//   cjs-handler        normal start, CommonJS handler
//   esm-handler        normal start, .mjs handler
//   deferred-cjs       deferred-init spare process, CommonJS handler: from
//                      writing the start request on stdin (the spare has had
//                      300 ms to load)
//   deferred-esm       the same with the .mjs handler
//   esm-entry          normal start through an ES module wrapper around
//                      bootstrap.js, to compare the cost of an ESM entry point
//   node-baseline      `node -e 0` to exit, for scale

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  startRuntimeApi,
  spawnRuntime,
  stopRuntime,
  BOOTSTRAP_PATH,
} from '../test/helpers/runtime-api.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runCount = Number(values.runs);

const CJS_HANDLER = { functionName: 'node-nested-export', handler: 'lib/mod.nested.fn' };
const ESM_HANDLER = { functionName: 'node-esm-mjs', handler: 'index.handler' };
const SPARE_LOAD_WAIT_MS = 300;

/** Spawns one runtime and returns milliseconds from `startClock` to its first GET /next. */
async function measureOnce(api, options, { deferred = false, bootstrapPath } = {}) {
  const firstPoll = api.waitForNextPoll();
  let startedAt = performance.now();
  const runtime = spawnRuntime({ api, ...options, deferred, bootstrapPath });
  if (deferred) {
    await new Promise((resolve) => setTimeout(resolve, SPARE_LOAD_WAIT_MS));
    startedAt = performance.now();
    runtime.sendStartRequest();
  }
  const polledAt = await firstPoll;
  await stopRuntime(runtime);
  return polledAt - startedAt;
}

async function measureNodeBaseline() {
  const startedAt = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', resolve));
  return performance.now() - startedAt;
}

function summarize(name, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const format = (value) => value.toFixed(1).padStart(6);
  console.log(
    `${name.padEnd(14)} median ${format(median)} ms   min ${format(sorted[0])} ms   max ${format(sorted.at(-1))} ms   (n=${sorted.length})`,
  );
}

async function main() {
  const api = await startRuntimeApi();
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-start-time-'));
  const esmEntryPath = path.join(scratchDir, 'bootstrap.mjs');
  writeFileSync(esmEntryPath, `import ${JSON.stringify(BOOTSTRAP_PATH)};\n`);

  const modes = {
    'cjs-handler': () => measureOnce(api, CJS_HANDLER),
    'esm-handler': () => measureOnce(api, ESM_HANDLER),
    'deferred-cjs': () => measureOnce(api, CJS_HANDLER, { deferred: true }),
    'deferred-esm': () => measureOnce(api, ESM_HANDLER, { deferred: true }),
    'esm-entry': () => measureOnce(api, CJS_HANDLER, { bootstrapPath: esmEntryPath }),
    'node-baseline': measureNodeBaseline,
  };
  const samples = Object.fromEntries(Object.keys(modes).map((name) => [name, []]));

  // Interleave the modes so that machine noise spreads evenly over them.
  for (let run = 0; run < runCount; run += 1) {
    for (const [name, measure] of Object.entries(modes)) {
      samples[name].push(await measure());
    }
  }

  console.log(
    `node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
  );
  for (const [name, values] of Object.entries(samples)) {
    summarize(name, values);
  }
  rmSync(scratchDir, { recursive: true, force: true });
  await api.close();
}

await main();
