import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { InvocationOutcome, OutcomeKind } from '../environments/outcome.js';
import { reportLine } from './log-lines.js';

const CONTEXT = {
  requestId: 'a1b2c3d4-0000-4000-8000-000000000000',
  version: '$LATEST',
  memorySizeMb: 128,
};

function outcome(
  kind: OutcomeKind,
  errorType: string | undefined,
  cold: boolean,
): InvocationOutcome {
  return {
    kind,
    payload: Buffer.alloc(0),
    contentType: 'application/json',
    errorType,
    durationMs: 12.345,
    initDurationMs: cold ? 100 : undefined,
    maxMemoryUsedMb: 128,
    preambleLines: [],
    logLines: [],
    platformLines: [],
    trailingLines: [],
  };
}

describe('reportLine', () => {
  it('has no status fields on success', () => {
    assert.equal(
      reportLine(CONTEXT, outcome('success', undefined, false)),
      `REPORT RequestId: ${CONTEXT.requestId}\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t`,
    );
  });

  it('ends an out-of-memory kill with its status and error type', () => {
    const line = reportLine(CONTEXT, outcome('out-of-memory', 'Runtime.OutOfMemory', false));

    assert.ok(
      line.endsWith('\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\t'),
      line,
    );
  });

  it('puts the status after Init Duration', () => {
    const line = reportLine(CONTEXT, outcome('out-of-memory', 'Runtime.OutOfMemory', true));

    assert.ok(
      line.endsWith('\tInit Duration: 100.00 ms\tStatus: error\tError Type: Runtime.OutOfMemory\t'),
      line,
    );
  });

  it('marks a timeout', () => {
    const line = reportLine(CONTEXT, outcome('timeout', 'Sandbox.Timedout', false));

    assert.ok(line.endsWith('\tMax Memory Used: 128 MB\tStatus: timeout\t'), line);
  });

  it('adds no status to other runtime exits', () => {
    const line = reportLine(CONTEXT, outcome('exit', 'Runtime.ExitError', false));

    assert.ok(line.endsWith('\tMax Memory Used: 128 MB\t'), line);
  });
});
