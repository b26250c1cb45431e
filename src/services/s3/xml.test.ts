import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { childNamed, childrenNamed, parseXml, toXml } from './xml.js';

describe('S3 XML', () => {
  it('writes lists, escapes and skips undefined', () => {
    const xml = toXml('Result', {
      Name: 'a&b <c>',
      Item: [{ Key: '1' }, { Key: '2' }],
      Absent: undefined,
    });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<Result xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>a&amp;b &lt;c&gt;</Name><Item><Key>1</Key></Item><Item><Key>2</Key></Item></Result>',
    );
  });

  it('parses documents with namespaces and entities', () => {
    const document = parseXml(
      '<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>a&amp;b &#x263A;</Key></Object><Object><Key><![CDATA[<raw>]]></Key></Object><Empty/></Delete>',
    );
    assert.equal(document.name, 'Delete');
    assert.equal(childNamed(document, 'Quiet')?.text, 'true');
    const keys = childrenNamed(document, 'Object').map((item) => childNamed(item, 'Key')?.text);
    assert.deepEqual(keys, ['a&b ☺', '<raw>']);
    assert.ok(childNamed(document, 'Empty') !== undefined);
  });

  it('malformed documents raise MalformedXML', () => {
    for (const text of ['<a><b></a>', '<a>', '<a></a><b></b>', 'plain text', '<a></b>']) {
      assert.throws(() => parseXml(text), { code: 'MalformedXML' }, text);
    }
  });
});
