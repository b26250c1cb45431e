import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compositeChecksum, createChecksum } from './checksums.js';

function hexOf(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

describe('flexible checksums', () => {
  it('CRC check values of 123456789', () => {
    // The standard check values of the CRC catalogue for the ASCII input "123456789".
    const crc32 = createChecksum('crc32');
    crc32.update(Buffer.from('123456789'));
    assert.equal(hexOf(crc32.digestBase64()), 'cbf43926');

    const crc32c = createChecksum('crc32c');
    crc32c.update(Buffer.from('123456789'));
    assert.equal(hexOf(crc32c.digestBase64()), 'e3069283');

    const crc64 = createChecksum('crc64nvme');
    crc64.update(Buffer.from('123456789'));
    assert.equal(hexOf(crc64.digestBase64()), 'ae8b14860a799888');
  });

  it('incremental updates equal one update', () => {
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
      const whole = createChecksum(algorithm);
      whole.update(Buffer.from('hello world'));
      const pieces = createChecksum(algorithm);
      pieces.update(Buffer.from('hello'));
      pieces.update(Buffer.from(' world'));
      assert.equal(pieces.digestBase64(), whole.digestBase64(), algorithm);
    }
  });

  it('eight-byte steps equal byte steps', () => {
    // Updates of one byte take only the byte-at-a-time path; one update of 1,001 bytes takes
    // the eight-byte path for all but the last byte.
    const data = Buffer.from(Array.from({ length: 1001 }, (_, index) => (index * 37 + 11) & 0xff));
    for (const algorithm of ['crc32c', 'crc64nvme'] as const) {
      const whole = createChecksum(algorithm);
      whole.update(data);
      const bytes = createChecksum(algorithm);
      for (const byte of data) bytes.update(Buffer.from([byte]));
      assert.equal(whole.digestBase64(), bytes.digestBase64(), algorithm);
    }
  });

  it('composite checksum appends part count', () => {
    const part = createChecksum('crc32');
    part.update(Buffer.from('a'));
    const value = compositeChecksum('crc32', [part.digestBase64(), part.digestBase64()]);
    assert.match(value, /^[A-Za-z0-9+/]{6}==-2$/);
  });
});
