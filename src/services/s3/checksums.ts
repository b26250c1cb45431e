import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The flexible checksum algorithms, by the suffix of their `x-amz-checksum-*` header. */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** An incremental checksum whose result is base64, as S3 sends it. */
export interface Checksum {
  update(data: Buffer): void;
  digestBase64(): string;
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'crc32':
      return new Crc32Checksum();
    case 'crc32c':
      return new Crc32cChecksum();
    case 'crc64nvme':
      return new Crc64NvmeChecksum();
    case 'sha1':
    case 'sha256':
      return new HashChecksum(algorithm);
  }
}

/** CRC-32 (IEEE 802.3) through node:zlib, which has it since Node 20.15. */
class Crc32Checksum implements Checksum {
  #value = 0;

  update(data: Buffer): void {
    this.#value = crc32(data, this.#value);
  }

  digestBase64(): string {
    return uint32Base64(this.#value);
  }
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
class Crc32cChecksum implements Checksum {
  #value = 0xffffffff;

  update(data: Buffer): void {
    let crc = this.#value;
    for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
    this.#value = crc;
  }

  digestBase64(): string {
    return uint32Base64((this.#value ^ 0xffffffff) >>> 0);
  }
}

const CRC32C_TABLE = buildCrcTable(0x82f63b78);

function buildCrcTable(reflectedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ reflectedPolynomial : crc >>> 1;
    }
    table[n] = crc >>> 0;
  }
  return table;
}

/**
 * CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), table-driven on two 32-bit halves
 * because JavaScript's bitwise operators work on 32 bits and BigInt per byte is slow.
 */
class Crc64NvmeChecksum implements Checksum {
  #high = 0xffffffff;
  #low = 0xffffffff;

  update(data: Buffer): void {
    let high = this.#high;
    let low = this.#low;
    for (const byte of data) {
      const index = (low ^ byte) & 0xff;
      low = (((low >>> 8) | (high << 24)) ^ (CRC64_TABLE_LOW[index] ?? 0)) >>> 0;
      high = ((high >>> 8) ^ (CRC64_TABLE_HIGH[index] ?? 0)) >>> 0;
    }
    this.#high = high;
    this.#low = low;
  }

  digestBase64(): string {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE((this.#high ^ 0xffffffff) >>> 0, 0);
    bytes.writeUInt32BE((this.#low ^ 0xffffffff) >>> 0, 4);
    return bytes.toString('base64');
  }
}

const [CRC64_TABLE_HIGH, CRC64_TABLE_LOW] = buildCrc64Table(0x9a6c9329ac4bc9b5n);

function buildCrc64Table(reflectedPolynomial: bigint): [Uint32Array, Uint32Array] {
  const high = new Uint32Array(256);
  const low = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = BigInt(n);
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1n ? (crc >> 1n) ^ reflectedPolynomial : crc >> 1n;
    }
    high[n] = Number(crc >> 32n);
    low[n] = Number(crc & 0xffffffffn);
  }
  return [high, low];
}

class HashChecksum implements Checksum {
  readonly #hash;

  constructor(algorithm: 'sha1' | 'sha256') {
    this.#hash = createHash(algorithm);
  }

  update(data: Buffer): void {
    this.#hash.update(data);
  }

  digestBase64(): string {
    return this.#hash.digest('base64');
  }
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/**
 * Computes a multipart object's composite checksum as S3 does: the checksum of the
 * concatenated binary part checksums, followed by `-` and the part count.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): string {
  const checksum = createChecksum(algorithm);
  for (const part of partChecksums) checksum.update(Buffer.from(part, 'base64'));
  return `${checksum.digestBase64()}-${partChecksums.length}`;
}
