'use strict';

// Entry point of LambdaCraft's Node.js runtime (runtime ids nodejs18.x to
// nodejs24.x): `node bootstrap.js`, with the function's code folder as the
// working directory and the Lambda environment variables set. The process
// talks to the platform only through the Runtime API at
// AWS_LAMBDA_RUNTIME_API. With LAMBDACRAFT_DEFERRED_INIT=1 it first waits for
// the environment on stdin (see lib/deferred-init.js).
//
// CommonJS, not an ES module: a CommonJS entry skips the ES module loader's
// set-up and reached the first GET /next about 5 ms sooner (bench/start-time.mjs).

const { startRuntime } = require('./lib/runtime.js');
const { readStartLine, applyStartRequest } = require('./lib/deferred-init.js');

function main() {
  if (process.env.LAMBDACRAFT_DEFERRED_INIT !== '1') {
    startRuntime();
    return;
  }
  readStartLine(
    (line) => {
      try {
        applyStartRequest(line);
      } catch (error) {
        exitOnBadStartRequest(error);
        return;
      }
      startRuntime();
    },
    (error) => exitOnBadStartRequest(error),
  );
}

function exitOnBadStartRequest(error) {
  process.stderr.write(`[lambdacraft-runtime] deferred init failed: ${error.message}\n`);
  process.exit(1);
}

main();
