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

  it('passes the decoded path on for HTTP APIs', () => {
    const match = table.match('GET', '/items/caf%C3%A9%20au+lait');
    assert.equal(match?.path, '/items/café au+lait');
    assert.deepEqual(match?.pathParameters, { id: 'café au+lait' });
  });

  it('splits HTTP API paths at a decoded slash', () => {
    const match = table.match('GET', '/items/a%2Fb');
    assert.equal(match?.definition.functionName, 'ANY /{proxy+}');
    assert.deepEqual(match?.pathParameters, { proxy: 'items/a/b' });
  });

  it('matches nothing when an HTTP API rejects the path', () => {
    assert.equal(table.match('GET', '/items/%25zz'), undefined);
  });

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

describe('route table for a REST API', () => {
  const restApi: ApiDefinition = { ...api, logicalId: 'Rest', kind: 'rest', stage: 'Prod' };
  const restRoute = (method: string, path: string): RouteDefinition => ({
    ...route(method, path),
    apiLogicalId: 'Rest',
  });
  const table = new RouteTable(new Map([['Rest', restApi]]), [
    restRoute('GET', '/items/{id}'),
    restRoute('GET', '/café'),
    restRoute('ANY', '/files/{proxy+}'),
  ]);

  it('passes parameters percent-encoded', () => {
    const match = table.match('GET', '/items/a%20b+c%C3%A9');
    assert.equal(match?.path, '/items/a%20b+c%C3%A9');
    assert.deepEqual(match?.pathParameters, { id: 'a%20b+c%C3%A9' });
  });

  it('keeps an encoded slash inside a segment', () => {
    const match = table.match('GET', '/items/a%2Fb');
    assert.deepEqual(match?.pathParameters, { id: 'a%2Fb' });
  });

  it('compares literal segments decoded', () => {
    assert.equal(table.match('GET', '/caf%C3%A9')?.definition.functionName, 'GET /café');
  });

  it('joins a greedy parameter from encoded segments', () => {
    const match = table.match('PUT', '/files/x%20y/z%2Fw');
    assert.deepEqual(match?.pathParameters, { proxy: 'x%20y/z%2Fw' });
  });

  it('serves a path that HTTP APIs reject', () => {
    const match = table.match('GET', '/items/%25zz');
    assert.deepEqual(match?.pathParameters, { id: '%25zz' });
  });
});
