import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  domainPrefixOf,
  formatRequestTime,
  isTextMediaType,
  matchesMediaType,
  parseCookies,
} from './request-parts.js';

describe('request parts', () => {
  it('formats requestTime with a padded day', () => {
    assert.equal(
      formatRequestTime(Date.UTC(2015, 3, 9, 2, 4, 6, 999)),
      '09/Apr/2015:02:04:06 +0000',
    );
  });

  it('matches binary media type patterns', () => {
    assert.equal(matchesMediaType(['image/png'], 'image/png'), true);
    assert.equal(matchesMediaType(['image/*'], 'IMAGE/JPEG; q=1'), true);
    assert.equal(matchesMediaType(['*/*'], 'application/json'), true);
    assert.equal(matchesMediaType(['image/png'], 'image/jpeg'), false);
    assert.equal(matchesMediaType([], 'image/png'), false);
  });

  it('tells text media types from binary ones', () => {
    assert.equal(isTextMediaType('text/html; charset=utf-8'), true);
    assert.equal(isTextMediaType('application/problem+json'), true);
    assert.equal(isTextMediaType('application/atom+xml'), true);
    assert.equal(isTextMediaType('application/octet-stream'), false);
    assert.equal(isTextMediaType('idk'), false);
    assert.equal(isTextMediaType(undefined), false);
  });

  it('takes the domain prefix from the first label', () => {
    assert.equal(domainPrefixOf('abc.execute-api.us-east-1.amazonaws.com'), 'abc');
    assert.equal(domainPrefixOf('localhost:3000'), 'localhost');
    assert.equal(domainPrefixOf('127.0.0.1:3000'), '127.0.0.1');
  });

  it('splits cookies and skips empty ones', () => {
    const headers: [string, string][] = [
      ['Cookie', 'cookie1=1; cookie2=a;'],
      ['cookie', 'cookie3=3;cookie4=b'],
    ];

    assert.deepEqual(parseCookies(headers), ['cookie1=1', 'cookie2=a', 'cookie3=3', 'cookie4=b']);
  });
});
