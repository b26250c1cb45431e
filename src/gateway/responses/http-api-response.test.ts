import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readFixture } from '../events/testdata/fixtures.js';
import { compactJson, mapFunctionUrlResponse, mapHttpApiResponse } from './http-api-response.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);

const MAPPERS = [
  ['mapHttpApiResponse', mapHttpApiResponse],
  ['mapFunctionUrlResponse', mapFunctionUrlResponse],
] as const;

function payload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

for (const [name, map] of MAPPERS) {
  describe(name, () => {
    it('maps the function URL response fixture', () => {
      const fixture = readFixture('aws-lambda-go/lambda-urls-response.json', 'responses');

      const response = map(payload(fixture), false);

      assert.equal(response.statusCode, 201);
      assert.deepEqual(response.headers, [
        ['Content-Type', 'application/json'],
        ['My-Custom-Header', 'Custom Value'],
        ['set-cookie', 'Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT'],
        ['set-cookie', 'Cookie_2=Value2; Max-Age=78000'],
      ]);
      assert.equal(response.body.toString(), '{ "message": "Hello, world!" }');
    });

    it('infers responses without statusCode', () => {
      const cases: [string, string][] = [
        ['"hello"', 'hello'],
        ['{"hello": "world"}', '{"hello":"world"}'],
        ['["hello", 3, true]', '["hello",3,true]'],
        ['3', '3'],
        ['3.1', '3.1'],
        ['true', 'true'],
        ['null', 'null'],
        ['{"big": 12345678901234567890}', '{"big":12345678901234567890}'],
        ['{"body": "x", "headers": {}}', '{"body":"x","headers":{}}'],
      ];
      for (const [result, body] of cases) {
        const response = map(Buffer.from(result), false);

        assert.equal(response.statusCode, 200, result);
        assert.deepEqual(response.headers, [['content-type', 'application/json']], result);
        assert.equal(response.body.toString(), body, result);
      }
    });

    it('defaults the content type to JSON', () => {
      const response = map(payload({ statusCode: 200, body: 'body123' }), false);

      assert.deepEqual(response.headers, [['Content-Type', 'application/json']]);
      assert.equal(response.body.toString(), 'body123');
    });

    it('sends cookies as set-cookie headers', () => {
      const result = {
        statusCode: 302,
        headers: { Location: '/home', 'content-type': 'text/html' },
        cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      };

      const response = map(payload(result), false);

      assert.equal(response.statusCode, 302);
      assert.deepEqual(response.headers, [
        ['Location', '/home'],
        ['content-type', 'text/html'],
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2; HttpOnly'],
      ]);
    });

    it('round-trips PNG bytes through base64', () => {
      const result = {
        statusCode: 200,
        headers: { 'content-type': 'image/png' },
        body: PNG.toString('base64'),
        isBase64Encoded: true,
      };

      const response = map(payload(result), false);

      assert.deepEqual(response.body, PNG);
    });

    it('ignores unknown result keys', () => {
      const response = map(payload({ statusCode: 204, multiValueHeaders: { a: ['b'] } }), false);

      assert.equal(response.statusCode, 204);
      assert.deepEqual(response.headers, [['Content-Type', 'application/json']]);
    });
  });
}

describe('HTTP API and function URL errors', () => {
  const malformed: [string, Buffer][] = [
    ['non-numeric status', payload({ statusCode: 'abc' })],
    ['cookies not a list', payload({ statusCode: 200, cookies: 'a=1' })],
    ['cookie not a string', payload({ statusCode: 200, cookies: [1] })],
    ['body not a string', payload({ statusCode: 200, body: { a: 1 } })],
    ['object header value', payload({ statusCode: 200, headers: { a: [1] } })],
    ['not JSON', Buffer.from('not json')],
    ['empty payload', Buffer.alloc(0)],
  ];

  it('HTTP API errors return 500', () => {
    const cases = [...malformed, ['function error', payload({ statusCode: 200 })] as const];
    for (const [label, body] of cases) {
      const response = mapHttpApiResponse(body, label === 'function error');

      assert.equal(response.statusCode, 500, label);
      assert.deepEqual(response.headers, [['Content-Type', 'application/json']], label);
      assert.equal(response.body.toString(), '{"message":"Internal Server Error"}', label);
    }
  });

  it('function URL errors return 502', () => {
    const cases = [...malformed, ['function error', payload({ statusCode: 200 })] as const];
    for (const [label, body] of cases) {
      const response = mapFunctionUrlResponse(body, label === 'function error');

      assert.equal(response.statusCode, 502, label);
      assert.equal(response.body.toString(), 'Internal Server Error', label);
    }
  });
});

describe('compactJson', () => {
  it('keeps whitespace inside strings', () => {
    const text = '{ "a" : "x \\" y\\\\" ,\n\t"b": [1, 2] }';

    assert.equal(compactJson(text), '{"a":"x \\" y\\\\","b":[1,2]}');
    assert.deepEqual(JSON.parse(compactJson(text)), JSON.parse(text));
  });
});
