'use strict';

exports.handler = async () => ({ loaded: 'index.js' });
