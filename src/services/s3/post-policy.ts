import { createHmac } from 'node:crypto';

import { s3Error } from './errors.js';
import {
  deriveSigningKey,
  hmac,
  sameSignature,
  splitCredential,
  type KnownCredentials,
} from './sigv4.js';

/** The fields of a POST Object form before its file, by lowercase name. */
export type PostFormFields = ReadonlyMap<string, PostFormField>;

/** One form field: its name as the form spelled it, and its value. */
export interface PostFormField {
  name: string;
  value: string;
}

/** One condition of a POST policy, with the text S3 quotes when it fails. */
type PolicyCondition =
  | { kind: 'eq' | 'starts-with'; field: string; value: string; text: string }
  | { kind: 'content-length-range'; min: number; max: number };

/** A decoded POST policy. */
export interface PostPolicy {
  expirationMs: number;
  conditions: PolicyCondition[];
}

/** Fields that no condition has to name: the signature, the policy itself and the file. */
const UNCONDITIONED_FIELDS = new Set([
  'policy',
  'x-amz-signature',
  'signature',
  'awsaccesskeyid',
  'file',
]);

/** The fields of a Signature Version 4 form, and of a Signature Version 2 one. */
const SIGV4_FIELDS = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'];
const SIGV2_FIELDS = ['awsaccesskeyid', 'signature'];

/** S3's spelling of the fields it names in a missing-field error, by lowercase name. */
const ARGUMENT_NAMES: Record<string, string> = {
  key: 'key',
  policy: 'Policy',
  awsaccesskeyid: 'AWSAccessKeyId',
  signature: 'Signature',
};

/**
 * Returns S3's InvalidArgument error for a field the form lacks. S3 names a signature field
 * with each word capitalized, as in `X-Amz-Signature`.
 */
export function missingField(name: string): Error {
  const argumentName =
    ARGUMENT_NAMES[name] ??
    name
      .split('-')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('-');
  return s3Error(
    'InvalidArgument',
    { ArgumentName: argumentName, ArgumentValue: '' },
    `Bucket POST must contain a field named '${argumentName}'.  If it is specified, please check the order of the fields.`,
  );
}

/**
 * Checks the signature of a form's policy and returns the access key that signed it. A form
 * with Signature Version 4 fields must have all of them and a policy, whose signature is the
 * HMAC-SHA256 of the base64 policy with the key of the credential's scope. Version 2 signs it
 * with HMAC-SHA1 of the secret. As for headers, a signature by an access key not in
 * `credentials` is accepted without a check. A form without a signature is an anonymous
 * upload and returns undefined.
 */
export function checkPostSignature(
  fields: PostFormFields,
  credentials: KnownCredentials,
): string | undefined {
  const value = (name: string) => fields.get(name)?.value;
  const policy = value('policy');
  if (SIGV4_FIELDS.some((name) => fields.has(name))) {
    const missing = SIGV4_FIELDS.find((name) => !fields.has(name));
    if (missing !== undefined) throw missingField(missing);
    if (policy === undefined) throw missingField('policy');
    if (value('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
      throw s3Error(
        'InvalidArgument',
        { ArgumentName: 'x-amz-algorithm', ArgumentValue: value('x-amz-algorithm') ?? '' },
        'x-amz-algorithm must be AWS4-HMAC-SHA256 for a Signature Version 4 form.',
      );
    }
    const credential = value('x-amz-credential') ?? '';
    const split = splitCredential(credential);
    if (split === undefined) {
      throw s3Error(
        'InvalidArgument',
        { ArgumentName: 'x-amz-credential', ArgumentValue: credential },
        `x-amz-credential '${credential}' is not in the form ACCESS_KEY/DATE/REGION/s3/aws4_request.`,
      );
    }
    const [accessKeyId, scope] = split;
    const secret = credentials.get(accessKeyId);
    if (secret === undefined) return accessKeyId;
    const expected = hmac(deriveSigningKey(secret, scope), policy).toString('hex');
    checkSame(expected, value('x-amz-signature') ?? '', accessKeyId, policy);
    return accessKeyId;
  }
  if (SIGV2_FIELDS.some((name) => fields.has(name))) {
    const missing = SIGV2_FIELDS.find((name) => !fields.has(name));
    if (missing !== undefined) throw missingField(missing);
    if (policy === undefined) throw missingField('policy');
    const accessKeyId = value('awsaccesskeyid') ?? '';
    const secret = credentials.get(accessKeyId);
    if (secret === undefined) return accessKeyId;
    const expected = createHmac('sha1', secret).update(policy).digest('base64');
    checkSame(expected, value('signature') ?? '', accessKeyId, policy);
    return accessKeyId;
  }
  return undefined;
}

function checkSame(expected: string, sent: string, accessKeyId: string, policy: string): void {
  if (!sameSignature(expected, sent)) {
    throw s3Error('SignatureDoesNotMatch', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: policy,
      SignatureProvided: sent,
    });
  }
}

/** Decodes a base64 POST policy; raises InvalidPolicyDocument with what is wrong. */
export function parsePostPolicy(base64: string): PostPolicy {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('the policy is not base64-encoded JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidPolicy('the policy is not a JSON object; it needs expiration and conditions.');
  }
  const { expiration, conditions } = document as Record<string, unknown>;
  if (typeof expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expirationMs = Date.parse(expiration);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(expiration) || Number.isNaN(expirationMs)) {
    throw invalidPolicy(`Invalid 'expiration' value: '${expiration}'.`);
  }
  if (!Array.isArray(conditions)) throw invalidPolicy('Policy missing conditions.');
  return { expirationMs, conditions: conditions.map(parseCondition) };
}

function parseCondition(condition: unknown): PolicyCondition {
  if (Array.isArray(condition)) return parseArrayCondition(condition);
  if (typeof condition !== 'object' || condition === null) {
    throw invalidPolicy(`Invalid condition: ${JSON.stringify(condition)}.`);
  }
  const entries = Object.entries(condition as Record<string, unknown>);
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined) {
    throw invalidPolicy(
      'Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
    );
  }
  const [name, value] = entry;
  if (typeof value !== 'string') {
    throw invalidPolicy(`Invalid Simple-Condition: the value of '${name}' must be a string.`);
  }
  return equality('eq', `$${name}`, value);
}

function parseArrayCondition(condition: unknown[]): PolicyCondition {
  const [operation, first, second] = condition;
  const name = typeof operation === 'string' ? operation.toLowerCase() : undefined;
  if (name === 'content-length-range') {
    const min = Number(first);
    const max = Number(second);
    if (condition.length !== 3 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw invalidPolicy(`Invalid content-length-range condition: ${JSON.stringify(condition)}.`);
    }
    return { kind: 'content-length-range', min, max };
  }
  if (name !== 'eq' && name !== 'starts-with') {
    throw invalidPolicy(`Invalid condition operation: ${JSON.stringify(operation)}.`);
  }
  if (
    condition.length !== 3 ||
    typeof first !== 'string' ||
    !first.startsWith('$') ||
    typeof second !== 'string'
  ) {
    throw invalidPolicy(
      `Invalid condition ${JSON.stringify(condition)}: it takes a field name that starts with '$' and a string.`,
    );
  }
  return equality(name, first, second);
}

function equality(kind: 'eq' | 'starts-with', dollarName: string, value: string): PolicyCondition {
  const text = `[${[kind, dollarName, value].map((item) => JSON.stringify(item)).join(', ')}]`;
  return { kind, field: dollarName.slice(1).toLowerCase(), value, text };
}

function invalidPolicy(detail: string): Error {
  return s3Error('InvalidPolicyDocument', {}, `Invalid Policy: ${detail}`);
}

/**
 * Checks a form against its policy's expiration and conditions, and that a condition names
 * every field but the signature, the policy, the file and `x-ignore-*` fields. The length
 * range is left to `checkPostSize`, once the file is read. `bucket` is the bucket the form
 * was posted to. Raises AccessDenied with S3's message.
 */
export function checkPostPolicy(
  policy: PostPolicy,
  fields: PostFormFields,
  bucket: string,
  nowMs: number,
): void {
  if (nowMs > policy.expirationMs) throw policyViolation('Policy expired.');
  const named = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') continue;
    named.add(condition.field);
    const actual = condition.field === 'bucket' ? bucket : fields.get(condition.field)?.value;
    if (!satisfies(condition.kind, condition.field, actual, condition.value)) {
      throw policyViolation(`Policy Condition failed: ${condition.text}`);
    }
  }
  for (const [lowerName, field] of fields) {
    if (UNCONDITIONED_FIELDS.has(lowerName) || lowerName.startsWith('x-ignore-')) continue;
    if (!named.has(lowerName)) throw policyViolation(`Extra input fields: ${field.name}`);
  }
}

/**
 * Returns true when `actual` meets the condition. `starts-with` with an empty prefix accepts any
 * value, and each value of a comma-separated Content-Type must start with the prefix.
 */
function satisfies(
  kind: 'eq' | 'starts-with',
  field: string,
  actual: string | undefined,
  expected: string,
): boolean {
  if (kind === 'eq') return actual === expected;
  if (expected === '') return true;
  if (actual === undefined) return false;
  const values = field === 'content-type' ? actual.split(',').map((item) => item.trim()) : [actual];
  return values.every((item) => item.startsWith(expected));
}

function policyViolation(detail: string): Error {
  return s3Error('AccessDenied', {}, `Invalid according to Policy: ${detail}`);
}

/** Returns the largest file the policy's content-length-range allows, if it has one. */
export function maxPostSize(policy: PostPolicy | undefined): number | undefined {
  const range = policy?.conditions.find((condition) => condition.kind === 'content-length-range');
  return range?.kind === 'content-length-range' ? range.max : undefined;
}

/** Raises EntityTooSmall or EntityTooLarge when `size` is outside content-length-range. */
export function checkPostSize(policy: PostPolicy | undefined, size: number): void {
  for (const condition of policy?.conditions ?? []) {
    if (condition.kind !== 'content-length-range') continue;
    if (size < condition.min) {
      throw s3Error('EntityTooSmall', {
        ProposedSize: String(size),
        MinSizeAllowed: String(condition.min),
      });
    }
    if (size > condition.max) {
      throw s3Error('EntityTooLarge', {
        ProposedSize: String(size),
        MaxSizeAllowed: String(condition.max),
      });
    }
  }
}
