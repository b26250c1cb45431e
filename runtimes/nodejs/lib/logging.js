'use strict';

// Replaces console.* so that every call writes one log line to stdout in the
// shape AWS's Node.js runtime writes it (interface client 3.x, src/LogPatch.js):
//
//   text (default): <ISO timestamp>\t<requestId>\t<LEVEL>\t<util.format output>
//   JSON (AWS_LAMBDA_LOG_FORMAT=JSON): {"timestamp","level","requestId",
//                                       ["tenantId"],"message",...}
//
// Every "\n" inside a line becomes "\r", so CloudWatch keeps a multi-line
// message (a stack trace, pretty-printed JSON) in one log event.

const util = require('util');
const { intoError, formatErrorForLog } = require('./errors.js');

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

// The same global symbols as AWS's runtime, so that libraries which read the
// current request id from them (e.g. logging helpers) keep working.
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');

let errorLogger = logErrorAsText;

/**
 * Sets the request id written into each log line. AWS's runtime sets it when an
 * invocation starts and never clears it, so output after a response (from a
 * timer, say) still carries the last request id, and output during Init
 * carries `undefined`.
 */
function setCurrentRequestId(requestId) {
  globalThis[REQUEST_ID_SYMBOL] = requestId;
}

function setCurrentTenantId(tenantId) {
  globalThis[TENANT_ID_SYMBOL] = tenantId;
}

/**
 * Patches console.trace/debug/info/log/warn/error and adds console.fatal.
 * AWS_LAMBDA_LOG_LEVEL turns the levels below it into no-ops (default: all
 * levels are written). Reads the environment once, so call it after the
 * function's environment is in place.
 */
function patchConsole() {
  const isJson = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const writeLine = isJson ? writeJsonLine : writeTextLine;
  const minimumLevel = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const createMethod = (level) =>
    level.priority >= minimumLevel.priority
      ? (message, ...params) => writeLine(level, message, params)
      : () => {};

  console.trace = createMethod(LEVELS.TRACE);
  console.debug = createMethod(LEVELS.DEBUG);
  console.info = createMethod(LEVELS.INFO);
  console.log = console.info;
  console.warn = createMethod(LEVELS.WARN);
  console.error = createMethod(LEVELS.ERROR);
  console.fatal = (message, ...params) => writeLine(LEVELS.FATAL, message, params);
  errorLogger = isJson ? logErrorAsJson : logErrorAsText;
}

/**
 * Logs an error the runtime caught, e.g. `logError('Invoke Error', error)`
 * writes `...\tERROR\tInvoke Error \t{"errorType":...,"stack":[...]}` in text
 * format and the error object as the message in JSON format.
 */
function logError(label, error) {
  errorLogger(label, error);
}

function logErrorAsText(label, error) {
  console.error(label, formatErrorForLog(intoError(error)));
}

function logErrorAsJson(_label, error) {
  console.error(intoError(error));
}

function writeTextLine(level, message, params) {
  const requestId = globalThis[REQUEST_ID_SYMBOL];
  const text = util.format(message, ...params);
  const line = `${new Date().toISOString()}\t${requestId}\t${level.name}\t${text}`;
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function writeJsonLine(level, message, params) {
  const record = {
    timestamp: new Date().toISOString(),
    level: level.name,
    requestId: globalThis[REQUEST_ID_SYMBOL],
  };
  const tenantId = globalThis[TENANT_ID_SYMBOL];
  if (tenantId !== undefined && tenantId !== null) {
    record.tenantId = tenantId;
  }
  const line = formatJsonRecord(record, message, params);
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

/**
 * Serialises one JSON log record. A lone argument is kept as a value (an
 * Error becomes {errorType, errorMessage, stackTrace, ...}); several
 * arguments are joined with util.format and the first Error among them adds
 * errorType, errorMessage and stackTrace fields.
 */
function formatJsonRecord(record, message, params) {
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, replaceErrorForJson);
    } catch {
      record.message = util.format(message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(message, ...params);
  const firstError = [message, ...params].find((value) => value instanceof Error);
  if (firstError) {
    record.errorType = firstError.constructor?.name ?? 'UnknownError';
    record.errorMessage = firstError.message;
    record.stackTrace = typeof firstError.stack === 'string' ? firstError.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function replaceErrorForJson(_key, value) {
  if (!(value instanceof Error)) {
    return value;
  }
  const stackTrace = typeof value.stack === 'string' ? value.stack.split('\n') : value.stack;
  return Object.assign(
    {
      errorType: value.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace,
    },
    value,
  );
}

module.exports = { patchConsole, logError, setCurrentRequestId, setCurrentTenantId };
