'use strict';

// Logs during Init (no request id yet) and in every console method.
console.log('module loaded');

exports.logLines = async () => {
  console.log('hello %s, number %d', 'world', 42);
  console.info('info line');
  console.warn('warn line');
  console.error('error line');
  console.debug('debug line');
  console.trace('trace line');
  console.log('first\nsecond\nthird');
  console.log({ nested: { value: 1 } });
  return 'logged';
};

exports.logError = async () => {
  console.error(new RangeError('value out of range'));
  console.error('failed to save', new Error('disk full'));
  return 'logged';
};
