'use strict';

// Entry point of LambdaCraft's Node.js runtime (runtime ids nodejs18.x to
// nodejs24.x): `node bootstrap.js`, with the function's code folder as the
// working directory and the Lambda environment variables set. The process
// talks to the platform only through the Runtime API at
// AWS_LAMBDA_RUNTIME_API. With LAMBDACRAFT_DEFERRED_INIT=1 it first waits for
// the environment on stdin (see lib/deferred-init.js).
//
// The entry is CommonJS, not an ES module, because a CommonJS entry skips the
// set-up of the ES module loader. An ES module entry reached the first
// GET /next about 6 ms later: 42.3 against 35.7 ms, median of 40 starts of
// bench/start-time.mjs with Node.js 20 on 2 AMD EPYC cores.

const { startRuntime } = require('./lib/runtime.js');

function main() {
  if (process.env.LAMBDACRAFT_DEFERRED_INIT !== '1') {
    startRuntime();
    return;
  }

  const { warmUp, readStartLine, applyStartRequest } = require('./lib/deferred-init.js');
  const onLine = (line) => {
    try {
      applyStartRequest(line);
    } catch (error) {
      exitOnBadStartRequest(error);
      return;
    }
    startRuntime();
  };
  warmUp().then(() => readStartLine(onLine, exitOnBadStartRequest), exitOnBadStartRequest);
}

function exitOnBadStartRequest(error) {
  process.stderr.write(`[lambdacraft-runtime] deferred init failed: ${error.message}\n`);
  process.exit(1);
}

main();
