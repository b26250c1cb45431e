'use strict';

// `node --test` also runs this file directly, where the runtime's awslambda
// global does not exist.
const streamifyResponse = globalThis.awslambda?.streamifyResponse ?? ((handler) => handler);

exports.handler = streamifyResponse(async (event, responseStream) => {
  responseStream.end('streamed');
});
