import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SignatureV4 } from '@smithy/signature-v4';

import { findHeader } from '../src/gateway/events/request-parts.js';
import {
  asObject,
  assertMatchesFixture,
  at,
  bodyOf,
  encodeQuery,
  headersFromV1Fixture,
  readFixture,
  stringMapAt,
  textAt,
  type FixtureDifferences,
  type Json,
} from '../src/gateway/events/testdata/fixtures.js';
import {
  DOC_COOKIE_HEADER,
  DOC_EXAMPLE_CONTEXT,
  DOC_NULLS,
  INCONSISTENT_PREFIX,
  INVENTED_IDENTITY,
  JWT_AUTHORIZER,
  LAMBDA_AUTHORIZER,
  MIXED_CASE_NAMES,
  MTLS,
  OMITS_BASE64_FLAG,
  OMITS_PRINCIPAL_ORG,
  REDACTED_IAM,
  STAGELESS_CONTEXT_PATH,
  UNTYPED_BODY,
  UNTYPED_BODY_V1,
} from '../src/gateway/events/testdata/reasons.js';
import { RouteTable } from '../src/gateway/routes.js';
import { HttpGateway } from '../src/gateway/server.js';
import { Platform } from '../src/platform.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';
import { FUNCTIONS_DIR } from './helpers.js';

const ECHO_DIR = path.join(FUNCTIONS_DIR, 'gateway-echo');
const ACCOUNT = { accountId: '123456789012', region: 'us-east-1' };
/** The key of the gateway that serves the template's function URLs and no API. */
const FUNCTION_URLS = 'function URLs';
/** The function whose URL has AuthType AWS_IAM; requests to it are signed with SIGNING_KEY. */
const IAM_URL = 'IamUrlEcho';
/** One of the access keys whose secret the gateway has by default. */
const SIGNING_KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

type Kind = 'rest' | 'http-v1' | 'http' | 'url';

const V1_DOC_EXAMPLE = {
  'requestContext.authorizer': 'the example shows empty JWT authorizer fields',
  'requestContext.identity.clientCert': 'the example has an mTLS client certificate',
  'requestContext.identity.userAgent':
    'the example gives a user agent but its request has no User-Agent header',
  'queryStringParameters.parameter1':
    'the example keeps the first of two values; HTTP APIs keep the last (colors[]=blue&colors[]=red gave "red" in a 2020 comparison by metaskills)',
};

const SAM_LOCAL = {
  'headers.connection': 'AWS events carry no Connection header',
  'requestContext.http.userAgent': 'SAM sends a fixed user agent',
};

// Reasons for the fixtures that only this test replays.
const IAM_AUTHORIZER = 'the example has an IAM authorizer, which the template does not configure';
const LAMBDA_AUTHORIZER_V2 =
  'the example has a Lambda authorizer context, which the template does not configure';
const UNTYPED_BODY_V2 = {
  body: UNTYPED_BODY,
  isBase64Encoded: UNTYPED_BODY,
};
const PARSER_TEST_FIELD =
  'the example adds a field that AWS does not send, to test that parsers skip unknown fields';

/** Fields that depend on the clock, the client, the account and the deployment. */
const ENVIRONMENT: Record<Kind, Record<string, string>> = {
  rest: environmentFields('requestTime', 'requestTimeEpoch', 'identity.sourceIp'),
  'http-v1': environmentFields('requestTime', 'requestTimeEpoch', 'identity.sourceIp'),
  http: environmentFields('time', 'timeEpoch', 'http.sourceIp'),
  url: environmentFields('time', 'timeEpoch', 'http.sourceIp'),
};

function environmentFields(
  time: string,
  timeEpoch: string,
  sourceIp: string,
): Record<string, string> {
  const reasons: Record<string, string> = {
    requestId: 'the gateway gives each request a new id',
    [time]: 'the request is sent now, not at the time of the example',
    [timeEpoch]: 'the request is sent now, not at the time of the example',
    [sourceIp]: 'the request comes from 127.0.0.1',
    accountId: `the platform runs as account ${ACCOUNT.accountId}, and AuthType NONE URLs send "anonymous"`,
    apiId: 'the gateway derives API and URL ids from logical ids of the template',
    domainName:
      'the API domain is the Host header sent, or 127.0.0.1:<port>; function URLs get a derived id',
    domainPrefix: 'the first label of a domain name that differs (see domainName)',
  };
  return Object.fromEntries(
    Object.entries(reasons).map(([field, reason]) => [`requestContext.${field}`, reason]),
  );
}

const EXAMPLE_IAM_CALLER = {
  'requestContext.authorizer.iam':
    'the example names an IAM user of another account; the gateway names the root user of the platform account',
};
/** Headers that the signature of a request to an AWS_IAM function URL adds. */
const SIGNATURE_HEADERS = Object.fromEntries(
  ['x-amz-content-sha256', 'x-amz-date'].map((name) => [
    `headers.${name}`,
    'the example leaves out the SigV4 headers that a request to an AWS_IAM URL carries',
  ]),
);
const SIGNED_NOW = {
  'headers.x-amz-date': 'the test signs the request now, not at the time of the recording',
};

// Fields the gateway derives from the matched route, which the builder tests take from the fixture.
const DEFAULT_ROUTE_PARAMETERS = {
  pathParameters:
    'the example has path parameters on a $default route, which has no path variables',
};
const SAM_EMPTY_PATH_PARAMETERS = {
  pathParameters: 'SAM sends an empty map where AWS leaves the field out',
};

interface ReplayCase {
  file: string;
  /**
   * Whether the fixture is a copy in test/functions/gateway-echo/fixtures/, because the builder
   * tests do not use it.
   */
  copiedHere?: boolean;
  kind: Kind;
  /** Logical id of the API in the template, or the function name for a function URL. */
  target: string;
  /**
   * Fields that the example's own values make unreproducible. For a fixture that the builder
   * tests in src/gateway/events/ also use, this is their list for it, unchanged.
   */
  example?: FixtureDifferences;
  /** Fields that the gateway derives from the matched route and the example contradicts. */
  routing?: Record<string, string>;
  /** Fields that differ because of a gateway gap; a todo test compares them as well. */
  gaps?: Record<string, string>;
}

const FIXTURES: ReplayCase[] = [
  // REST APIs.
  {
    file: 'aws-lambda-go/apigw-request.json',
    kind: 'rest',
    target: 'RestTestStageApi',
    example: {
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
  },
  {
    file: 'aws-lambda-go/apigw-restapi-openapi-request.json',
    copiedHere: true,
    kind: 'rest',
    target: 'RestTestStageApi',
    example: {
      differs: {
        ...INVENTED_IDENTITY,
        'requestContext.authorizer': LAMBDA_AUTHORIZER,
        'requestContext.domainPrefix': INCONSISTENT_PREFIX,
        'requestContext.operationName':
          'the example method has an OpenAPI operation name, which the template does not set',
        'requestContext.path': STAGELESS_CONTEXT_PATH,
      },
      extra: {
        isBase64Encoded: OMITS_BASE64_FLAG,
        'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
      },
    },
  },
  {
    // The AWS guide example of a REST proxy event, whose requestContext is abridged.
    file: 'aws-lambda-rust-runtime/apigw_multi_value_proxy_request.json',
    kind: 'rest',
    target: 'RestTestStageApi',
    example: {
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
  },
  {
    // Sent by the Test button of the API Gateway console (TestInvokeMethod), not by an HTTP client.
    file: 'aws-lambda-rust-runtime/example-apigw-console-test-request.json',
    copiedHere: true,
    kind: 'rest',
    target: 'RestConsoleTestApi',
    example: {
      differs: {
        headers: 'the console test sends no headers, but an HTTP/1.1 request needs a Host header',
        multiValueHeaders:
          'the console test sends no headers, but an HTTP/1.1 request needs a Host header',
        ...Object.fromEntries(
          ['accessKey', 'accountId', 'apiKey', 'apiKeyId', 'caller', 'user', 'userArn'].map(
            (field) => [
              `requestContext.identity.${field}`,
              'the console test calls as the signed-in IAM user with a test API key',
            ],
          ),
        ),
        'requestContext.identity.userAgent':
          'the console test gives the user agent of its AWS SDK, not of a User-Agent header',
        'requestContext.path':
          'the console test invokes the method directly, without a stage in the URL',
      },
    },
  },
  {
    file: 'aws-lambda-rust-runtime/example-apigw-request-catch-all.json',
    copiedHere: true,
    kind: 'rest',
    target: 'RestTestStageApi',
    example: {
      differs: {
        ...INVENTED_IDENTITY,
        'requestContext.authorizer': LAMBDA_AUTHORIZER,
        'requestContext.domainPrefix': INCONSISTENT_PREFIX,
        'requestContext.identity.otherField': PARSER_TEST_FIELD,
        'requestContext.path': STAGELESS_CONTEXT_PATH,
        otherField: PARSER_TEST_FIELD,
      },
      extra: {
        isBase64Encoded: OMITS_BASE64_FLAG,
        'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
      },
    },
  },
  {
    file: 'aws-lambda-rust-runtime/example-apigw-request-multi-value-parameters.json',
    kind: 'rest',
    target: 'RestTestStageApi',
    example: {
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
  },
  {
    // Printed by `sam local start-api` for a REST API, which differs from AWS in several fields.
    file: 'aws-lambda-rust-runtime/example-apigw-sam-rest-request.json',
    copiedHere: true,
    kind: 'rest',
    target: 'RestSamLocalApi',
    example: {
      differs: {
        'headers.Connection': 'AWS events carry no Connection header',
        'multiValueHeaders.Connection': 'AWS events carry no Connection header',
        'requestContext.identity.userAgent': 'SAM sends a fixed user agent',
        'requestContext.identity.apiKey':
          'SAM sends apiKey null; AWS sends no apiKey without an API key in a REST event recorded in Aug 2024',
        version: 'SAM adds the version field of HTTP APIs, which REST APIs do not send',
        'requestContext.path': 'SAM leaves the stage out of requestContext.path',
      },
      extra: Object.fromEntries(
        ['accessKey', 'cognitoIdentityId', 'principalOrgId'].map((field) => [
          `requestContext.identity.${field}`,
          'SAM leaves out this field of AWS REST events',
        ]),
      ),
    },
  },
  {
    file: 'aws-sam-cli/apigateway-aws-proxy.json',
    kind: 'rest',
    target: 'RestSamProxyApi',
    example: {
      differs: {
        'headers.Host': 'the example headers and multiValueHeaders disagree on the Host value',
      },
      extra: {
        'requestContext.domainName': 'the SAM example leaves it out',
        'requestContext.domainPrefix': 'the SAM example leaves it out',
        'requestContext.identity.principalOrgId': OMITS_PRINCIPAL_ORG,
      },
    },
    routing: {
      'pathParameters.proxy':
        'the SAM example starts the greedy value with a slash; the AWS guide example gives "hello/world" for /hello/world',
    },
  },

  // HTTP APIs with payload format 1.0.
  {
    // The AWS documentation example of an HTTP API event in payload format 1.0.
    file: 'powertools-lambda-python/apiGatewayProxyEvent.json',
    kind: 'http-v1',
    target: 'HttpPayloadV1Api',
    example: {
      headerNamesLowerCased:
        'HTTP APIs lower-case header names; the documentation example does not',
      differs: { ...V1_DOC_EXAMPLE, body: UNTYPED_BODY_V1, isBase64Encoded: UNTYPED_BODY_V1 },
    },
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyEventPathTrailingSlash.json',
    copiedHere: true,
    kind: 'http-v1',
    target: 'HttpPayloadV1Api',
    example: {
      headerNamesLowerCased:
        'HTTP APIs lower-case header names; the documentation example does not',
      differs: {
        ...V1_DOC_EXAMPLE,
        body: 'the example marks its plain-text body as base64, which does not decode back to it',
        'requestContext.path': 'the example drops the trailing slash that path has',
      },
    },
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyOtherEvent.json',
    copiedHere: true,
    kind: 'http-v1',
    target: 'HttpPayloadV1Api',
    example: {
      headerNamesLowerCased:
        'HTTP APIs lower-case header names; the documentation example does not',
      differs: {
        ...V1_DOC_EXAMPLE,
        body: UNTYPED_BODY_V1,
        isBase64Encoded: UNTYPED_BODY_V1,
        'headers.origin': 'the example has an Origin header that its multiValueHeaders lack',
      },
    },
  },

  // HTTP APIs with payload format 2.0.
  {
    file: 'aws-lambda-go/apigw-v2-request-iam.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': IAM_AUTHORIZER,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'aws-lambda-go/apigw-v2-request-jwt-authorizer.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': JWT_AUTHORIZER,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'aws-lambda-go/apigw-v2-request-lambda-authorizer.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': LAMBDA_AUTHORIZER_V2,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'aws-lambda-go/apigw-v2-request-no-authorizer.json',
    kind: 'http',
    target: 'HttpPlainApi',
    example: { differs: { 'requestContext.authentication': MTLS } },
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_request_path_with_space.json',
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.authorizer': JWT_AUTHORIZER,
        body: UNTYPED_BODY,
        isBase64Encoded: UNTYPED_BODY,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_v2_proxy_request_minimal.json',
    kind: 'http',
    target: 'HttpPlainApi',
  },
  {
    file: 'aws-lambda-rust-runtime/apigw_v2_proxy_request_with_stage_in_path.json',
    kind: 'http',
    target: 'HttpProdStageApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.authorizer': JWT_AUTHORIZER,
        body: UNTYPED_BODY,
        isBase64Encoded: UNTYPED_BODY,
      },
    },
    routing: {
      ...DEFAULT_ROUTE_PARAMETERS,
      routeKey: 'the example route key "Prod" is none that HTTP APIs use ("$default", "GET /path")',
      'requestContext.routeKey':
        'the example route key "Prod" is none that HTTP APIs use ("$default", "GET /path")',
    },
  },
  {
    // Printed by `sam local start-api`, which differs from AWS in several fields.
    file: 'aws-lambda-rust-runtime/apigw_v2_sam_local.json',
    kind: 'http',
    target: 'HttpPlainApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...SAM_LOCAL,
        cookies: 'SAM sends an empty list where AWS leaves the field out',
        queryStringParameters: 'SAM sends an empty map where AWS leaves the field out',
        body: 'SAM sends an empty string where AWS leaves the field out',
        stageVariables: 'SAM sends null where AWS leaves the field out',
        'requestContext.time': 'SAM gives timeEpoch in seconds, so the two times disagree',
      },
    },
    routing: SAM_EMPTY_PATH_PARAMETERS,
  },
  {
    file: 'aws-lambda-rust-runtime/example-apigw-sam-http-request.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpPlainApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...SAM_LOCAL,
        cookies: 'SAM sends an empty list where AWS leaves the field out',
        body: 'SAM sends an empty string where AWS leaves the field out',
        stageVariables: 'SAM sends null where AWS leaves the field out',
      },
    },
    routing: SAM_EMPTY_PATH_PARAMETERS,
  },
  {
    file: 'aws-lambda-rust-runtime/example-apigw-v2-request-multi-value-parameters.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': LAMBDA_AUTHORIZER_V2,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'aws-sam-cli/apigateway-http-api-proxy.json',
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': JWT_AUTHORIZER,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2Event.json',
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': JWT_AUTHORIZER,
        body: UNTYPED_BODY,
        isBase64Encoded: UNTYPED_BODY,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2EventPathTrailingSlash.json',
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
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
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2Event_GET.json',
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.authentication': MTLS,
        'requestContext.authorizer': JWT_AUTHORIZER,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2IamEvent.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authorizer': IAM_AUTHORIZER,
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },
  {
    file: 'powertools-lambda-python/apiGatewayProxyV2LambdaAuthorizerEvent.json',
    copiedHere: true,
    kind: 'http',
    target: 'HttpStageVariablesApi',
    example: {
      headerNamesLowerCased: MIXED_CASE_NAMES,
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        ...UNTYPED_BODY_V2,
        'requestContext.authorizer':
          'the example has JWT and Lambda authorizer contexts, which the template does not configure',
      },
    },
    routing: DEFAULT_ROUTE_PARAMETERS,
  },

  // Function URLs.
  {
    file: 'aws-lambda-go/function-url-domain-only-get-request.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: { differs: { 'requestContext.authorizer.iam': REDACTED_IAM, ...SIGNED_NOW } },
  },
  {
    file: 'aws-lambda-go/function-url-domain-only-get-request-trailing-slash.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: { differs: { 'requestContext.authorizer.iam': REDACTED_IAM, ...SIGNED_NOW } },
  },
  {
    file: 'aws-lambda-go/function-url-domain-only-request-with-base64-encoded-body.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: { differs: { 'requestContext.authorizer.iam': REDACTED_IAM, ...SIGNED_NOW } },
  },
  {
    file: 'aws-lambda-go/function-url-request-with-headers-and-cookies-and-text-body.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: { differs: { 'requestContext.authorizer.iam': REDACTED_IAM, ...SIGNED_NOW } },
  },
  {
    file: 'powertools-lambda-python/lambdaFunctionUrlEvent.json',
    kind: 'url',
    target: 'UrlEcho',
    example: {
      differs: {
        'requestContext.http.userAgent': 'the recording replaces the user agent with "agent"',
      },
    },
  },
  {
    file: 'powertools-lambda-python/lambdaFunctionUrlEventWithHeaders.json',
    kind: 'url',
    target: 'UrlEcho',
    example: {
      differs: {
        'requestContext.http.userAgent': 'the recording replaces the user agent with "agent"',
        queryStringParameters: 'the example adds parameters that its empty rawQueryString lacks',
      },
    },
  },
  {
    // The AWS documentation example of a function URL event, older revision.
    file: 'aws-lambda-go/lambda-urls-request.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: {
      differs: {
        ...DOC_EXAMPLE_CONTEXT,
        'requestContext.apiId':
          'the example spells the URL id "<urlid>" here and "<url-id>" elsewhere',
        'headers.cookie': DOC_COOKIE_HEADER,
        body: UNTYPED_BODY,
        isBase64Encoded: UNTYPED_BODY,
        ...EXAMPLE_IAM_CALLER,
      },
      extra: {
        ...SIGNATURE_HEADERS,
        routeKey: 'this revision of the example leaves it out',
        'requestContext.routeKey': 'this revision of the example leaves it out',
        'requestContext.stage': 'this revision of the example leaves it out',
        'requestContext.authorizer.iam.cognitoIdentity':
          'this revision of the example leaves it out',
        'requestContext.authorizer.iam.principalOrgId':
          'this revision of the example leaves it out',
      },
    },
  },
  {
    // The AWS documentation example of a function URL event, current revision.
    file: 'powertools-lambda-python/lambdaFunctionUrlIAMEvent.json',
    kind: 'url',
    target: 'IamUrlEcho',
    example: {
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
        ...EXAMPLE_IAM_CALLER,
      },
      extra: SIGNATURE_HEADERS,
    },
  },
  {
    file: 'aws-lambda-rust-runtime/lambda_function_url_request.json',
    kind: 'url',
    target: 'UrlEcho',
    example: {
      differs: {
        'requestContext.accountId':
          'the example has an account id without an IAM authorizer; AuthType NONE events say "anonymous"',
        'requestContext.apiId': 'the example URL id "xxx" is not the one in its domain name "id"',
      },
      extra: {
        queryStringParameters: 'the example leaves out the parameters of its rawQueryString',
      },
    },
  },
];

/** An HTTP/1.1 request as it goes on the wire. */
interface RawRequest {
  method: string;
  /** Path and query string, percent-encoded. */
  target: string;
  /** Header lines in order, one line per value of a repeated name. */
  headers: [string, string][];
  body: Buffer;
}

interface RawResponse {
  statusCode: number;
  headers: [string, string][];
  body: Buffer;
}

/** The template's APIs and function URLs, each behind a gateway on a port of its own. */
class Gateways {
  readonly #platform: Platform;
  readonly #dataDir: string;
  readonly #ports = new Map<string, number>();
  readonly #servers: HttpGateway[] = [];

  private constructor(platform: Platform, dataDir: string) {
    this.#platform = platform;
    this.#dataDir = dataDir;
  }

  /**
   * Starts one gateway per API, the way Platform.listenGateway starts one for all of them.
   * Separate ports let two APIs use the same route with different stages, and keep a REST
   * API's `/{proxy+}` from taking the requests meant for an HTTP API.
   */
  static async start(template: LoadedTemplate): Promise<Gateways> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-gateway-fixtures-'));
    const platform = await Platform.start({
      dataDir,
      account: ACCOUNT,
      functions: [...template.functions.values()],
    });
    const gateways = new Gateways(platform, dataDir);
    const { apis, routes, functionUrls } = template.http;
    for (const [logicalId, api] of apis) {
      const apiRoutes = routes.filter((route) => route.apiLogicalId === logicalId);
      await gateways.#listen(logicalId, new RouteTable(new Map([[logicalId, api]]), apiRoutes), []);
    }
    await gateways.#listen(FUNCTION_URLS, new RouteTable(new Map(), []), functionUrls);
    return gateways;
  }

  async #listen(
    key: string,
    routes: RouteTable,
    functionUrls: LoadedTemplate['http']['functionUrls'],
  ): Promise<void> {
    const server = new HttpGateway({
      routes,
      functionUrls,
      invoker: this.#platform.invoker,
      account: this.#platform.account,
      logger: this.#platform.logger,
    });
    this.#servers.push(server);
    const address = await server.listen(0, '127.0.0.1');
    this.#ports.set(key, address.port);
  }

  /** Returns the port of an API by logical id, or of the function URLs. */
  port(key: string): number {
    const port = this.#ports.get(key);
    assert.ok(port !== undefined, `no gateway serves "${key}"; add it to the echo template`);
    return port;
  }

  async close(): Promise<void> {
    await Promise.all(this.#servers.map((server) => server.close()));
    await this.#platform.close();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/** Rebuilds the request of a payload 1.0 event, with one line or pair per multiValue* value. */
function requestFromV1Fixture(fixture: Json): RawRequest {
  const multiQuery = at(fixture, 'multiValueQueryStringParameters') as
    Record<string, string[]> | null | undefined;
  return {
    method: textAt(fixture, 'httpMethod'),
    target: withQuery(encodePath(textAt(fixture, 'path')), encodeQuery(multiQuery ?? {})),
    headers: headersFromV1Fixture(fixture),
    body: bodyOf(fixture),
  };
}

/**
 * Rebuilds the request of a payload 2.0 event, with the raw query string as given. The
 * `cookies` become one Cookie header unless the fixture keeps its own, as function URLs do.
 */
function requestFromV2Fixture(fixture: Json, pathPrefix: string): RawRequest {
  const headers = Object.entries(stringMapAt(fixture, 'headers') ?? {});
  const cookies = (at(fixture, 'cookies') ?? []) as string[];
  if (cookies.length > 0 && findHeader(headers, 'cookie') === undefined) {
    headers.push(['Cookie', cookies.join('; ')]);
  }
  const rawPath = pathPrefix + encodePath(textAt(fixture, 'rawPath'));
  return {
    method: textAt(fixture, 'requestContext.http.method'),
    target: withQuery(rawPath, textAt(fixture, 'rawQueryString')),
    headers,
    body: bodyOf(fixture),
  };
}

/**
 * Adds the Host and Content-Length headers that an HTTP/1.1 request with this body needs,
 * where the fixture has none. Returns the request and the names of the added headers.
 */
function withFramingHeaders(
  request: RawRequest,
  host: string,
): { request: RawRequest; added: string[] } {
  const headers = [...request.headers];
  const added: string[] = [];
  if (findHeader(headers, 'host') === undefined) {
    headers.push(['Host', host]);
    added.push('Host');
  }
  const contentLength = findHeader(headers, 'content-length');
  if (contentLength !== undefined) {
    assert.equal(Number(contentLength), request.body.length, 'fixture Content-Length');
  } else if (request.body.length > 0) {
    headers.push(['Content-Length', String(request.body.length)]);
    added.push('Content-Length');
  }
  return { request: { ...request, headers }, added };
}

/** Lists the event fields that contain the headers added by withFramingHeaders, with reasons. */
function addedHeaderFields(kind: Kind, added: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of added) {
    // REST events leave Content-Length out (see rest-event.ts).
    if (kind === 'rest' && name === 'Content-Length') continue;

    const reason = `the example has no ${name} header, which this HTTP/1.1 request needs`;
    const key = kind === 'rest' ? name : name.toLowerCase();
    fields[`headers.${key}`] = reason;
    if (kind === 'rest' || kind === 'http-v1') fields[`multiValueHeaders.${key}`] = reason;
  }
  return fields;
}

/**
 * Percent-encodes the characters that cannot appear in a request target, such as the space
 * of `/my/path-with space`, and leaves every other character, `%` included, as it is.
 */
function encodePath(rawPath: string): string {
  return rawPath.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (character) =>
    encodeURIComponent(character),
  );
}

function withQuery(target: string, query: string): string {
  return query === '' ? target : `${target}?${query}`;
}

/** Sends a request over a new connection and reads the response the gateway sends back. */
async function send(port: number, request: RawRequest): Promise<RawResponse> {
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  for (const [name, value] of request.headers) {
    assert.match(`${name}: ${value}`, /^[\x20-\x7e\t]*$/, 'header lines are printable ASCII');
    lines.push(`${name}: ${value}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return exchange(port, Buffer.concat([head, request.body]));
}

function exchange(port: number, data: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const response = parseResponse(received);
        if (response === undefined) return;
        socket.destroy();
        resolve(response);
      } catch (error) {
        socket.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', reject);
    socket.on('end', () => {
      reject(
        new Error(
          `the gateway closed the connection after ${received.length} bytes, before a complete response`,
        ),
      );
    });
    socket.write(data);
  });
}

/** Parses a response framed by Content-Length; undefined while it is incomplete. */
function parseResponse(received: Buffer): RawResponse | undefined {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;

  const [statusLine = '', ...headerLines] = received
    .subarray(0, headEnd)
    .toString('latin1')
    .split('\r\n');
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const contentLength = Number(findHeader(headers, 'content-length'));
  if (!Number.isInteger(contentLength)) {
    throw new Error(`invalid or missing Content-Length in the gateway response: ${statusLine}`);
  }
  const body = received.subarray(headEnd + 4);
  if (body.length < contentLength) return undefined;
  return { statusCode: Number(statusLine.split(' ')[1]), headers, body };
}

/**
 * Signs a request with SigV4 (service `lambda`) as an AWS SDK signs a function URL request.
 * The signer replaces an X-Amz-Date header, keeps an X-Amz-Content-SHA256 header as the
 * payload hash, and adds an Authorization header.
 */
async function signed(request: RawRequest): Promise<RawRequest> {
  const queryStart = request.target.indexOf('?');
  const path = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(request.target.slice(path.length))) {
    (query[name] ??= []).push(value);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  const signer = new SignatureV4({
    service: 'lambda',
    region: ACCOUNT.region,
    credentials: SIGNING_KEY,
    sha256: NodeSha256,
  });
  const result = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    path,
    query,
    headers,
    body: request.body,
  });
  return { ...request, headers: Object.entries(result.headers) };
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

/** Sends a request and returns the event that the echo function received. */
async function echoedEvent(port: number, request: RawRequest): Promise<Json> {
  const response = await send(port, request);
  const text = response.body.toString('utf8');
  assert.equal(response.statusCode, 200, `gateway response: ${text}`);
  return asObject(JSON.parse(text));
}

function readReplayFixture(testCase: ReplayCase): Json {
  if (testCase.copiedHere !== true) return readFixture(testCase.file);
  const file = path.join(ECHO_DIR, 'fixtures', testCase.file);
  return asObject(JSON.parse(readFileSync(file, 'utf8')));
}

/** Builds the differences that assertMatchesFixture allows, with or without the gateway gaps. */
function allowedDifferences(
  testCase: ReplayCase,
  added: string[],
  options: { ignoreGaps: boolean },
): FixtureDifferences {
  const differs = {
    ...ENVIRONMENT[testCase.kind],
    ...testCase.example?.differs,
    ...testCase.routing,
    ...(options.ignoreGaps ? testCase.gaps : {}),
  };
  // A field left out of the comparison cannot be extra, so drop it and the fields inside it.
  const ignored = Object.keys(differs);
  const extra = Object.fromEntries(
    Object.entries({
      ...testCase.example?.extra,
      ...addedHeaderFields(testCase.kind, added),
    }).filter(
      ([field]) => !ignored.some((prefix) => field === prefix || field.startsWith(`${prefix}.`)),
    ),
  );
  return { differs, extra, headerNamesLowerCased: testCase.example?.headerNamesLowerCased };
}

interface Replay {
  fixture: Json;
  event: Json;
  /** Names of the headers the request needed beyond the fixture's. */
  added: string[];
}

describe('HTTP gateway with the echo template', () => {
  let gateways: Gateways;
  const replays = new Map<string, Promise<Replay>>();

  before(async () => {
    const template = loadTemplate(path.join(ECHO_DIR, 'template.yaml'), {
      account: ACCOUNT,
      parameterOverrides: {},
    });
    assert.deepEqual(template.http.errors, []);
    assert.deepEqual([...template.invalid], []);
    gateways = await Gateways.start(template);
  });
  after(async () => {
    await gateways.close();
  });

  /** Replays a fixture once, so that its tests share the event the function received. */
  function replay(testCase: ReplayCase): Promise<Replay> {
    let result = replays.get(testCase.file);
    if (result === undefined) {
      result = replayOnce(testCase);
      replays.set(testCase.file, result);
    }
    return result;
  }

  async function replayOnce(testCase: ReplayCase): Promise<Replay> {
    const fixture = readReplayFixture(testCase);
    const isUrl = testCase.kind === 'url';
    const port = gateways.port(isUrl ? FUNCTION_URLS : testCase.target);
    const request =
      testCase.kind === 'rest' || testCase.kind === 'http-v1'
        ? requestFromV1Fixture(fixture)
        : requestFromV2Fixture(fixture, isUrl ? `/lambda-url/${testCase.target}` : '');
    const framed = withFramingHeaders(request, `127.0.0.1:${port}`);
    const sent = testCase.target === IAM_URL ? await signed(framed.request) : framed.request;
    const event = await echoedEvent(port, sent);
    return { fixture, event, added: framed.added };
  }

  describe('event fixtures', () => {
    for (const testCase of FIXTURES) {
      it(`reproduces ${testCase.file}`, async () => {
        const { fixture, event, added } = await replay(testCase);

        const differences = allowedDifferences(testCase, added, { ignoreGaps: true });
        assertMatchesFixture(event, fixture, differences);
      });

      const gaps = testCase.gaps ?? {};
      if (Object.keys(gaps).length === 0) continue;
      const todo = [...new Set(Object.values(gaps))].join('; ');
      it(`reproduces ${testCase.file}: ${Object.keys(gaps).join(', ')}`, { todo }, async () => {
        const { fixture, event, added } = await replay(testCase);

        const differences = allowedDifferences(testCase, added, { ignoreGaps: false });
        assertMatchesFixture(event, fixture, differences);
      });
    }
  });

  describe('repeated values and cookies', () => {
    /** Builds a GET with a repeated query key, a header repeated in two spellings and cookies. */
    function repeatedValuesRequest(key: string, requestPath: string): [number, RawRequest] {
      const port = gateways.port(key);
      const request: RawRequest = {
        method: 'GET',
        target: `${requestPath}?a=1&a=2&b=x`,
        headers: [
          ['Host', `127.0.0.1:${port}`],
          ['X-Repeated', 'one'],
          ['X-Repeated', 'two'],
          ['x-repeated', 'three'],
          ['Cookie', 'c1=v1; c2=v2'],
        ],
        body: Buffer.alloc(0),
      };
      return [port, request];
    }

    it('REST API keeps each spelling apart', async () => {
      const event = await echoedEvent(...repeatedValuesRequest('RestSamLocalApi', '/test'));

      assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x'] });
      assert.deepEqual(event.queryStringParameters, { a: '2', b: 'x' });
      assert.deepEqual(at(event, 'multiValueHeaders.X-Repeated'), ['one', 'two']);
      assert.deepEqual(at(event, 'multiValueHeaders.x-repeated'), ['three']);
      assert.equal(at(event, 'headers.X-Repeated'), 'two');
      assert.equal(at(event, 'headers.x-repeated'), 'three');
      assert.equal(at(event, 'headers.Cookie'), 'c1=v1; c2=v2');
    });

    it('HTTP API 1.0 merges spellings', async () => {
      const event = await echoedEvent(...repeatedValuesRequest('HttpPayloadV1Api', '/my/path'));

      assert.equal(event.version, '1.0');
      assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x'] });
      assert.deepEqual(event.queryStringParameters, { a: '2', b: 'x' });
      assert.deepEqual(at(event, 'multiValueHeaders.x-repeated'), ['one', 'two', 'three']);
      assert.equal(at(event, 'headers.x-repeated'), 'three');
      assert.equal(at(event, 'headers.cookie'), 'c1=v1; c2=v2');
    });

    it('HTTP API 2.0 joins values with commas', async () => {
      const [port, request] = repeatedValuesRequest('HttpPlainApi', '/hello');
      request.headers.push(['Cookie', 'c3=v3']);

      const event = await echoedEvent(port, request);

      assert.equal(event.rawQueryString, 'a=1&a=2&b=x');
      assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x' });
      assert.equal(at(event, 'headers.x-repeated'), 'one,two,three');
      assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2', 'c3=v3']);
      assert.equal(at(event, 'headers.cookie'), undefined);
    });

    it('function URL keeps the Cookie header', async () => {
      const event = await echoedEvent(
        ...repeatedValuesRequest(FUNCTION_URLS, '/lambda-url/UrlEcho/some/path'),
      );

      assert.equal(event.rawPath, '/some/path');
      assert.equal(event.rawQueryString, 'a=1&a=2&b=x');
      assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x' });
      assert.equal(at(event, 'headers.x-repeated'), 'one,two,three');
      assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
      assert.equal(at(event, 'headers.cookie'), 'c1=v1; c2=v2');
    });

    it('sends one Set-Cookie line per cookie', async () => {
      const targets: [string, string][] = [
        ['RestSamLocalApi', '/cookies'],
        ['HttpPayloadV1Api', '/cookies'],
        ['HttpPlainApi', '/cookies'],
        [FUNCTION_URLS, '/lambda-url/CookieSetter/'],
      ];
      for (const [key, target] of targets) {
        const port = gateways.port(key);
        const headers: [string, string][] = [['Host', `127.0.0.1:${port}`]];

        const response = await send(port, {
          method: 'GET',
          target,
          headers,
          body: Buffer.alloc(0),
        });

        assert.equal(response.statusCode, 200, key);
        const cookies = response.headers
          .filter(([name]) => name.toLowerCase() === 'set-cookie')
          .map(([, value]) => value);
        assert.deepEqual(cookies, ['a=1; Path=/', 'b=2'], key);
      }
    });

    it('AWS_IAM function URL names the caller', async () => {
      const [port, request] = repeatedValuesRequest(FUNCTION_URLS, `/lambda-url/${IAM_URL}/`);

      const event = await echoedEvent(port, await signed(request));

      assert.equal(at(event, 'requestContext.accountId'), ACCOUNT.accountId);
      assert.equal(at(event, 'requestContext.authorizer.iam.accessKey'), SIGNING_KEY.accessKeyId);
      assert.equal(at(event, 'headers.authorization'), undefined);
    });

    it('AWS_IAM function URL rejects an unsigned request', async () => {
      const response = await send(
        ...repeatedValuesRequest(FUNCTION_URLS, `/lambda-url/${IAM_URL}/`),
      );

      assert.equal(response.statusCode, 403);
      assert.equal(findHeader(response.headers, 'x-amzn-errortype'), 'AccessDeniedException');
    });
  });
});
