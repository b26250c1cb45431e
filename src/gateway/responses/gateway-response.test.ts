import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { functionErrorResponse, timeoutResponse, type GatewayKind } from './gateway-response.js';

describe('timeoutResponse', () => {
  const cases: [GatewayKind, number, string][] = [
    ['rest', 504, '{"message": "Endpoint request timed out"}'],
    ['http', 503, '{"message":"Service Unavailable"}'],
    ['url', 502, 'Internal Server Error'],
  ];
  for (const [kind, statusCode, body] of cases) {
    it(`returns ${statusCode} for ${kind}`, () => {
      const response = timeoutResponse(kind);

      assert.equal(response.statusCode, statusCode);
      assert.equal(response.body.toString(), body);
    });
  }
});

describe('functionErrorResponse', () => {
  it('uses each message casing', () => {
    assert.equal(
      functionErrorResponse('rest').body.toString(),
      '{"message": "Internal server error"}',
    );
    assert.equal(
      functionErrorResponse('http').body.toString(),
      '{"message":"Internal Server Error"}',
    );
    assert.equal(functionErrorResponse('url').body.toString(), 'Internal Server Error');
  });

  it('returns a fresh response each time', () => {
    const first = functionErrorResponse('rest');
    first.headers.push(['Access-Control-Allow-Origin', '*']);

    assert.equal(functionErrorResponse('rest').headers.length, 2);
  });
});
