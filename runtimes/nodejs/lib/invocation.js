'use strict';

// The context object of one invocation and the ways a handler can finish, as
// in AWS's Node.js runtime (interface client 3.x, src/CallbackContext.js,
// src/InvokeContext.js, src/Runtime.js):
//
// - a returned Promise settles: its value or rejection is posted at once;
// - callback(error, result): an error is posted at once; a result is posted
//   when the event loop drains, or at once if the handler set
//   context.callbackWaitsForEmptyEventLoop = false;
// - context.succeed/fail/done: posted at once;
// - none of these, and the event loop drains: null is posted, or
//   Runtime.NodeJsExit for an `async function` whose Promise never settled.
//
// Only the first of callback/succeed/fail/done counts.

const { NodeJsExit } = require('./errors.js');
const { logError } = require('./logging.js');

const ALREADY_REPORTED_MESSAGE =
  'Invocation has already been reported as done. Cannot call complete more than once per invocation.';

// The work to do when the event loop drains. The 'beforeExit' hook installed
// by the runtime calls whatever is current; during Init it does nothing.
let beforeExitListener = () => {};

function setBeforeExitListener(listener) {
  beforeExitListener = listener;
}

function resetBeforeExitListener() {
  beforeExitListener = () => {};
}

function runBeforeExitListener() {
  beforeExitListener();
}

/**
 * Runs the handler for one event. `onReported(postPromise)` is called in the
 * same tick as each POST for this request id, so the caller can send the next
 * GET /next in the same write. A late call (e.g. an error after null was
 * posted) can make a second POST.
 */
function runInvocation({ handler, metadata, client, headers, body, onReported }) {
  const requestId = headers['lambda-runtime-aws-request-id'];
  const completion = createCompletion({ client, requestId, onReported });
  setBeforeExitListener(() => completion.reportEmptyEventLoop(metadata.isAsync));

  try {
    const event = JSON.parse(body);
    const context = buildContext(headers, completion.contextMembers);
    const result = handler(event, context, completion.callback);
    if (isPromiseLike(result)) {
      const { succeed, fail } = completion.contextMembers;
      result.then(succeed, fail).catch(fail);
    }
  } catch (error) {
    completion.callback(error);
  }
}

/** Builds the callback, succeed/fail/done and the posting rules for one request. */
function createCompletion({ client, requestId, onReported }) {
  let waitsForEmptyEventLoop = true;
  let isReported = false;
  let isFinished = false;

  const postError = (error) => {
    logError('Invoke Error', error);
    onReported(client.postInvocationError(requestId, error));
  };

  const postResult = (result) => {
    if (isReported) {
      console.error(ALREADY_REPORTED_MESSAGE);
      return;
    }
    isReported = true;
    let posted;
    try {
      posted = client.postInvocationResponse(requestId, result);
    } catch (serializationError) {
      // NOTE: for a Promise result AWS's Node.js 18-22 runtimes post this
      // error, as is done here for every style. For a callback result they
      // crash with exit code 129 instead.
      postError(serializationError);
      return;
    }
    onReported(posted);
  };

  const done = (error, result) => {
    resetBeforeExitListener();
    if (error !== undefined && error !== null) {
      postError(error);
    } else {
      postResult(result);
    }
  };

  const callback = (error, result) => {
    resetBeforeExitListener();
    if (error !== undefined && error !== null) {
      postError(error);
    } else if (!waitsForEmptyEventLoop) {
      postResult(result);
    } else {
      setBeforeExitListener(() => postResult(result));
    }
  };

  const firstCallOnly =
    (fn) =>
    (...args) => {
      if (!isFinished) {
        isFinished = true;
        fn(...args);
      }
    };

  const contextMembers = {
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
    succeed: firstCallOnly((result) => done(null, result)),
    fail: firstCallOnly((error) => done(error ?? 'handled', null)),
    done: firstCallOnly(done),
  };

  // The event loop drained before the handler finished: a sync or callback
  // handler counts as done with null, an `async function` as failed.
  const reportEmptyEventLoop = (isAsync) => {
    isReported = true;
    if (isAsync) {
      const error = new NodeJsExit();
      logError('Invoke Error', error);
      onReported(client.postInvocationError(requestId, error));
    } else {
      onReported(client.postInvocationResponse(requestId, null));
    }
  };

  return { callback: firstCallOnly(callback), contextMembers, reportEmptyEventLoop };
}

/**
 * Adds the invocation's fields to the callback members, in AWS's key order:
 * callbackWaitsForEmptyEventLoop, succeed, fail, done, functionVersion,
 * functionName, memoryLimitInMB, logGroupName, logStreamName, clientContext,
 * identity, invokedFunctionArn, awsRequestId, tenantId,
 * getRemainingTimeInMillis. Throws if a JSON header cannot be parsed.
 */
function buildContext(headers, callbackMembers) {
  forwardTraceId(headers['lambda-runtime-trace-id']);
  const deadlineMs = Number(headers['lambda-runtime-deadline-ms']);

  return Object.assign(callbackMembers, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis() {
      return deadlineMs - Date.now();
    },
  });
}

/** Copies the X-Ray trace header into _X_AMZN_TRACE_ID, or removes the variable. */
function forwardTraceId(traceId) {
  if (traceId) {
    process.env._X_AMZN_TRACE_ID = traceId;
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
}

function parseJsonHeader(value, name) {
  if (value === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${error.toString()}`);
  }
}

function isPromiseLike(value) {
  return Boolean(value) && typeof value.then === 'function';
}

module.exports = { runInvocation, runBeforeExitListener };
