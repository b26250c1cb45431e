'use strict';

exports.nested = {
  fn: async () => ({ style: 'nested-export' }),
  notAFunction: 42,
};
