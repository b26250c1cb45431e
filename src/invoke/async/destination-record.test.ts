import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { destinationRecord } from './destination-record.js';

const BASE = {
  requestId: 'c4b4c43b-7a4f-4b3e-9d0b-8f4c6d1e2a10',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST',
  requestPayload: Buffer.from('{"order":1}'),
  timestampMs: Date.UTC(2019, 10, 14, 18, 16, 5, 568),
};

describe('destination record', () => {
  it('has the success shape without functionError', () => {
    const record = destinationRecord({
      ...BASE,
      condition: 'Success',
      approximateInvokeCount: 1,
      response: { executedVersion: '$LATEST', functionError: undefined, payload: '{"ok":true}' },
    });

    assert.equal(
      JSON.stringify(record),
      JSON.stringify({
        version: '1.0',
        timestamp: '2019-11-14T18:16:05.568Z',
        requestContext: {
          requestId: BASE.requestId,
          functionArn: BASE.functionArn,
          condition: 'Success',
          approximateInvokeCount: 1,
        },
        requestPayload: { order: 1 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        responsePayload: { ok: true },
      }),
    );
  });

  it('carries functionError and the error object on failure', () => {
    const error = { errorMessage: 'boom', errorType: 'Error', stackTrace: [] };
    const record = destinationRecord({
      ...BASE,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      response: {
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
        payload: JSON.stringify(error),
      },
    });

    assert.deepEqual(record.responseContext, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    assert.deepEqual(record.responsePayload, error);
  });

  it('has no response when the function never ran', () => {
    const record = destinationRecord({
      ...BASE,
      condition: 'ZeroReservedConcurrency',
      approximateInvokeCount: 0,
      response: undefined,
    });

    assert.deepEqual(Object.keys(record), [
      'version',
      'timestamp',
      'requestContext',
      'requestPayload',
    ]);
  });

  it('keeps a response that is not JSON as a string', () => {
    const record = destinationRecord({
      ...BASE,
      condition: 'Success',
      approximateInvokeCount: 1,
      response: { executedVersion: '$LATEST', functionError: undefined, payload: 'plain text' },
    });

    assert.equal(record.responsePayload, 'plain text');
  });
});
