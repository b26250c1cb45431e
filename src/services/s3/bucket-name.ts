import { s3Error } from './errors.js';

/**
 * Raises InvalidBucketName unless `name` follows S3's rules for general purpose buckets.
 * A name has 3 to 63 lowercase letters, digits, dots and hyphens, and starts and ends with
 * a letter or digit. It has no two adjacent dots, is not shaped like an IPv4 address and
 * uses none of the prefixes and suffixes S3 reserves.
 */
export function validateBucketName(name: string): void {
  const reason = bucketNameProblem(name);
  if (reason !== undefined) {
    throw s3Error(
      'InvalidBucketName',
      { BucketName: name },
      `The specified bucket is not valid: ${reason}.`,
    );
  }
}

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'it must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) {
    return 'it may contain only lowercase letters, digits, dots and hyphens';
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    return 'it must start and end with a letter or digit';
  }
  if (name.includes('..')) return 'it must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'it must not be formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((item) => name.startsWith(item));
  if (prefix !== undefined) return `the prefix '${prefix}' is reserved`;
  const suffix = RESERVED_SUFFIXES.find((item) => name.endsWith(item));
  if (suffix !== undefined) return `the suffix '${suffix}' is reserved`;
  return undefined;
}
