'use strict';

// Error types that the runtime reports to the Runtime API, and the two ways
// AWS's Node.js runtime (aws-lambda-nodejs-runtime-interface-client 3.x,
// src/Errors.js) turns a thrown value into text: the `{errorType,
// errorMessage, trace}` payload and the JSON written to the log.

const util = require('util');

const DELETE_CHARACTER = /\x7F/g;

/**
 * Defines an Error subclass whose `name`, and so the reported `errorType`, is
 * `Runtime.<className>`. The name sits on the prototype, as AWS's runtime puts
 * it, so it does not show up as an own property in the logged JSON.
 */
function defineRuntimeError(className, buildMessage) {
  const ErrorClass = {
    [className]: class extends Error {
      constructor(...args) {
        super(buildMessage ? buildMessage(...args) : args[0]);
      }
    },
  }[className];
  ErrorClass.prototype.name = `Runtime.${className}`;
  return ErrorClass;
}

const MalformedHandlerName = defineRuntimeError('MalformedHandlerName');
const HandlerNotFound = defineRuntimeError('HandlerNotFound');

// The wrapped Node.js error becomes the message, e.g. "Error: Cannot find
// module 'index'", because Error's constructor converts it with String().
const ImportModuleError = defineRuntimeError('ImportModuleError');
const UserCodeSyntaxError = defineRuntimeError('UserCodeSyntaxError');

const NodeJsExit = defineRuntimeError(
  'NodeJsExit',
  () =>
    'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
);

// NOTE: this type is LambdaCraft's own, not one of AWS's: AWS streams the
// response of such handlers, which this runtime does not implement.
const ResponseStreamingNotSupported = defineRuntimeError(
  'ResponseStreamingNotSupported',
  () =>
    'Response streaming handlers (awslambda.streamifyResponse) are not supported by the LambdaCraft Node.js runtime. Return the whole response from an async handler instead.',
);

class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(describeRejectionReason(reason));
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

// The Node.js 24 runtime (interface client 4.x, src/utils/errors.ts) sets the
// name in the constructor, so there it is an own, logged property.
class CallbackHandlerDeprecated extends Error {
  constructor(message) {
    super(message);
    this.name = 'Runtime.CallbackHandlerDeprecated';
  }
}

class JSONStringifyError extends Error {
  constructor() {
    super('Unable to stringify response body');
    this.name = 'Runtime.JSONStringifyError';
  }
}

/** Converts a rejection reason to a message as `new Error(reason)` would. */
function describeRejectionReason(reason) {
  try {
    return reason === undefined ? '' : String(reason);
  } catch {
    return Object.prototype.toString.call(reason);
  }
}

/** Tells whether a value looks like an Error: a string name, message and stack. */
function isErrorLike(value) {
  return Boolean(
    value &&
    value.name &&
    value.message &&
    value.stack &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string',
  );
}

/**
 * Builds the body that AWS's runtime posts to `/init/error` and
 * `/invocation/{id}/error`. A value that is not an Error reports its `typeof`
 * as errorType, e.g. `throw "boom"` gives `{"errorType":"string",
 * "errorMessage":"boom","trace":[]}`.
 */
function toErrorResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name?.replace(DELETE_CHARACTER, '%7F'),
        errorMessage: error.message?.replace(DELETE_CHARACTER, '%7F'),
        trace: error.stack.replace(DELETE_CHARACTER, '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** Wraps a value that is not an Error in one, as AWS's runtime does before logging. */
function intoError(value) {
  return value instanceof Error ? value : new Error(value);
}

/**
 * Formats an error for the text log: a tab, then JSON with errorType,
 * errorMessage, code, the error's own enumerable properties and the stack as
 * an array of lines. Nested errors (e.g. `reason`) get the same treatment.
 */
function formatErrorForLog(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withErrorFields(value));
  } catch {
    return '\t' + JSON.stringify(toErrorResponse(error));
  }
}

function withErrorFields(value) {
  if (!(value instanceof Error)) {
    return value;
  }
  const fields = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') {
    fields.stack = value.stack.split('\n');
  }
  return fields;
}

module.exports = {
  MalformedHandlerName,
  HandlerNotFound,
  ImportModuleError,
  UserCodeSyntaxError,
  NodeJsExit,
  ResponseStreamingNotSupported,
  UnhandledPromiseRejection,
  CallbackHandlerDeprecated,
  JSONStringifyError,
  toErrorResponse,
  intoError,
  formatErrorForLog,
};
