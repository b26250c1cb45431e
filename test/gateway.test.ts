import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Platform } from '../src/platform.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';
import { FUNCTIONS_DIR, PROJECTS_DIR } from './helpers.js';

const account = { accountId: '000000000000', region: 'us-east-1' };
const PNG_BYTES = Buffer.from('89504e470d0a1a0a00fffe8062696e617279', 'hex');

interface Gateway {
  platform: Platform;
  url: string;
  template: LoadedTemplate;
  close(): Promise<void>;
}

async function startGateway(templateFile: string): Promise<Gateway> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-gateway-'));
  const template = loadTemplate(templateFile, { account, parameterOverrides: {} });
  const platform = await Platform.start({
    dataDir,
    account,
    functions: [...template.functions.values()],
  });
  const { url } = await platform.listenGateway(template.http, 0, '127.0.0.1');
  return {
    platform,
    url,
    template,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends one request exactly as written (repeated headers stay separate lines); returns the body. */
async function rawRequest(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.write(request);
  let response = '';
  for await (const chunk of socket) response += (chunk as Buffer).toString('utf8');
  return response.slice(response.indexOf('\r\n\r\n') + 4);
}

describe('HTTP gateway', () => {
  let gateway: Gateway;

  before(async () => {
    gateway = await startGateway(path.join(FUNCTIONS_DIR, 'python-http', 'template.yaml'));
  });
  after(async () => {
    await gateway.close();
  });

  async function get(route: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${gateway.url}${route}`, init);
  }

  it('builds a REST event with path parameters and repeated values', async () => {
    const response = await get('/rest/items/42?tag=a&tag=b&one=1', {
      headers: { 'X-Test': 'yes' },
    });
    assert.equal(response.status, 200);
    const event = (await response.json()) as Record<string, unknown>;

    assert.equal(event.resource, '/rest/items/{id}');
    assert.equal(event.path, '/rest/items/42');
    assert.equal(event.httpMethod, 'GET');
    assert.deepEqual(event.pathParameters, { id: '42' });
    assert.deepEqual(event.queryStringParameters, { tag: 'b', one: '1' });
    assert.deepEqual(event.multiValueQueryStringParameters, { tag: ['a', 'b'], one: ['1'] });
    assert.equal((event.headers as Record<string, string>)['X-Test'], 'yes');
    assert.equal((event.requestContext as { stage: string }).stage, 'test');
  });

  it('matches a greedy path with any method', async () => {
    const response = await get('/rest/files/a/b/c.txt', { method: 'DELETE' });
    const event = (await response.json()) as { pathParameters: unknown; httpMethod: string };
    assert.deepEqual(event.pathParameters, { proxy: 'a/b/c.txt' });
    assert.equal(event.httpMethod, 'DELETE');
  });

  it('builds an HTTP API event with joined values', async () => {
    const event = JSON.parse(
      await rawRequest(
        gateway.url,
        'GET /http/items/7?tag=a&tag=b HTTP/1.1\r\nHost: localhost\r\nX-Multi: one\r\nX-Multi: two\r\nCookie: c1=v1; c2=v2\r\nConnection: close\r\n\r\n',
      ),
    ) as Record<string, unknown>;

    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'GET /http/items/{id}');
    assert.equal(event.rawPath, '/http/items/7');
    assert.equal(event.rawQueryString, 'tag=a&tag=b');
    assert.deepEqual(event.queryStringParameters, { tag: 'a,b' });
    assert.equal((event.headers as Record<string, string>)['x-multi'], 'one,two');
    assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
    assert.deepEqual(event.pathParameters, { id: '7' });
  });

  it('sends payload format 1.0 to an HTTP API route that asks for it', async () => {
    const event = (await (await get('/http/v1')).json()) as { version: string; httpMethod: string };
    assert.equal(event.version, '1.0');
    assert.equal(event.httpMethod, 'GET');
  });

  it('returns a PNG as the same bytes', async () => {
    const response = await get('/rest/png', { headers: { Accept: 'image/png' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG_BYTES);
  });

  it('hands a binary upload to the function base64-encoded', async () => {
    const response = await get('/http/upload', {
      method: 'POST',
      body: PNG_BYTES,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    const event = (await response.json()) as { body: string; isBase64Encoded: boolean };
    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body, 'base64'), PNG_BYTES);
  });

  it('sets one Set-Cookie line per cookie', async () => {
    const response = await get('/http/cookies');
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers.getSetCookie(), ['session=abc; HttpOnly', 'theme=dark']);
    assert.equal(response.headers.get('x-custom'), 'yes');
    assert.equal(await response.text(), 'made');
  });

  it('merges multi-value headers of a REST response', async () => {
    const response = await get('/rest/multi');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(response.headers.get('x-one'), 'single');
  });

  it('infers a 200 JSON response without statusCode', async () => {
    const response = await get('/http/inferred');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { message: 'no statusCode here' });
  });

  it('answers 502 to a malformed response and a function error', async () => {
    for (const route of ['/rest/malformed', '/rest/fail']) {
      const response = await get(route);
      assert.equal(response.status, 502, route);
      assert.deepEqual(await response.json(), { message: 'Internal server error' }, route);
    }
    const http = await get('/http/fail');
    assert.equal(http.status, 500);
  });

  it('answers 502 when the function times out before the API does', async () => {
    const response = await get('/rest/slow');
    assert.equal(response.status, 502);
  });

  it('answers 403 Missing Authentication Token for no route', async () => {
    const response = await get('/nothing/here');
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { message: 'Missing Authentication Token' });
  });

  it('answers a CORS preflight', async () => {
    const response = await get('/http/items/1', {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://example.com');
    assert.equal(response.headers.get('access-control-allow-methods'), 'GET,POST');
  });

  it('serves a function URL', async () => {
    const response = await get('/lambda-url/HttpEcho/some/path?x=1');
    const event = (await response.json()) as {
      rawPath: string;
      requestContext: { domainName: string };
    };
    assert.equal(event.rawPath, '/some/path');
    assert.match(event.requestContext.domainName, /^[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws$/);
  });

  it('reports a duplicate route and keeps the first', async () => {
    assert.equal(
      gateway.template.http.routes.filter((route) => route.path === '/http/cookies').length,
      2,
    );
    const response = await get('/http/cookies');
    assert.equal(response.status, 201);
  });

  it('rejects an event over 6 MB', async () => {
    // 4.6 MB of bytes arrive base64-encoded in the event: 6.1 MB, over Lambda's 6 MiB.
    const response = await get('/http/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4.6 * 1024 * 1024),
    });
    assert.equal(response.status, 413);

    const small = await get('/http/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4 * 1024 * 1024),
    });
    assert.notEqual(small.status, 413);
  });

  it('rejects header values over 10,240 bytes', async () => {
    // GET /http/cookies HTTP/1.1 is 26 bytes; fetch adds short headers of its own.
    const over = await get('/http/cookies', { headers: { 'x-large': 'a'.repeat(10_300) } });
    assert.equal(over.status, 431);
    assert.deepEqual(await over.json(), { message: 'Request Header Fields Too Large' });

    const under = await get('/http/cookies', { headers: { 'x-large': 'a'.repeat(9_000) } });
    assert.equal(under.status, 201);
  });

  it('passes every header of many', async () => {
    const headers = Object.fromEntries(
      Array.from({ length: 1100 }, (_, index) => [`x-h${index}`, 'v']),
    );
    const response = await get('/http/items/1', { headers });
    assert.equal(response.status, 200);
    const event = (await response.json()) as { headers: Record<string, string> };
    assert.equal(event.headers['x-h1099'], 'v');
  });

  it('counts header values past the first thousand', async () => {
    const headers: Record<string, string> = Object.fromEntries(
      Array.from({ length: 1030 }, (_, index) => [`a${index}`, 'v']),
    );
    headers['x-last'] = 'b'.repeat(9_600);
    const response = await get('/http/items/1', { headers });
    assert.equal(response.status, 431);
  });

  it('returns the JSON 431 for 20 KB', async () => {
    const response = await get('/http/items/1', { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(response.status, 431);
    assert.deepEqual(await response.json(), { message: 'Request Header Fields Too Large' });
  });

  it('rejects a body over 10 MB', async () => {
    const response = await get('/http/upload', {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    assert.equal(response.status, 413);
  });
});

describe('sam init hello-world projects', () => {
  for (const project of ['py-sam-hello-world', 'node-sam-hello-world-esm']) {
    it(`${project} serves GET /hello`, async () => {
      const gateway = await startGateway(path.join(PROJECTS_DIR, project, 'template.yaml'));
      try {
        const hello = await fetch(`${gateway.url}/hello`);
        assert.equal(hello.status, 200);
        assert.deepEqual(await hello.json(), { message: 'hello world' });

        const other = await fetch(`${gateway.url}/`);
        assert.equal(other.status, 403);
        assert.deepEqual(await other.json(), { message: 'Missing Authentication Token' });
      } finally {
        await gateway.close();
      }
    });
  }
});
