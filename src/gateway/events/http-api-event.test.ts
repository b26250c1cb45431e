import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  type FunctionUrlContext,
} from './http-api-event.js';
import type { ApiContext, GatewayRequest, RouteMatch } from './request.js';
import {
  asObject,
  assertMatchesFixture,
  at,
  baseRequest,
  bodyOf,
  numberAt,
  optionalTextAt,
  readFixture,
  stringMapAt,
  textAt,
  type FixtureDifferences,
  type Json,
} from './testdata/fixtures.js';
import {
  DOC_COOKIE_HEADER,
  DOC_EXAMPLE_CONTEXT,
  DOC_NULLS,
  JWT_AUTHORIZER,
  MIXED_CASE_NAMES,
  MTLS,
  REDACTED_IAM,
  UNTYPED_BODY,
} from './testdata/reasons.js';

interface FixtureCase extends FixtureDifferences {
  file: string;
  kind: 'http' | 'url';
}

const FIXTURES: FixtureCase[] = [
  {
    file: 'aws-lambda-go/apigw-v2-request-no-authorizer.json',
    kind: 'http',
    differs: { 'requestContext.authentication': MTLS },
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_v2_proxy_request_minimal.json',
    kind: 'http',
  },
  {
    file: 'aws-sam-cli/apigateway-http-api-proxy.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authentication': MTLS,
      'requestContext.authorizer': JWT_AUTHORIZER,
    },
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2Event.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authentication': MTLS,
      'requestContext.authorizer': JWT_AUTHORIZER,
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2EventPathTrailingSlash.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authentication': MTLS,
      'requestContext.authorizer': JWT_AUTHORIZER,
      'requestContext.http.path': 'the example drops the trailing slash that rawPath has',
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2Event_GET.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authentication': MTLS,
      'requestContext.authorizer': JWT_AUTHORIZER,
    },
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_v2_proxy_request_with_stage_in_path.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authorizer': JWT_AUTHORIZER,
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_request_path_with_space.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.authorizer': JWT_AUTHORIZER,
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
  },
  {
    // Printed by `sam local start-api`, which differs from AWS in several fields.
    file: 'aws-lambda-rust-runtime/apigw_v2_sam_local.json',
    kind: 'http',
    headerNamesLowerCased: MIXED_CASE_NAMES,
    differs: {
      cookies: 'SAM sends an empty list where AWS leaves the field out',
      queryStringParameters: 'SAM sends an empty map where AWS leaves the field out',
      body: 'SAM sends an empty string where AWS leaves the field out',
      stageVariables: 'SAM sends null where AWS leaves the field out',
      'headers.connection': 'AWS events carry no Connection header',
      'requestContext.time': 'SAM gives timeEpoch in seconds, so the two times disagree',
      'requestContext.http.userAgent': 'SAM sends a fixed user agent',
    },
  },
  {
    file: 'aws-lambda-go/function-url-domain-only-get-request.json',
    kind: 'url',
    differs: { 'requestContext.authorizer.iam': REDACTED_IAM },
  },
  {
    file: 'aws-lambda-go/function-url-domain-only-get-request-trailing-slash.json',
    kind: 'url',
    differs: { 'requestContext.authorizer.iam': REDACTED_IAM },
  },
  {
    file: 'aws-lambda-go/function-url-domain-only-request-with-base64-encoded-body.json',
    kind: 'url',
    differs: { 'requestContext.authorizer.iam': REDACTED_IAM },
  },
  {
    file: 'aws-lambda-go/function-url-request-with-headers-and-cookies-and-text-body.json',
    kind: 'url',
    differs: { 'requestContext.authorizer.iam': REDACTED_IAM },
  },
  {
    file: 'powertools-lambda-python/lambdaFunctionUrlEvent.json',
    kind: 'url',
    differs: {
      'requestContext.http.userAgent': 'the recording replaces the user agent with "agent"',
    },
  },
  {
    file: 'powertools-lambda-python/lambdaFunctionUrlEventWithHeaders.json',
    kind: 'url',
    differs: {
      'requestContext.http.userAgent': 'the recording replaces the user agent with "agent"',
      queryStringParameters: 'the example adds parameters that its empty rawQueryString lacks',
    },
  },
  {
    // The AWS documentation example of a function URL event, older revision.
    file: 'aws-lambda-go/lambda-urls-request.json',
    kind: 'url',
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.apiId':
        'the example spells the URL id "<urlid>" here and "<url-id>" elsewhere',
      'headers.cookie': DOC_COOKIE_HEADER,
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
    extra: {
      routeKey: 'this revision of the example leaves it out',
      'requestContext.routeKey': 'this revision of the example leaves it out',
      'requestContext.stage': 'this revision of the example leaves it out',
      'requestContext.authorizer.iam.cognitoIdentity': 'this revision of the example leaves it out',
      'requestContext.authorizer.iam.principalOrgId': 'this revision of the example leaves it out',
    },
  },
  {
    // The AWS documentation example of a function URL event, current revision.
    file: 'powertools-lambda-python/lambdaFunctionUrlIAMEvent.json',
    kind: 'url',
    differs: {
      ...DOC_EXAMPLE_CONTEXT,
      'requestContext.apiId':
        'the example spells the URL id "<urlid>" here and "<url-id>" elsewhere',
      'requestContext.authentication': DOC_NULLS,
      pathParameters: DOC_NULLS,
      stageVariables: DOC_NULLS,
      'headers.cookie': DOC_COOKIE_HEADER,
      body: UNTYPED_BODY,
      isBase64Encoded: UNTYPED_BODY,
    },
  },
  {
    file: 'aws-lambda-rust-runtime/lambda_function_url_request.json',
    kind: 'url',
    differs: {
      'requestContext.accountId':
        'the example has an account id without an IAM authorizer; AuthType NONE events say "anonymous"',
      'requestContext.apiId': 'the example URL id "xxx" is not the one in its domain name "id"',
    },
    extra: { queryStringParameters: 'the example leaves out the parameters of its rawQueryString' },
  },
];

describe('HTTP API and function URL event fixtures', () => {
  for (const testCase of FIXTURES) {
    it(`reproduces ${testCase.file}`, () => {
      const fixture = readFixture(testCase.file);
      const request = requestFromFixture(fixture);

      const event =
        testCase.kind === 'http'
          ? buildHttpApiEvent(request, apiFromFixture(fixture), routeFromFixture(fixture))
          : buildFunctionUrlEvent(request, urlFromFixture(fixture));

      assertMatchesFixture(event, fixture, testCase);
    });
  }
});

/** Rebuilds the request a payload 2.0 fixture describes, with its cookies as a Cookie header. */
function requestFromFixture(fixture: Json): GatewayRequest {
  const headers = Object.entries(stringMapAt(fixture, 'headers') ?? {});
  const cookies = (at(fixture, 'cookies') ?? []) as string[];
  const hasCookieHeader = headers.some(([name]) => name.toLowerCase() === 'cookie');
  if (cookies.length > 0 && !hasCookieHeader) headers.push(['Cookie', cookies.join('; ')]);

  return baseRequest({
    method: textAt(fixture, 'requestContext.http.method'),
    rawPath: textAt(fixture, 'rawPath'),
    rawQueryString: textAt(fixture, 'rawQueryString'),
    headers,
    body: bodyOf(fixture),
    sourceIp: textAt(fixture, 'requestContext.http.sourceIp'),
    protocol: textAt(fixture, 'requestContext.http.protocol'),
    receivedAtMs: numberAt(fixture, 'requestContext.timeEpoch'),
    requestId: textAt(fixture, 'requestContext.requestId'),
  });
}

function apiFromFixture(fixture: Json): ApiContext {
  return {
    apiId: textAt(fixture, 'requestContext.apiId'),
    stage: textAt(fixture, 'requestContext.stage'),
    accountId: textAt(fixture, 'requestContext.accountId'),
    region: 'us-east-1',
    domainName: textAt(fixture, 'requestContext.domainName'),
    stageVariables: stringMapAt(fixture, 'stageVariables'),
    binaryMediaTypes: [],
  };
}

function routeFromFixture(fixture: Json): RouteMatch {
  const routeKey = textAt(fixture, 'routeKey');
  return {
    resourcePath: routeKey.includes(' ') ? routeKey.slice(routeKey.indexOf(' ') + 1) : routeKey,
    routeKey,
    pathParameters: stringMapAt(fixture, 'pathParameters'),
    path: textAt(fixture, 'rawPath'),
  };
}

/** Rebuilds the function URL a fixture was sent to; an `authorizer.iam` makes it AWS_IAM. */
function urlFromFixture(fixture: Json): FunctionUrlContext {
  const domainName = textAt(fixture, 'requestContext.domainName');
  const [urlId = '', , region = ''] = domainName.split('.');
  const url: FunctionUrlContext = {
    urlId,
    accountId: textAt(fixture, 'requestContext.accountId'),
    region,
  };
  if (at(fixture, 'requestContext.authorizer.iam') === undefined) return url;

  const caller = (field: string): string =>
    optionalTextAt(fixture, `requestContext.authorizer.iam.${field}`) ?? `example-${field}`;
  return {
    ...url,
    authType: 'AWS_IAM',
    caller: {
      accessKey: caller('accessKey'),
      accountId: caller('accountId'),
      callerId: caller('callerId'),
      principalOrgId: null,
      userArn: caller('userArn'),
      userId: caller('userId'),
    },
  };
}

const API: ApiContext = {
  apiId: 'a1b2c3d4e5',
  stage: '$default',
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

const URL_CONTEXT: FunctionUrlContext = {
  urlId: 'abcdefghijklmnopqrstuvwxyz012345',
  accountId: '123456789012',
  region: 'eu-west-1',
};

function httpRequest(fields: Partial<GatewayRequest>): GatewayRequest {
  return baseRequest({
    rawPath: '/items/2',
    receivedAtMs: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
    ...fields,
  });
}

describe('buildHttpApiEvent', () => {
  it('joins repeated lower-cased headers', () => {
    const headers: [string, string][] = [
      ['Header2', 'value1'],
      ['header2', 'value2'],
      ['Accept-Encoding', 'gzip, deflate'],
    ];

    const event = buildHttpApiEvent(httpRequest({ headers }), API, ROUTE);

    assert.deepEqual(event.headers, {
      header2: 'value1,value2',
      'accept-encoding': 'gzip, deflate',
    });
  });

  it('moves cookies out of the headers', () => {
    const headers: [string, string][] = [
      ['Cookie', 'a=1; b=2'],
      ['cookie', 'c=3'],
      ['Accept', '*/*'],
    ];

    const event = buildHttpApiEvent(httpRequest({ headers }), API, ROUTE);

    assert.deepEqual(event.cookies, ['a=1', 'b=2', 'c=3']);
    assert.deepEqual(event.headers, { accept: '*/*' });
  });

  it('joins repeated query parameters', () => {
    const rawQueryString = 'parameter1=value1&parameter1=value2&q=a+b%2Fc';

    const event = buildHttpApiEvent(httpRequest({ rawQueryString }), API, ROUTE);

    assert.equal(event.rawQueryString, rawQueryString);
    assert.deepEqual(event.queryStringParameters, { parameter1: 'value1,value2', q: 'a b/c' });
  });

  it('takes rawPath and http.path from the decoded route path', () => {
    const request = httpRequest({ rawPath: '/items/a%20b' });
    const route = { ...ROUTE, pathParameters: { id: 'a b' }, path: '/items/a b' };

    const event = buildHttpApiEvent(request, API, route);

    assert.equal(event.rawPath, '/items/a b');
    assert.equal(event.requestContext.http.path, '/items/a b');
  });

  it('leaves out absent parts', () => {
    const route = { ...ROUTE, pathParameters: null };

    const event = buildHttpApiEvent(httpRequest({}), API, route);

    assert.deepEqual(Object.keys(event).sort(), [
      'headers',
      'isBase64Encoded',
      'rawPath',
      'rawQueryString',
      'requestContext',
      'routeKey',
      'version',
    ]);
    assert.equal(event.isBase64Encoded, false);
  });

  it('fills the request context', () => {
    const headers: [string, string][] = [['User-Agent', 'curl/8.5.0']];
    const request = httpRequest({
      method: 'POST',
      headers,
      sourceIp: '10.0.0.9',
      requestId: 'r-1',
    });

    const context = buildHttpApiEvent(request, API, ROUTE).requestContext;

    assert.deepEqual(context.http, {
      method: 'POST',
      path: '/items/2',
      protocol: 'HTTP/1.1',
      sourceIp: '10.0.0.9',
      userAgent: 'curl/8.5.0',
    });
    assert.equal(context.routeKey, 'GET /items/{id}');
    assert.equal(context.stage, '$default');
    assert.equal(context.domainPrefix, 'a1b2c3d4e5');
    assert.equal(context.time, '12/Mar/2020:19:03:58 +0000');
    assert.equal(context.timeEpoch, Date.UTC(2020, 2, 12, 19, 3, 58, 390));
    assert.equal(context.requestId, 'r-1');
  });

  it('passes text bodies as text', () => {
    for (const contentType of [
      'application/json',
      'text/plain; charset=utf-8',
      'application/xml',
      'application/vnd.api+json',
    ]) {
      const headers: [string, string][] = [['Content-Type', contentType]];
      const request = httpRequest({ headers, body: Buffer.from('{"é":1}') });

      const event = buildHttpApiEvent(request, API, ROUTE);

      assert.equal(event.isBase64Encoded, false, contentType);
      assert.equal(event.body, '{"é":1}', contentType);
    }
  });

  it('base64-encodes bodies that are not text', () => {
    for (const contentType of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
      undefined,
    ]) {
      const headers: [string, string][] =
        contentType === undefined ? [] : [['Content-Type', contentType]];
      const request = httpRequest({ headers, body: Buffer.from('a=1') });

      const event = buildHttpApiEvent(request, API, ROUTE);

      assert.equal(event.isBase64Encoded, true, contentType);
      assert.equal(event.body, 'YT0x', contentType);
    }
  });
});

describe('buildFunctionUrlEvent', () => {
  it('describes the URL as the API', () => {
    const event = buildFunctionUrlEvent(httpRequest({}), URL_CONTEXT);

    assert.equal(event.routeKey, '$default');
    assert.equal(event.requestContext.routeKey, '$default');
    assert.equal(event.requestContext.stage, '$default');
    assert.equal(event.requestContext.apiId, URL_CONTEXT.urlId);
    assert.equal(event.requestContext.domainPrefix, URL_CONTEXT.urlId);
    assert.equal(
      event.requestContext.domainName,
      'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws',
    );
    assert.equal(event.pathParameters, undefined);
    assert.equal(event.stageVariables, undefined);
  });

  it('sends AuthType NONE requests anonymously', () => {
    const context = buildFunctionUrlEvent(httpRequest({}), URL_CONTEXT).requestContext;

    assert.equal(context.accountId, 'anonymous');
    assert.equal('authorizer' in context, false);
    assert.equal('authentication' in context, false);
  });

  it('describes the AWS_IAM caller', () => {
    const caller = {
      accessKey: 'AKIDLOCAL',
      accountId: '111122223333',
      callerId: 'AIDAEXAMPLE',
      principalOrgId: null,
      userArn: 'arn:aws:iam::111122223333:user/example',
      userId: 'AIDAEXAMPLE',
    };
    const url: FunctionUrlContext = { ...URL_CONTEXT, authType: 'AWS_IAM', caller };

    const event = buildFunctionUrlEvent(httpRequest({}), url);

    assert.equal(event.requestContext.accountId, '123456789012');
    assert.deepEqual(at(asObject(event.requestContext), 'authorizer'), {
      iam: { ...caller, cognitoIdentity: null },
    });
  });

  it('rejects AWS_IAM without a caller', () => {
    const url: FunctionUrlContext = { ...URL_CONTEXT, authType: 'AWS_IAM' };

    assert.throws(
      () => buildFunctionUrlEvent(httpRequest({}), url),
      /AuthType AWS_IAM but no caller/,
    );
  });

  it('decodes http.path once and keeps rawPath encoded', () => {
    const request = httpRequest({ rawPath: '/a%20b/c%2Fd/%C3%A9+f/%2525' });

    const event = buildFunctionUrlEvent(request, URL_CONTEXT);

    assert.equal(event.rawPath, '/a%20b/c%2Fd/%C3%A9+f/%2525');
    assert.equal(event.requestContext.http.path, '/a b/c/d/é+f/%25');
  });

  it('keeps the Cookie header', () => {
    const headers: [string, string][] = [['Cookie', 'foo=bar; hello=hello']];

    const event = buildFunctionUrlEvent(httpRequest({ headers }), URL_CONTEXT);

    assert.deepEqual(event.cookies, ['foo=bar', 'hello=hello']);
    assert.equal(event.headers.cookie, 'foo=bar; hello=hello');
  });

  it('round-trips a binary body through base64', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const headers: [string, string][] = [['Content-Type', 'image/png']];

    const event = buildFunctionUrlEvent(httpRequest({ headers, body: png }), URL_CONTEXT);

    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body ?? '', 'base64'), png);
  });
});
