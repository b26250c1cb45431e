import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { SignatureV4 } from '@smithy/signature-v4';

import { HttpGateway } from '../src/gateway/server.js';
import { RouteTable } from '../src/gateway/routes.js';
import { Platform } from '../src/platform.js';
import type { InvocationRecord } from '../src/state/store.js';
import { loadTemplate } from '../src/template/load.js';
import { FUNCTIONS_DIR } from './helpers.js';

const account = { accountId: '000000000000', region: 'us-east-1' };
/** Shorter than the 1.5 s that app.slow sleeps, which is within its 10 s Timeout. */
const INTEGRATION_TIMEOUT_MS = 300;
/** The query string of signed requests, which the signer receives as `{ b: '2', a: 'x y' }`. */
const SIGNED_QUERY = 'b=2&a=x%20y';

type Event = Record<string, unknown> & {
  requestContext: Record<string, unknown> & { http?: { path: string } };
};

interface RunningGateway {
  platform: Platform;
  url: string;
  close(): Promise<void>;
}

/** Starts the gateway for test/functions/gateway-paths with a short integration timeout. */
async function startGateway(): Promise<RunningGateway> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-gateway-doors-'));
  const templateFile = path.join(FUNCTIONS_DIR, 'gateway-paths', 'template.yaml');
  const template = loadTemplate(templateFile, { account, parameterOverrides: {} });
  const platform = await Platform.start({
    dataDir,
    account,
    functions: [...template.functions.values()],
  });
  const gateway = new HttpGateway({
    routes: new RouteTable(template.http.apis, template.http.routes),
    functionUrls: template.http.functionUrls,
    invoker: platform.invoker,
    account: platform.account,
    logger: platform.logger,
    integrationTimeoutMs: { rest: INTEGRATION_TIMEOUT_MS, http: INTEGRATION_TIMEOUT_MS },
  });
  const address = await gateway.listen(0, '127.0.0.1');
  return {
    platform,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      gateway.closeAllConnections();
      await gateway.close();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('gateway front doors', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway();
  });
  after(async () => {
    await gateway.close();
  });

  async function getEvent(requestPath: string, init: RequestInit = {}): Promise<Event> {
    const response = await fetch(`${gateway.url}${requestPath}`, init);
    assert.equal(response.status, 200, `${requestPath}: ${await response.clone().text()}`);
    return (await response.json()) as Event;
  }

  describe('REST API paths', () => {
    it('keeps the path and parameters encoded', async () => {
      const event = await getEvent('/rest/items/a%20b+c%C3%A9');

      assert.equal(event.path, '/rest/items/a%20b+c%C3%A9');
      assert.deepEqual(event.pathParameters, { id: 'a%20b+c%C3%A9' });
    });

    it('keeps an encoded slash inside one parameter', async () => {
      const event = await getEvent('/rest/items/a%2Fb');

      assert.equal(event.path, '/rest/items/a%2Fb');
      assert.deepEqual(event.pathParameters, { id: 'a%2Fb' });
    });

    it('keeps a greedy parameter encoded', async () => {
      const event = await getEvent('/rest/files/x%20y/z%2Fw%C3%A9+v');

      assert.deepEqual(event.pathParameters, { proxy: 'x%20y/z%2Fw%C3%A9+v' });
    });

    it('puts the stage in requestContext.path', async () => {
      const event = await getEvent('/rest/items/a%20b');

      assert.equal(event.requestContext.stage, 'Prod');
      assert.equal(event.requestContext.path, '/Prod/rest/items/a%20b');
    });
  });

  describe('HTTP API paths', () => {
    it('decodes rawPath, http.path and parameters', async () => {
      const event = await getEvent('/http/items/a%20b+c%C3%A9');

      assert.equal(event.rawPath, '/http/items/a b+cé');
      assert.equal(event.requestContext.http?.path, '/http/items/a b+cé');
      assert.deepEqual(event.pathParameters, { id: 'a b+cé' });
    });

    it('routes a decoded slash as a separator', async () => {
      const event = await getEvent('/http/files/a%2Fb');

      assert.equal(event.rawPath, '/http/files/a/b');
      assert.deepEqual(event.pathParameters, { proxy: 'a/b' });
    });

    it('matches no parameter across a decoded slash', async () => {
      const response = await fetch(`${gateway.url}/http/items/a%2Fb`);

      // The template has a REST API too, whose response to an unknown route is this 403.
      assert.equal(response.status, 403);
      assert.equal(await response.text(), '{"message":"Missing Authentication Token"}');
    });

    it('cuts the path at a decoded question mark', async () => {
      const event = await getEvent('/http/files/a%3Fb?q=1');

      assert.equal(event.rawPath, '/http/files/a');
      assert.equal(event.rawQueryString, 'q=1');
      assert.deepEqual(event.pathParameters, { proxy: 'a' });
    });

    it('decodes twice', async () => {
      const event = await getEvent('/http/files/a%252Fb');

      assert.equal(event.rawPath, '/http/files/a/b');
    });

    it('rejects a path whose second decoding fails', async () => {
      const response = await fetch(`${gateway.url}/http/files/a%25zz`);

      assert.equal(response.status, 400);
      assert.equal(await response.text(), '{"message":"Bad Request"}');
    });

    it('decodes payload 1.0 path, requestContext.path and parameters', async () => {
      const event = await getEvent('/v1/items/a%20b+%C3%A9');

      assert.equal(event.version, '1.0');
      assert.equal(event.path, '/v1/items/a b+é');
      assert.equal(event.requestContext.path, '/v1/items/a b+é');
      assert.equal(event.requestContext.stage, '$default');
      assert.deepEqual(event.pathParameters, { id: 'a b+é' });
    });
  });

  describe('function URL paths', () => {
    it('keeps rawPath encoded and decodes http.path once', async () => {
      const event = await getEvent('/lambda-url/HttpEcho/a%20b/c%2Fd/%C3%A9+f/%2525');

      assert.equal(event.rawPath, '/a%20b/c%2Fd/%C3%A9+f/%2525');
      assert.equal(event.requestContext.http?.path, '/a b/c/d/é+f/%25');
      assert.equal(event.pathParameters, undefined);
    });
  });

  describe('integration timeout', () => {
    it('answers 504 on a REST API and lets the function finish', async () => {
      const response = await fetch(`${gateway.url}/rest/slow`);

      assert.equal(response.status, 504);
      assert.equal(await response.text(), '{"message": "Endpoint request timed out"}');
      const record = await waitForInvocation(gateway.platform, 'RestSlow');
      assert.equal(record.outcome, 'success');
      assert.equal(record.source, 'api-gateway');
    });

    it('answers 503 on an HTTP API and lets the function finish', async () => {
      const response = await fetch(`${gateway.url}/http/slow`);

      assert.equal(response.status, 503);
      assert.equal(await response.text(), '{"message":"Service Unavailable"}');
      const record = await waitForInvocation(gateway.platform, 'HttpSlow');
      assert.equal(record.outcome, 'success');
      assert.equal(record.source, 'api-gateway');
    });
  });

  describe('AWS_IAM function URL', () => {
    const urlPath = '/lambda-url/IamEcho/docs/a%20b';
    const forbiddenBody =
      '{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}';

    it('rejects an unsigned request', async () => {
      const response = await fetch(`${gateway.url}${urlPath}`);

      assert.equal(response.status, 403);
      assert.equal(response.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      assert.equal(await response.text(), forbiddenBody);
      assert.equal(countInvocations(gateway.platform, 'IamEcho'), 0);
    });

    it('rejects a signature made with the wrong secret', async () => {
      const signed = await signRequest(gateway.url, urlPath, {
        accessKeyId: 'AKIDLOCALTEST',
        secretAccessKey: 'not-the-secret',
      });
      const response = await fetch(signed.url, signed.init);

      assert.equal(response.status, 403);
      assert.equal(await response.text(), forbiddenBody);
    });

    it('rejects a signed request whose body was changed', async () => {
      const signed = await signRequest(gateway.url, urlPath, {
        accessKeyId: 'AKIALAMBDACRAFTLOCAL',
        secretAccessKey: 'lambdacraft-local-secret',
      });
      const response = await fetch(signed.url, { ...signed.init, body: '{"changed":true}' });

      assert.equal(response.status, 403);
    });

    it('passes a good signature and describes the caller', async () => {
      const signed = await signRequest(gateway.url, urlPath, {
        accessKeyId: 'AKIALAMBDACRAFTLOCAL',
        secretAccessKey: 'lambdacraft-local-secret',
      });
      const event = await getEvent(`${urlPath}?${SIGNED_QUERY}`, signed.init);

      assert.equal(event.rawPath, '/docs/a%20b');
      assert.equal(event.rawQueryString, SIGNED_QUERY);
      assert.equal(event.body, '{"hello":"signed"}');
      assert.equal(event.requestContext.accountId, account.accountId);
      assert.deepEqual(event.requestContext.authorizer, {
        iam: {
          accessKey: 'AKIALAMBDACRAFTLOCAL',
          accountId: account.accountId,
          callerId: account.accountId,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: `arn:aws:iam::${account.accountId}:root`,
          userId: account.accountId,
        },
      });
    });

    it('accepts an unknown access key unchecked', async () => {
      const signed = await signRequest(gateway.url, urlPath, {
        accessKeyId: 'AKIAUNKNOWNKEY',
        secretAccessKey: 'any-secret',
      });
      const event = await getEvent(`${urlPath}?${SIGNED_QUERY}`, signed.init);

      const authorizer = event.requestContext.authorizer as { iam: { accessKey: string } };
      assert.equal(authorizer.iam.accessKey, 'AKIAUNKNOWNKEY');
    });
  });
});

/** Waits for the platform to record an invocation of a function, which is not timed. */
async function waitForInvocation(
  platform: Platform,
  functionName: string,
): Promise<InvocationRecord> {
  for (;;) {
    const [record] = platform.store.recentInvocations(functionName, 1);
    if (record !== undefined) return record;
    await sleep(50);
  }
}

function countInvocations(platform: Platform, functionName: string): number {
  return platform.store.recentInvocations(functionName, 10).length;
}

/** Signs a POST with SigV4 (service `lambda`), as AWS SDKs sign function URL requests. */
async function signRequest(
  baseUrl: string,
  urlPath: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<{ url: string; init: RequestInit }> {
  const { hostname, port } = new URL(baseUrl);
  const body = '{"hello":"signed"}';
  const signer = new SignatureV4({
    service: 'lambda',
    region: account.region,
    credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: urlPath,
    query: { b: '2', a: 'x y' },
    headers: { host: `${hostname}:${port}`, 'content-type': 'application/json' },
    body,
  });
  const headers = Object.entries(signed.headers).filter(([name]) => name !== 'host');
  return {
    url: `${baseUrl}${urlPath}?${SIGNED_QUERY}`,
    init: { method: 'POST', headers, body },
  };
}

/** Data as the signer passes it to its hash. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** The hash interface that SignatureV4 expects, over node:crypto. With a secret it is an HMAC. */
class NodeSha256 {
  readonly #hash;

  constructor(secret?: SourceData) {
    this.#hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }

  update(data: SourceData): void {
    this.#hash.update(toBytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

function toBytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
