'use strict';

exports.lambdaHandler = async () => ({ style: 'nested-dir', file: __filename });
