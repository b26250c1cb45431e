// Handlers that show one Lambda behaviour each, for the Node.js runtime tests.
let invocations = 0;

exports.echo = async (event, context) => {
  invocations += 1;
  console.log('echo called', invocations);
  return { event, invocations, pid: process.pid, remainingMs: context.getRemainingTimeInMillis() };
};

exports.fail = async () => {
  throw new TypeError('the handler failed on purpose');
};

// A callback handler whose timer is still pending when it calls back.
exports.callbackWithTimer = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => console.log('timer fired'), 500);
  callback(null, { started: Date.now() });
};

exports.nested = { inner: { handler: async () => 'nested export' } };

// Returns, then throws from a timer: the runtime exits while idle.
exports.throwLater = async () => {
  setTimeout(() => {
    throw new Error('thrown by a timer after the handler returned');
  }, 10);
  return 'returned';
};
