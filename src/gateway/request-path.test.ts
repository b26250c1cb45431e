import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeHttpApiPath, decodePathLeniently } from './request-path.js';

describe('decodeHttpApiPath', () => {
  // Each path sent to an HTTP API and the rawPath it delivered, from live captures against
  // AWS by hotsock/voker (Jul 2026); undefined where AWS returned 400.
  const captures: [string, string | undefined][] = [
    ['/capture/plain', '/capture/plain'],
    ['/capture/space%20value', '/capture/space value'],
    ['/capture/question%3Fvalue', '/capture/question'],
    ['/capture/percent%25done', undefined],
    ['/capture/hash%23value', '/capture/hash#value'],
    ['/capture/slash%2Fvalue', '/capture/slash/value'],
    ['/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C', '/capture/unicode-λ-世界'],
    ['/capture/literal%252Fvalue', '/capture/literal/value'],
    ['/capture/literal%253Fvalue', '/capture/literal?value'],
    ['/capture/literal%2525value', '/capture/literal%value'],
  ];
  for (const [sent, delivered] of captures) {
    it(`delivers ${sent} as AWS did`, () => {
      assert.equal(decodeHttpApiPath(sent), delivered);
    });
  }

  it('keeps a plus sign', () => {
    assert.equal(decodeHttpApiPath('/a+b%2Bc'), '/a+b+c');
  });

  it('rejects a malformed first escape', () => {
    assert.equal(decodeHttpApiPath('/a%zz'), undefined);
  });

  it('rejects bytes that are not UTF-8', () => {
    assert.equal(decodeHttpApiPath('/a%C3%28'), undefined);
  });
});

describe('decodePathLeniently', () => {
  it('decodes each escape once', () => {
    assert.equal(decodePathLeniently('/a%20b/c%2Fd/%C3%A9+f/%2525'), '/a b/c/d/é+f/%25');
  });

  it('keeps malformed escapes as received', () => {
    assert.equal(decodePathLeniently('/100%/a%zz/%C3%28'), '/100%/a%zz/%C3%28');
  });
});
