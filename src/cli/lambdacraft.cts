#!/usr/bin/env node
// The `lambdacraft` command. It sizes libuv's thread pool before anything starts the pool,
// which only a CommonJS entry point can do: Node.js reads an ES module entry through the
// pool. The pool runs the object store's file writes, renames and fsyncs, and a pool with
// more threads than CPUs takes the CPUs from the event loop. BENCHMARKS.md ("Thread pool
// size") has the measurements on 2 CPUs. A UV_THREADPOOL_SIZE set by the user is kept.
import { availableParallelism } from 'node:os';

const LIBUV_DEFAULT_POOL_THREADS = 4;
const MIN_POOL_THREADS = 2;

process.env.UV_THREADPOOL_SIZE ??= String(
  Math.max(MIN_POOL_THREADS, Math.min(LIBUV_DEFAULT_POOL_THREADS, availableParallelism())),
);
void import('./main.js');
