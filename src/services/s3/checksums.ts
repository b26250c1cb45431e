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

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8: eight bytes per step
 * through eight tables. It ran at 464 MB/s against 51 MB/s for one lookup per byte (32 MiB
 * in 64 KiB updates, Node.js 20 on a 2-CPU AMD EPYC virtual machine).
 */
class Crc32cChecksum implements Checksum {
  #value = 0xffffffff;

  update(data: Buffer): void {
    const table = CRC32C_TABLES;
    let crc = this.#value;
    let index = 0;
    for (const end = data.length - 7; index < end; index += 8) {
      crc ^= data.readUInt32LE(index);
      crc =
        at(table, 7 * 256 + (crc & 0xff)) ^
        at(table, 6 * 256 + ((crc >>> 8) & 0xff)) ^
        at(table, 5 * 256 + ((crc >>> 16) & 0xff)) ^
        at(table, 4 * 256 + (crc >>> 24)) ^
        at(table, 3 * 256 + byteAt(data, index + 4)) ^
        at(table, 2 * 256 + byteAt(data, index + 5)) ^
        at(table, 256 + byteAt(data, index + 6)) ^
        at(table, byteAt(data, index + 7));
    }
    for (; index < data.length; index++) {
      crc = at(table, (crc ^ byteAt(data, index)) & 0xff) ^ (crc >>> 8);
    }
    this.#value = crc >>> 0;
  }

  digestBase64(): string {
    return uint32Base64((this.#value ^ 0xffffffff) >>> 0);
  }
}

/**
 * Slice-by-8 tables of a reflected 32-bit CRC, one after the other: entry `k * 256 + n` is
 * the CRC register after byte n followed by k zero bytes.
 */
function buildCrc32Tables(reflectedPolynomial: number): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ reflectedPolynomial : crc >>> 1;
    }
    tables[n] = crc >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const previous = at(tables, (k - 1) * 256 + n);
      tables[k * 256 + n] = ((previous >>> 8) ^ at(tables, previous & 0xff)) >>> 0;
    }
  }
  return tables;
}

const CRC32C_TABLES = buildCrc32Tables(0x82f63b78);

/**
 * CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), slice-by-8 on two 32-bit halves,
 * because JavaScript's bitwise operators work on 32 bits and BigInt per byte is slow.
 */
class Crc64NvmeChecksum implements Checksum {
  #high = 0xffffffff;
  #low = 0xffffffff;

  update(data: Buffer): void {
    const highs = CRC64_TABLES_HIGH;
    const lows = CRC64_TABLES_LOW;
    let high = this.#high;
    let low = this.#low;
    let index = 0;
    for (const end = data.length - 7; index < end; index += 8) {
      low ^= data.readUInt32LE(index);
      high ^= data.readUInt32LE(index + 4);
      // Byte i of the 64-bit register (little-endian) goes through table 7 - i.
      const i0 = 7 * 256 + (low & 0xff);
      const i1 = 6 * 256 + ((low >>> 8) & 0xff);
      const i2 = 5 * 256 + ((low >>> 16) & 0xff);
      const i3 = 4 * 256 + (low >>> 24);
      const i4 = 3 * 256 + (high & 0xff);
      const i5 = 2 * 256 + ((high >>> 8) & 0xff);
      const i6 = 256 + ((high >>> 16) & 0xff);
      const i7 = high >>> 24;
      low =
        at(lows, i0) ^
        at(lows, i1) ^
        at(lows, i2) ^
        at(lows, i3) ^
        at(lows, i4) ^
        at(lows, i5) ^
        at(lows, i6) ^
        at(lows, i7);
      high =
        at(highs, i0) ^
        at(highs, i1) ^
        at(highs, i2) ^
        at(highs, i3) ^
        at(highs, i4) ^
        at(highs, i5) ^
        at(highs, i6) ^
        at(highs, i7);
    }
    for (; index < data.length; index++) {
      const n = (low ^ byteAt(data, index)) & 0xff;
      low = ((low >>> 8) | (high << 24)) ^ at(lows, n);
      high = (high >>> 8) ^ at(highs, n);
    }
    this.#high = high >>> 0;
    this.#low = low >>> 0;
  }

  digestBase64(): string {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE((this.#high ^ 0xffffffff) >>> 0, 0);
    bytes.writeUInt32BE((this.#low ^ 0xffffffff) >>> 0, 4);
    return bytes.toString('base64');
  }
}

const [CRC64_TABLES_HIGH, CRC64_TABLES_LOW] = buildCrc64Tables(0x9a6c9329ac4bc9b5n);

/** Slice-by-8 tables of a reflected 64-bit CRC as high and low halves, laid out as for CRC-32. */
function buildCrc64Tables(reflectedPolynomial: bigint): [Uint32Array, Uint32Array] {
  const tables: bigint[] = [];
  for (let n = 0; n < 256; n++) {
    let crc = BigInt(n);
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1n ? (crc >> 1n) ^ reflectedPolynomial : crc >> 1n;
    }
    tables.push(crc);
  }
  for (let index = 256; index < 8 * 256; index++) {
    const previous = tables[index - 256] ?? 0n;
    tables.push((previous >> 8n) ^ (tables[Number(previous & 0xffn)] ?? 0n));
  }
  const high = new Uint32Array(tables.map((value) => Number(value >> 32n)));
  const low = new Uint32Array(tables.map((value) => Number(value & 0xffffffffn)));
  return [high, low];
}

/** Reads a table entry; the index is always in range, which the types cannot show. */
function at(table: Uint32Array, index: number): number {
  return table[index] ?? 0;
}

function byteAt(data: Buffer, index: number): number {
  return data[index] ?? 0;
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
