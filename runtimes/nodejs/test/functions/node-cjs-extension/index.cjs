'use strict';

exports.handler = async () => ({ style: 'cjs', isModule: typeof require === 'undefined' });
