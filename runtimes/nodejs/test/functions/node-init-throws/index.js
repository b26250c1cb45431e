'use strict';

// `node --test` also runs this file directly as a test file; the guard keeps
// it passing there. Loaded as a handler module, it throws during Init.
if (require.main !== module) {
  const error = new Error('database URL is not configured');
  error.code = 'E_CONFIG';
  throw error;
}

exports.handler = async () => 'unreachable';
