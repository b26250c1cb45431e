import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readFixture } from '../events/testdata/fixtures.js';
import { mapHttpApiV1Response, mapRestResponse } from './rest-response.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);

function payload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('mapRestResponse', () => {
  it('maps the aws-lambda-go response fixture', () => {
    const fixture = readFixture('aws-lambda-go/apigw-response.json', 'responses');

    const response = mapRestResponse(payload(fixture), false);

    // The fixture repeats every header in both maps, so each pair is sent once.
    const expectedHeaders = Object.entries(fixture.multiValueHeaders as Record<string, string[]>)
      .flatMap(([name, values]) => values.map((value): [string, string] => [name, value]))
      .concat([['Content-Type', 'application/json']]);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.headers, expectedHeaders);
    assert.equal(response.body.toString(), 'Hello World');
  });

  it('keeps differing header values', () => {
    const result = {
      statusCode: 200,
      multiValueHeaders: { 'tesT-Multi': ['value-multi'], 'Set-Cookie': ['a=1', 'b=2'] },
      headers: { 'test-multi': 'value-solo', 'Content-Type': 'text/plain' },
    };

    const response = mapRestResponse(payload(result), false);

    assert.deepEqual(response.headers, [
      ['tesT-Multi', 'value-multi'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['test-multi', 'value-solo'],
      ['Content-Type', 'text/plain'],
    ]);
  });

  it('turns header values into text', () => {
    const result = { statusCode: 200, headers: { 'header-bool': true, 'x-count': 3, skip: null } };

    const response = mapRestResponse(payload(result), false);

    assert.deepEqual(response.headers, [
      ['header-bool', 'true'],
      ['x-count', '3'],
      ['Content-Type', 'application/json'],
    ]);
  });

  it('accepts results AWS accepts', () => {
    const cases: [unknown, number, string][] = [
      [{ statusCode: 200 }, 200, ''],
      [{ statusCode: '201' }, 201, ''],
      [{ headers: { 'test-header': 'value' } }, 200, ''],
      [{ statusCode: 404, headers: null, body: 'gone' }, 404, 'gone'],
      [{ statusCode: 200, body: 'dGVzdC1kYXRh', isBase64Encoded: false }, 200, 'dGVzdC1kYXRh'],
    ];
    for (const [result, statusCode, body] of cases) {
      const response = mapRestResponse(payload(result), false);

      assert.equal(response.statusCode, statusCode, JSON.stringify(result));
      assert.equal(response.body.toString(), body, JSON.stringify(result));
    }
  });

  it('malformed results return 502', () => {
    const cases: [string, Buffer][] = [
      ['empty object', payload({})],
      ['unknown key', payload({ statusCode: 200, wrongValue: 'value' })],
      ['cookies key', payload({ statusCode: 200, cookies: ['a=1'] })],
      ['non-numeric status', payload({ statusCode: 'test' })],
      ['fractional status', payload({ statusCode: 200.5 })],
      ['status out of range', payload({ statusCode: 99 })],
      [
        'multi-value header not a list',
        payload({ statusCode: 200, multiValueHeaders: { a: 'x' } }),
      ],
      ['object header value', payload({ statusCode: 200, headers: { a: { b: 1 } } })],
      ['body not a string', payload({ statusCode: 200, body: { message: 'hi' } })],
      ['isBase64Encoded not a boolean', payload({ statusCode: 200, isBase64Encoded: 'true' })],
      ['bare string', payload('justAString')],
      ['list', payload([1, 2])],
      ['null', payload(null)],
      ['not JSON', Buffer.from('{"statusCode": 200')],
      ['empty payload', Buffer.alloc(0)],
    ];
    for (const [label, body] of cases) {
      const response = mapRestResponse(body, false);

      assert.equal(response.statusCode, 502, label);
      assert.equal(response.body.toString(), '{"message": "Internal server error"}', label);
    }
  });

  it('function error returns 502', () => {
    const response = mapRestResponse(payload({ statusCode: 200, body: 'ok' }), true);

    assert.equal(response.statusCode, 502);
    assert.deepEqual(response.headers, [
      ['Content-Type', 'application/json'],
      ['x-amzn-ErrorType', 'InternalServerErrorException'],
    ]);
    assert.equal(response.body.toString(), '{"message": "Internal server error"}');
  });

  it('round-trips PNG bytes through base64', () => {
    const result = {
      statusCode: 200,
      headers: { 'Content-Type': 'image/png' },
      body: PNG.toString('base64'),
      isBase64Encoded: true,
    };

    const response = mapRestResponse(payload(result), false);

    assert.deepEqual(response.body, PNG);
    assert.deepEqual(response.headers, [['Content-Type', 'image/png']]);
  });

  it('decodes base64 for binary Accept types', () => {
    const result = { statusCode: 200, body: PNG.toString('base64'), isBase64Encoded: true };
    const cases: [string[], string | undefined, boolean][] = [
      [['image/png'], 'image/png,*/*;q=0.8', true],
      [['*/*'], 'text/html', true],
      [['image/png'], '*/*', false],
      [['image/png'], undefined, false],
      [[], 'image/png', false],
    ];
    for (const [binaryMediaTypes, accept, decoded] of cases) {
      const response = mapRestResponse(payload(result), false, { binaryMediaTypes, accept });

      const expected = decoded ? PNG : Buffer.from(PNG.toString('base64'));
      assert.deepEqual(response.body, expected, `${binaryMediaTypes.join()} / ${accept}`);
    }
  });
});

describe('mapHttpApiV1Response', () => {
  it('errors return 500', () => {
    for (const [body, functionError] of [
      [payload({ statusCode: 200 }), true],
      [payload({}), false],
    ] as const) {
      const response = mapHttpApiV1Response(body, functionError);

      assert.equal(response.statusCode, 500);
      assert.deepEqual(response.headers, [['Content-Type', 'application/json']]);
      assert.equal(response.body.toString(), '{"message":"Internal Server Error"}');
    }
  });

  it('always decodes a base64 body', () => {
    const result = { statusCode: 200, body: PNG.toString('base64'), isBase64Encoded: true };

    const response = mapHttpApiV1Response(payload(result), false);

    assert.deepEqual(response.body, PNG);
  });

  it('merges multi-value headers', () => {
    const result = { statusCode: 200, multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] } };

    const response = mapHttpApiV1Response(payload(result), false);

    assert.deepEqual(response.headers, [
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Content-Type', 'application/json'],
    ]);
  });
});
