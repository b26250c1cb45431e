import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ApiDefinition, RouteDefinition } from '../template/http-events.js';
import { RouteTable } from './routes.js';

const api: ApiDefinition = {
  logicalId: 'Api',
  kind: 'http',
  stage: '$default',
  binaryMediaTypes: [],
  cors: undefined,
  stageVariables: null,
};

function route(method: string, path: string, functionName = `${method} ${path}`): RouteDefinition {
  return {
    apiLogicalId: 'Api',
    method,
    path,
    functionName,
    payloadFormatVersion: '2.0',
    source: functionName,
  };
}

describe('route table', () => {
  const table = new RouteTable(new Map([['Api', api]]), [
    route('ANY', '/{proxy+}'),
    route('GET', '/items/{id}'),
    route('GET', '/items/special'),
    route('ANY', '/items/{id}'),
    route('GET', '/items'),
    route('GET', '/files/{path+}'),
    route('ANY', '$default'),
  ]);

  const cases: [string, string, string, Record<string, string> | null][] = [
    ['GET', '/items', 'GET /items', null],
    ['GET', '/items/special', 'GET /items/special', null],
    ['GET', '/items/42', 'GET /items/{id}', { id: '42' }],
    ['DELETE', '/items/42', 'ANY /items/{id}', { id: '42' }],
    ['GET', '/items/a%20b', 'GET /items/{id}', { id: 'a b' }],
    ['GET', '/files/a/b/c.txt', 'GET /files/{path+}', { path: 'a/b/c.txt' }],
    ['POST', '/anything/else', 'ANY /{proxy+}', { proxy: 'anything/else' }],
    ['GET', '/', 'ANY $default', null],
  ];
  for (const [method, path, expected, parameters] of cases) {
    it(`routes ${method} ${path} to ${expected}`, () => {
      const match = table.match(method, path);
      assert.equal(match?.definition.functionName, expected);
      assert.deepEqual(match?.pathParameters, parameters);
    });
  }

  it('reports a duplicate method and path', () => {
    const duplicate = new RouteTable(new Map([['Api', api]]), [
      route('GET', '/a', 'first'),
      route('GET', '/a', 'second'),
    ]);
    assert.equal(duplicate.routes.length, 1);
    assert.match(
      duplicate.conflicts[0] ?? '',
      /^second: route GET \/a is already served by first; change its Path or Method$/,
    );
  });
});
