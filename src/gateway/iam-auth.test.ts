import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';

import { SignatureV4 } from '@smithy/signature-v4';

import { authenticateIamRequest, DEFAULT_IAM_CREDENTIALS, type SignedRequest } from './iam-auth.js';

const account = { accountId: '123456789012', region: 'us-east-1' };
const SIGNED_AT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const KNOWN = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** Data as the signer passes it to its hash. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

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

interface SignOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
}

/** Signs a request to `/lambda-url/Fn/a%20b/./c?x=1&a=b c` as an AWS SDK would. */
async function signedRequest(options: SignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: options.service ?? 'lambda',
    region: options.region ?? account.region,
    credentials: options.credentials ?? KNOWN,
    sha256: NodeSha256,
  });
  const body = '{"a":1}';
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/lambda-url/Fn/a%20b/./c',
      query: { x: '1', a: 'b c' },
      headers: { host: 'localhost:9000', 'content-type': 'application/json' },
      body,
    },
    { signingDate: SIGNED_AT },
  );
  return {
    method: 'PUT',
    path: '/lambda-url/Fn/a%20b/./c',
    rawQueryString: 'x=1&a=b%20c',
    headers: Object.entries(signed.headers),
    body: Buffer.from(body),
  };
}

function authenticate(request: SignedRequest, nowMs = SIGNED_AT.getTime()) {
  return authenticateIamRequest(request, DEFAULT_IAM_CREDENTIALS, account, nowMs);
}

describe('authenticateIamRequest', () => {
  it('accepts a valid signature', async () => {
    const result = authenticate(await signedRequest());

    assert.equal(result.outcome, 'authorized');
    assert.equal(result.outcome === 'authorized' && result.caller.accessKey, 'AKIDLOCALTEST');
  });

  it('reports a request without Authorization', async () => {
    const request = await signedRequest();
    const headers = request.headers.filter(([name]) => name !== 'authorization');

    assert.deepEqual(authenticate({ ...request, headers }), { outcome: 'missing-signature' });
  });

  it('rejects a wrong secret', async () => {
    const credentials = { ...KNOWN, secretAccessKey: 'wrong' };
    const result = authenticate(await signedRequest({ credentials }));

    assert.deepEqual(result, {
      outcome: 'invalid-signature',
      reason: 'the signature does not match the request',
    });
  });

  it('rejects a changed query string', async () => {
    const request = await signedRequest();

    const result = authenticate({ ...request, rawQueryString: 'x=2&a=b%20c' });

    assert.equal(result.outcome, 'invalid-signature');
  });

  it('rejects a changed body', async () => {
    const request = await signedRequest();

    const result = authenticate({ ...request, body: Buffer.from('{"a":2}') });

    assert.deepEqual(result, {
      outcome: 'invalid-signature',
      reason: 'the X-Amz-Content-SHA256 header does not match the SHA-256 of the body',
    });
  });

  it('rejects another region', async () => {
    const result = authenticate(await signedRequest({ region: 'eu-west-1' }));

    assert.equal(result.outcome, 'invalid-signature');
  });

  it('rejects another service', async () => {
    const result = authenticate(await signedRequest({ service: 'execute-api' }));

    assert.equal(result.outcome, 'invalid-signature');
  });

  it('rejects a signature older than 15 minutes', async () => {
    const sixteenMinutesLater = SIGNED_AT.getTime() + 16 * 60 * 1000;

    const result = authenticate(await signedRequest(), sixteenMinutesLater);

    assert.equal(result.outcome, 'invalid-signature');
  });

  it('accepts an unknown access key unchecked', async () => {
    const credentials = { accessKeyId: 'AKIAOTHER', secretAccessKey: 'unknown' };

    const result = authenticate(await signedRequest({ credentials }));

    assert.equal(result.outcome, 'authorized');
  });

  it('describes the caller as the account root user', async () => {
    const result = authenticate(await signedRequest());

    assert.ok(result.outcome === 'authorized');
    assert.deepEqual(result.caller, {
      accessKey: 'AKIDLOCALTEST',
      accountId: '123456789012',
      callerId: '123456789012',
      principalOrgId: null,
      userArn: 'arn:aws:iam::123456789012:root',
      userId: '123456789012',
    });
  });
});
