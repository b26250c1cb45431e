import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { StreamRecord } from '../../services/dynamodb/streams/stream-source.js';
import { readBatchResponse } from './batch-response.js';

const BATCH = ['100', '200', '300'].map(
  (sequence) => ({ dynamodb: { SequenceNumber: sequence } }) as StreamRecord,
);

function read(response: unknown): ReturnType<typeof readBatchResponse> {
  const text = typeof response === 'string' ? response : JSON.stringify(response);
  return readBatchResponse(Buffer.from(text), BATCH);
}

describe('batch item failure responses', () => {
  it('empty responses mean success', () => {
    for (const response of [
      '',
      'null',
      {},
      { batchItemFailures: [] },
      { batchItemFailures: null },
    ]) {
      assert.deepEqual(read(response), { kind: 'success' }, JSON.stringify(response));
    }
  });

  it('lowest reported sequence number wins', () => {
    const response = {
      batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }],
    };
    assert.deepEqual(read(response), { kind: 'partial', failedIndex: 1 });
  });

  it('invalid entries fail the whole batch', () => {
    for (const response of [
      'not json',
      { batchItemFailures: 'all' },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ itemId: '200' }] },
      { batchItemFailures: [{ itemIdentifier: '999' }] },
    ]) {
      assert.equal(read(response).kind, 'failure', JSON.stringify(response));
    }
  });
});
