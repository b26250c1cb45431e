import type http from 'node:http';

import type { StoredObject } from '../../state/objects.js';
import { headerValue } from './context.js';
import { s3Error } from './errors.js';

/** The outcome of conditional headers: proceed, or send 304 Not Modified. */
export type ConditionOutcome = 'proceed' | 'not-modified';

/** The header names of one family of conditions (plain GET, or `x-amz-copy-source-if-*`). */
interface ConditionHeaders {
  ifMatch: string;
  ifNoneMatch: string;
  ifModifiedSince: string;
  ifUnmodifiedSince: string;
}

const GET_CONDITIONS: ConditionHeaders = {
  ifMatch: 'if-match',
  ifNoneMatch: 'if-none-match',
  ifModifiedSince: 'if-modified-since',
  ifUnmodifiedSince: 'if-unmodified-since',
};

const COPY_SOURCE_CONDITIONS: ConditionHeaders = {
  ifMatch: 'x-amz-copy-source-if-match',
  ifNoneMatch: 'x-amz-copy-source-if-none-match',
  ifModifiedSince: 'x-amz-copy-source-if-modified-since',
  ifUnmodifiedSince: 'x-amz-copy-source-if-unmodified-since',
};

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since for GET and
 * HEAD in S3's precedence: a true If-Match overrides a false If-Unmodified-Since, and a
 * false If-None-Match (the ETag matches) returns 304 whatever the value of If-Modified-Since.
 * Raises PreconditionFailed (412).
 */
export function evaluateConditions(
  req: http.IncomingMessage,
  object: StoredObject,
): ConditionOutcome {
  return evaluate(req, object, GET_CONDITIONS);
}

/** Evaluates the `x-amz-copy-source-if-*` headers; every failed condition is a 412 there. */
export function evaluateCopySourceConditions(
  req: http.IncomingMessage,
  object: StoredObject,
): void {
  if (evaluate(req, object, COPY_SOURCE_CONDITIONS) === 'not-modified') {
    throw s3Error('PreconditionFailed', { Condition: 'x-amz-copy-source-If-None-Match' });
  }
}

function evaluate(
  req: http.IncomingMessage,
  object: StoredObject,
  names: ConditionHeaders,
): ConditionOutcome {
  const ifMatch = headerValue(req, names.ifMatch);
  const ifNoneMatch = headerValue(req, names.ifNoneMatch);
  const ifModifiedSince = parseHttpDate(headerValue(req, names.ifModifiedSince));
  const ifUnmodifiedSince = parseHttpDate(headerValue(req, names.ifUnmodifiedSince));
  // HTTP dates have whole seconds, so compare Last-Modified at that precision.
  const lastModifiedMs = Math.floor(object.lastModifiedMs / 1000) * 1000;

  if (ifMatch !== undefined) {
    if (!eTagMatches(ifMatch, object.eTag)) {
      throw s3Error('PreconditionFailed', { Condition: 'If-Match' });
    }
  } else if (ifUnmodifiedSince !== undefined && lastModifiedMs > ifUnmodifiedSince) {
    throw s3Error('PreconditionFailed', { Condition: 'If-Unmodified-Since' });
  }

  if (ifNoneMatch !== undefined) {
    return eTagMatches(ifNoneMatch, object.eTag) ? 'not-modified' : 'proceed';
  }
  if (ifModifiedSince !== undefined && lastModifiedMs <= ifModifiedSince) return 'not-modified';
  return 'proceed';
}

/** True when a comma-separated list of entity tags (quoted or not, or `*`) names `eTag`. */
export function eTagMatches(list: string, eTag: string): boolean {
  const bare = eTag.replace(/^"|"$/g, '');
  return list.split(',').some((item) => {
    const tag = item.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return tag === '*' || tag === bare;
  });
}

/** Parses an HTTP date; an unparsable date is ignored, as S3 ignores it. */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
