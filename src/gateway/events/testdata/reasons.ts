/**
 * Reasons why a field of a recorded or documented event cannot be reproduced, shared by the
 * builder tests and the replay through the gateway so that both list the same fields.
 */

/** Identity values the Go and Rust examples invent for a caller with Cognito and an API key. */
export const INVENTED_IDENTITY = Object.fromEntries(
  [
    'accessKey',
    'accountId',
    'apiKey',
    'apiKeyId',
    'caller',
    'cognitoAuthenticationProvider',
    'cognitoAuthenticationType',
    'cognitoIdentityId',
    'cognitoIdentityPoolId',
    'user',
    'userArn',
  ].map((field) => [
    `requestContext.identity.${field}`,
    'the example invents a signed, Cognito-authenticated caller with an API key',
  ]),
);

export const LAMBDA_AUTHORIZER =
  'the example has a Lambda authorizer context, which needs an authorizer';
export const INCONSISTENT_PREFIX =
  'the example domainPrefix is not the first label of its domainName';
export const OMITS_PRINCIPAL_ORG =
  'AWS sends principalOrgId (null) in a REST event recorded in Aug 2024; the example predates it';
export const STAGELESS_CONTEXT_PATH =
  'the example leaves the stage out of requestContext.path; a REST event captured against AWS by hotsock/voker (Jul 2026) has /<stage>/<path> there';
export const OMITS_BASE64_FLAG = 'AWS always sends isBase64Encoded; the example leaves it out';
export const UNTYPED_BODY_V1 =
  'the AWS documentation example has a text body without Content-Type, which HTTP APIs pass as binary';

export const MIXED_CASE_NAMES = 'HTTP APIs lower-case header names; the example does not';
export const MTLS = 'the example has an mTLS client certificate';
export const JWT_AUTHORIZER = 'the example has a JWT authorizer';
export const UNTYPED_BODY =
  'the example has a text body without Content-Type, which AWS passes as binary (function URL recordings)';
export const REDACTED_IAM = 'the recording blanks the IAM caller';

/** Fields in which the AWS documentation example of payload 2.0 contradicts itself. */
export const DOC_EXAMPLE_CONTEXT = {
  'requestContext.http.userAgent':
    'the example gives the user agent "agent" but no User-Agent header',
  'requestContext.time': 'the example time (12 Mar 2020) is not the time of its timeEpoch (4 Mar)',
};
export const DOC_NULLS =
  'the AWS documentation example sets it to null; recorded function URL events leave it out';
export const DOC_COOKIE_HEADER =
  'the AWS documentation example leaves the Cookie header out; recorded function URL events keep it';
