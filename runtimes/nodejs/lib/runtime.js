'use strict';

// Init and the invoke loop: load the handler named by _HANDLER, then
// GET /next, run the handler, POST its outcome, and repeat.
//
// Process-level failures follow AWS's Node.js runtime (interface client 3.x,
// src/index.mjs). An uncaught exception or unhandled rejection is logged and
// posted, to /init/error before the first event and to the current request's
// /error after it. The process then exits with 129 or 128.

const { RuntimeApiClient } = require('./runtime-api-client.js');
const { loadHandler, getHandlerMetadata, installAwsLambdaGlobal } = require('./handler-loader.js');
const { runInvocation, runBeforeExitListener } = require('./invocation.js');
const { patchConsole, logError, setCurrentRequestId, setCurrentTenantId } = require('./logging.js');
const {
  CallbackHandlerDeprecated,
  ResponseStreamingNotSupported,
  UnhandledPromiseRejection,
} = require('./errors.js');

const UNCAUGHT_EXCEPTION_EXIT_CODE = 129;
const UNHANDLED_REJECTION_EXIT_CODE = 128;
// Node.js exits with 13 when the main module's top-level await never settles.
// AWS's runtime awaits the handler's import in its main ES module, so an Init
// whose user code waits forever on a Promise ends with 13 there.
const UNSETTLED_INIT_EXIT_CODE = 13;
const RUNTIME_API_FAILURE_EXIT_CODE = 1;

// Messages of AWS's runtimes: the Node.js 18-22 warning is from interface
// client 3.x (src/WarningForCallbackHandlers.js); the Node.js 24 error is from
// interface client 4.x (src/context/constants.ts).
const CALLBACK_WARNING =
  'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.';
const CALLBACK_REMOVED_MESSAGE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/**
 * Starts the runtime from the current process.env and working directory.
 * Returns once the handler is loaded and the first GET /next is sent; the
 * process then lives on the invoke loop.
 */
async function startRuntime() {
  const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) {
    exitWithRuntimeFailure(
      new Error(
        'AWS_LAMBDA_RUNTIME_API is not set. Set it to the Runtime API address as host:port.',
      ),
    );
    return;
  }

  const nodeMajorVersion = parseRuntimeMajorVersion(process.env.AWS_EXECUTION_ENV);
  patchConsole();
  const client = new RuntimeApiClient(runtimeApi, {
    isStringifyErrorTyped: nodeMajorVersion >= 24,
  });
  const failureReporter = new FailureReporter(client);
  failureReporter.install();
  process.on('beforeExit', runBeforeExitListener);

  const loaded = await initialize(nodeMajorVersion, failureReporter);
  if (loaded) {
    new InvokeLoop(client, loaded.handler, loaded.metadata, failureReporter).requestNext();
  }
}

/**
 * Reads "AWS_Lambda_nodejs22.x" as 22. Without a recognisable value the
 * runtime behaves as the Node.js 18-22 runtimes do.
 */
function parseRuntimeMajorVersion(executionEnvironment) {
  const match = /^AWS_Lambda_nodejs(\d+)/.exec(executionEnvironment ?? '');
  return match ? Number(match[1]) : 0;
}

/** Loads and checks the handler; on failure reports the Init error and returns undefined. */
async function initialize(nodeMajorVersion, failureReporter) {
  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  process.exitCode = UNSETTLED_INIT_EXIT_CODE;
  try {
    installAwsLambdaGlobal();
    const handler = await loadHandler(appRoot, process.env._HANDLER ?? '');
    const metadata = getHandlerMetadata(handler);
    checkHandlerStyle(metadata, nodeMajorVersion);
    return { handler, metadata };
  } catch (error) {
    // AWS's Node.js 18-22 runtime lets the error reach its uncaughtException
    // listener; the Node.js 24 runtime logs it under its own label.
    logError(nodeMajorVersion >= 24 ? 'Init Error' : 'Uncaught Exception', error);
    failureReporter.reportAndExit(error, UNCAUGHT_EXCEPTION_EXIT_CODE);
    return undefined;
  } finally {
    if (process.exitCode === UNSETTLED_INIT_EXIT_CODE) {
      process.exitCode = undefined;
    }
  }
}

/**
 * Node.js 24 rejects any handler declared with three or more parameters
 * (callback style). Node.js 18-22 only warn, and only for a non-async
 * function with exactly three.
 */
function checkHandlerStyle(metadata, nodeMajorVersion) {
  if (metadata.isStreaming) {
    throw new ResponseStreamingNotSupported();
  }
  if (nodeMajorVersion >= 24) {
    if (metadata.argumentCount >= 3) {
      throw new CallbackHandlerDeprecated(CALLBACK_REMOVED_MESSAGE);
    }
    return;
  }
  const isWarningDisabled = process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING !== undefined;
  if (metadata.argumentCount === 3 && !metadata.isAsync && !isWarningDisabled) {
    console.warn(CALLBACK_WARNING);
  }
}

/** Fetches events one at a time and runs the handler on each. */
class InvokeLoop {
  constructor(client, handler, metadata, failureReporter) {
    this.client = client;
    this.handler = handler;
    this.metadata = metadata;
    this.failureReporter = failureReporter;
  }

  requestNext() {
    this.client.nextInvocation().then(
      (invocation) => this.run(invocation),
      (error) => exitWithRuntimeFailure(error),
    );
  }

  run({ headers, body }) {
    const requestId = headers['lambda-runtime-aws-request-id'];
    if (!requestId) {
      const error = new Error(
        'GET /invocation/next returned no Lambda-Runtime-Aws-Request-Id header',
      );
      console.log(`Unexpected Top Level Error: ${error.toString()}`);
      this.failureReporter.reportAndExit(error, UNCAUGHT_EXCEPTION_EXIT_CODE);
      return;
    }

    setCurrentRequestId(requestId);
    setCurrentTenantId(headers['lambda-runtime-aws-tenant-id']);
    this.failureReporter.requestId = requestId;
    let isNextRequested = false;
    const onReported = (posted) => {
      posted.catch(exitWithRuntimeFailure);
      if (!isNextRequested) {
        isNextRequested = true;
        this.requestNext();
      }
    };
    runInvocation({
      handler: this.handler,
      metadata: this.metadata,
      client: this.client,
      headers,
      body,
      onReported,
    });
  }
}

/**
 * Reports failures that end the process. Each is logged as AWS's runtime logs
 * it and posted to the Runtime API (as the Init error before the first event,
 * as the current request's error after it). The process exits once the
 * Runtime API has responded to that POST.
 */
class FailureReporter {
  constructor(client) {
    this.client = client;
    this.requestId = undefined;
    this.isExiting = false;
  }

  install() {
    process.on('uncaughtException', (error) => {
      logError('Uncaught Exception', error);
      this.reportAndExit(error, UNCAUGHT_EXCEPTION_EXIT_CODE);
    });
    process.on('unhandledRejection', (reason, promise) => {
      const error = new UnhandledPromiseRejection(reason, promise);
      logError('Unhandled Promise Rejection', error);
      this.reportAndExit(error, UNHANDLED_REJECTION_EXIT_CODE);
    });
  }

  /** Posts the error once; later failures while exiting are only logged. */
  reportAndExit(error, exitCode) {
    if (this.isExiting) {
      return;
    }
    this.isExiting = true;
    const posted =
      this.requestId === undefined
        ? this.client.postInitError(error)
        : this.client.postInvocationError(this.requestId, error);
    const exit = () => process.exit(exitCode);
    posted.then(exit, (postError) => {
      writeRuntimeFailure(postError);
      exit();
    });
  }
}

function exitWithRuntimeFailure(error) {
  writeRuntimeFailure(error);
  process.exit(RUNTIME_API_FAILURE_EXIT_CODE);
}

function writeRuntimeFailure(error) {
  process.stderr.write(`[lambdacraft-runtime] ${error.message}\n`);
}

module.exports = { startRuntime };
