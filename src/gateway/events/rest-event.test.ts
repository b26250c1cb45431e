import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ApiContext, GatewayRequest, RouteMatch } from './request.js';
import { buildHttpApiV1Event, buildRestEvent } from './rest-event.js';
import {
  assertMatchesFixture,
  baseRequest,
  bodyOf,
  encodeQuery,
  headersFromV1Fixture,
  numberAt,
  optionalTextAt,
  readFixture,
  stringMapAt,
  textAt,
  type FixtureDifferences,
  type Json,
} from './testdata/fixtures.js';
import {
  INCONSISTENT_PREFIX,
  INVENTED_IDENTITY,
  LAMBDA_AUTHORIZER,
  OMITS_BASE64_FLAG,
  OMITS_PRINCIPAL_ORG,
  STAGELESS_CONTEXT_PATH,
  UNTYPED_BODY_V1 as UNTYPED_BODY,
} from './testdata/reasons.js';

interface FixtureCase extends FixtureDifferences {
  file: string;
  build: typeof buildRestEvent;
  binaryMediaTypes?: string[];
}

const FIXTURES: FixtureCase[] = [
  {
    file: 'aws-lambda-go/apigw-request.json',
    build: buildRestEvent,
    differs: {
      ...INVENTED_IDENTITY,
      'requestContext.identity.clientCert': 'the example has an mTLS client certificate',
      'requestContext.authorizer': LAMBDA_AUTHORIZER,
      'requestContext.domainPrefix': INCONSISTENT_PREFIX,
      'requestContext.path': STAGELESS_CONTEXT_PATH,
    },
    extra: {
      isBase64Encoded: OMITS_BASE64_FLAG,
      'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
    },
  },
  {
    file: 'aws-lambda-rust-runtime/example-apigw-request-multi-value-parameters.json',
    build: buildRestEvent,
    differs: {
      ...INVENTED_IDENTITY,
      'requestContext.authorizer': LAMBDA_AUTHORIZER,
      'requestContext.domainPrefix': INCONSISTENT_PREFIX,
      'requestContext.path': STAGELESS_CONTEXT_PATH,
      'queryStringParameters.name':
        'the example keeps the first of two values; API Gateway keeps the last (AWS guide example: ["you", "me"] gives "me")',
    },
    extra: {
      isBase64Encoded: OMITS_BASE64_FLAG,
      'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
    },
  },
  {
    // The AWS guide example of a REST proxy event, whose requestContext is abridged.
    file: 'aws-lambda-rust-runtime/apigw_multi_value_proxy_request.json',
    build: buildRestEvent,
    differs: {
      'requestContext.identity.apiKey':
        'AWS sends no apiKey without an API key in a REST event recorded in Aug 2024',
    },
    extra: Object.fromEntries(
      [
        'domainName',
        'domainPrefix',
        'identity.accessKey',
        'identity.principalOrgId',
        'path',
        'protocol',
        'requestTime',
      ].map((field) => [`requestContext.${field}`, 'the abridged example leaves it out']),
    ),
  },
  {
    file: 'aws-sam-cli/apigateway-aws-proxy.json',
    build: buildRestEvent,
    binaryMediaTypes: ['*/*'],
    differs: {
      'headers.Host': 'the example headers and multiValueHeaders disagree on the Host value',
    },
    extra: {
      'requestContext.domainName': 'the SAM example leaves it out',
      'requestContext.domainPrefix': 'the SAM example leaves it out',
      'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
    },
  },
  {
    // The AWS documentation example of an HTTP API event in payload format 1.0.
    file: 'powertools-lambda-python/apiGatewayProxyEvent.json',
    build: buildHttpApiV1Event,
    headerNamesLowerCased: 'HTTP APIs lower-case header names; the documentation example does not',
    differs: {
      'requestContext.authorizer': 'the example shows empty JWT authorizer fields',
      'requestContext.identity.clientCert': 'the example has an mTLS client certificate',
      'requestContext.identity.userAgent':
        'the example gives a user agent but its request has no User-Agent header',
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
      'queryStringParameters.parameter1':
        'the example keeps the first of two values; HTTP APIs keep the last (colors[]=blue&colors[]=red gave "red" in a 2020 comparison by metaskills)',
    },
  },
];

describe('REST API event fixtures', () => {
  for (const testCase of FIXTURES) {
    it(`reproduces ${testCase.file}`, () => {
      const fixture = readFixture(testCase.file);
      const { request, api, route } = inputsFromFixture(fixture, testCase);

      const event = testCase.build(request, api, route);

      assertMatchesFixture(event, fixture, testCase);
    });
  }
});

/** Rebuilds the request, API and route that a payload 1.0 fixture describes. */
function inputsFromFixture(
  fixture: Json,
  testCase: FixtureCase,
): { request: GatewayRequest; api: ApiContext; route: RouteMatch } {
  const method = textAt(fixture, 'httpMethod');
  const headers = headersFromV1Fixture(fixture);
  const host = headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
  const multiQuery = fixture.multiValueQueryStringParameters as Record<string, string[]> | null;
  const request = baseRequest({
    method,
    rawPath: textAt(fixture, 'path'),
    rawQueryString: multiQuery === null ? '' : encodeQuery(multiQuery),
    headers,
    body: bodyOf(fixture),
    sourceIp: textAt(fixture, 'requestContext.identity.sourceIp'),
    protocol: optionalTextAt(fixture, 'requestContext.protocol') ?? 'HTTP/1.1',
    receivedAtMs: numberAt(fixture, 'requestContext.requestTimeEpoch'),
    requestId: textAt(fixture, 'requestContext.requestId'),
  });
  const api: ApiContext = {
    apiId: textAt(fixture, 'requestContext.apiId'),
    stage: textAt(fixture, 'requestContext.stage'),
    accountId: textAt(fixture, 'requestContext.accountId'),
    region: 'us-east-1',
    domainName: optionalTextAt(fixture, 'requestContext.domainName') ?? host,
    stageVariables: stringMapAt(fixture, 'stageVariables'),
    binaryMediaTypes: testCase.binaryMediaTypes ?? [],
  };
  const route: RouteMatch = {
    resourcePath: textAt(fixture, 'resource'),
    routeKey: `${method} ${textAt(fixture, 'resource')}`,
    pathParameters: stringMapAt(fixture, 'pathParameters'),
    path: textAt(fixture, 'path'),
  };
  return { request, api, route };
}

const API: ApiContext = {
  apiId: 'a1b2c3d4e5',
  stage: 'Prod',
  accountId: '123456789012',
  region: 'us-east-1',
  domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
  stageVariables: null,
  binaryMediaTypes: [],
};

const ROUTE: RouteMatch = {
  resourcePath: '/items/{id}',
  routeKey: 'GET /items/{id}',
  pathParameters: { id: '2' },
  path: '/items/2',
};

function restRequest(fields: Partial<GatewayRequest>): GatewayRequest {
  return baseRequest({
    rawPath: '/items/2',
    receivedAtMs: Date.UTC(2020, 2, 4, 19, 15, 17, 135),
    ...fields,
  });
}

describe('buildRestEvent', () => {
  it('keeps the last value per header name', () => {
    const headers: [string, string][] = [
      ['X-Tag', 'a'],
      ['Host', 'example.com'],
      ['X-Tag', 'b'],
    ];

    const event = buildRestEvent(restRequest({ headers }), API, ROUTE);

    assert.deepEqual(event.headers, { 'X-Tag': 'b', Host: 'example.com' });
    assert.deepEqual(event.multiValueHeaders, { 'X-Tag': ['a', 'b'], Host: ['example.com'] });
  });

  it('keeps differently cased names apart', () => {
    const headers: [string, string][] = [
      ['FOO', 'bar0'],
      ['foo', 'bar1'],
    ];

    const event = buildRestEvent(restRequest({ headers }), API, ROUTE);

    assert.deepEqual(event.multiValueHeaders, { FOO: ['bar0'], foo: ['bar1'] });
  });

  it('drops Connection and Content-Length', () => {
    const headers: [string, string][] = [
      ['Connection', 'keep-alive'],
      ['Content-Length', '2'],
      ['Content-Type', 'text/plain'],
    ];

    const event = buildRestEvent(restRequest({ headers, body: Buffer.from('hi') }), API, ROUTE);

    assert.deepEqual(Object.keys(event.headers), ['Content-Type']);
  });

  it('decodes query values form-style', () => {
    const rawQueryString =
      'email=test%2Balias@gmail.com&plus=test+alias@gmail.com&a=1&a=2&flag&bad=%zz&&x=%E2%9C%93';

    const event = buildRestEvent(restRequest({ rawQueryString }), API, ROUTE);

    assert.deepEqual(event.multiValueQueryStringParameters, {
      email: ['test+alias@gmail.com'],
      plus: ['test alias@gmail.com'],
      a: ['1', '2'],
      flag: [''],
      bad: ['%zz'],
      x: ['✓'],
    });
    assert.equal(event.queryStringParameters?.a, '2');
  });

  it('keeps the encoded path and adds the stage in the context', () => {
    const route = { ...ROUTE, pathParameters: { id: 'a%20b' }, path: '/items/a%20b' };

    const event = buildRestEvent(restRequest({ rawPath: '/items/a%20b' }), API, route);

    assert.equal(event.path, '/items/a%20b');
    assert.equal(event.requestContext.path, '/Prod/items/a%20b');
  });

  it('sets absent maps and body to null', () => {
    const api = { ...API, stageVariables: null };
    const route = { ...ROUTE, pathParameters: null };

    const event = buildRestEvent(restRequest({}), api, route);

    assert.equal(event.queryStringParameters, null);
    assert.equal(event.multiValueQueryStringParameters, null);
    assert.equal(event.pathParameters, null);
    assert.equal(event.stageVariables, null);
    assert.equal(event.body, null);
    assert.equal(event.isBase64Encoded, false);
  });

  it('fills the request context', () => {
    const headers: [string, string][] = [['User-Agent', 'curl/8.5.0']];
    const request = restRequest({ headers, sourceIp: '10.0.0.9', requestId: 'r-1' });

    const context = buildRestEvent(request, API, ROUTE).requestContext;

    assert.equal(context.path, '/Prod/items/2');
    assert.equal(context.resourcePath, '/items/{id}');
    assert.equal(context.stage, 'Prod');
    assert.equal(context.requestTime, '04/Mar/2020:19:15:17 +0000');
    assert.equal(context.requestTimeEpoch, Date.UTC(2020, 2, 4, 19, 15, 17, 135));
    assert.equal(context.domainPrefix, 'a1b2c3d4e5');
    assert.equal(context.identity.sourceIp, '10.0.0.9');
    assert.equal(context.identity.userAgent, 'curl/8.5.0');
    assert.equal(context.identity.caller, null);
    assert.match(context.extendedRequestId ?? '', /^[A-Za-z0-9+/]{15}=$/);
    assert.match(context.resourceId, /^[a-z0-9]{6}$/);
  });

  it('keeps resourceId stable per resource', () => {
    const first = buildRestEvent(restRequest({}), API, ROUTE).requestContext.resourceId;
    const second = buildRestEvent(restRequest({ requestId: 'other' }), API, ROUTE);
    const other = buildRestEvent(restRequest({}), API, { ...ROUTE, resourcePath: '/items' });

    assert.equal(second.requestContext.resourceId, first);
    assert.notEqual(other.requestContext.resourceId, first);
  });

  it('base64-encodes bodies of binary media types', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const headers: [string, string][] = [['Content-Type', 'image/png']];
    const api = { ...API, binaryMediaTypes: ['image/*'] };

    const event = buildRestEvent(restRequest({ headers, body: png }), api, ROUTE);

    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body ?? '', 'base64'), png);
  });

  it('passes other bodies as text', () => {
    const headers: [string, string][] = [['Content-Type', 'application/json; charset=utf-8']];
    const api = { ...API, binaryMediaTypes: ['image/png'] };
    const body = Buffer.from('{"a":"é"}');

    const event = buildRestEvent(restRequest({ headers, body }), api, ROUTE);

    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.body, '{"a":"é"}');
  });
});

describe('buildHttpApiV1Event', () => {
  it('adds version, lower-cases names', () => {
    const headers: [string, string][] = [
      ['X-Tag', 'a'],
      ['x-tag', 'b'],
    ];
    const api = { ...API, stage: '$default' };

    const event = buildHttpApiV1Event(restRequest({ headers }), api, ROUTE);

    assert.equal(event.version, '1.0');
    assert.deepEqual(event.multiValueHeaders, { 'x-tag': ['a', 'b'] });
    assert.equal(event.headers['x-tag'], 'b');
    assert.equal(event.requestContext.stage, '$default');
  });

  it('base64-encodes bodies that are not text', () => {
    const headers: [string, string][] = [['Content-Type', 'application/octet-stream']];
    const body = Buffer.from([0, 1, 2]);

    const event = buildHttpApiV1Event(restRequest({ headers, body }), API, ROUTE);

    assert.equal(event.isBase64Encoded, true);
    assert.equal(event.body, 'AAEC');
  });

  it('sets resourceId to null', () => {
    const event = buildHttpApiV1Event(restRequest({}), API, ROUTE);

    assert.equal(event.requestContext.resourceId, null);
  });

  it('gives the decoded path in both path fields', () => {
    const api = { ...API, stage: '$default' };
    const route = { ...ROUTE, pathParameters: { id: 'a b' }, path: '/items/a b' };

    const event = buildHttpApiV1Event(restRequest({ rawPath: '/items/a%20b' }), api, route);

    assert.equal(event.path, '/items/a b');
    assert.equal(event.requestContext.path, '/items/a b');
  });
});
