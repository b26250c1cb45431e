'use strict';

// Handlers in every style that AWS's Node.js runtime accepts. Each one is
// selected through _HANDLER, e.g. "index.asyncSuccess".

exports.asyncSuccess = async (event) => ({ received: event });

exports.asyncUndefined = async () => undefined;

exports.asyncError = async () => {
  class ValidationError extends Error {}
  const error = new ValidationError('invalid order');
  error.code = 'E_ORDER';
  throw error;
};

exports.asyncNamedError = async () => {
  const error = new Error('upstream unavailable');
  error.name = 'UpstreamError';
  throw error;
};

exports.asyncThrowsString = async () => {
  throw 'plain string failure';
};

exports.syncThrows = () => {
  throw new TypeError('sync failure');
};

exports.callbackWaitsForTimer = (event, context, callback) => {
  setTimeout(() => console.log('timer fired'), 500);
  callback(null, { waited: true });
};

exports.callbackReturnsAtOnce = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('timer from the previous invocation fired'), 500);
  callback(null, { waited: false });
};

exports.callbackError = (event, context, callback) => {
  callback(new RangeError('out of range'));
};

exports.callbackTwice = (event, context, callback) => {
  callback(null, 'first');
  callback(null, 'second');
  callback(new Error('third'));
};

exports.syncNoCallback = (event) => {
  setTimeout(() => console.log('sync handler timer fired'), 100);
  return 'ignored return value';
};

exports.neverSettles = async () => new Promise(() => {});

exports.contextSucceed = (event, context) => {
  context.succeed({ via: 'succeed' });
};

exports.contextFailWithoutError = (event, context) => {
  context.fail();
};

exports.contextDone = (event, context) => {
  context.done(null, { via: 'done' });
};

exports.circularResult = async () => {
  const result = { name: 'loop' };
  result.self = result;
  return result;
};

exports.uncaughtInTimer = async () => {
  setTimeout(() => {
    throw new Error('thrown from a timer');
  }, 10);
  return new Promise(() => {});
};

exports.unhandledRejection = async () => {
  Promise.reject(new Error('nobody handles this'));
  return new Promise((resolve) => setTimeout(resolve, 1000));
};

exports.echoContext = async (event, context) => ({
  serialized: JSON.parse(JSON.stringify(context)),
  keys: Object.keys(context),
  remainingTimeMs: context.getRemainingTimeInMillis(),
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  traceId: process.env._X_AMZN_TRACE_ID ?? null,
  clientContext: context.clientContext ?? null,
  identity: context.identity ?? null,
  tenantId: context.tenantId ?? null,
});

exports.sleep = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { sleptMs: event.sleepMs };
};

exports.environment = async (event) => {
  const result = {};
  for (const name of event.names) {
    result[name] = process.env[name] ?? null;
  }
  result.cwd = process.cwd();
  result.timezoneOffsetMinutes = new Date(2020, 6, 1).getTimezoneOffset();
  return result;
};
