import { createHash, type Hash } from 'node:crypto';
import type http from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

import { LambdaCraftError } from '../../errors.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import {
  createChecksum,
  isChecksumAlgorithm,
  type Checksum,
  type ChecksumAlgorithm,
} from './checksums.js';
import { headerValue, type S3Request } from './context.js';
import { s3Error } from './errors.js';
import { STREAMING_SIGNED, UNSIGNED_PAYLOAD } from './sigv4.js';

/** Largest object a single PUT may upload (5 GiB), as S3 documents it. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** An upload body after it is stored and checked. */
export interface ReceivedBody {
  fileId: string;
  size: number;
  md5Hex: string;
  /** Flexible checksums in base64 by algorithm, verified where the client sent a value. */
  checksums: Record<string, string>;
}

/**
 * Streams a PUT body into a new object file, decoding `aws-chunked`, and checks it against
 * Content-Length or `x-amz-decoded-content-length`, Content-MD5, a hex `x-amz-content-sha256`
 * and the `x-amz-checksum-*` header or trailer. Any failed check removes the file.
 * `defaultChecksum` is computed even when the client sends none (a multipart upload's
 * algorithm).
 */
export async function receiveBody(
  request: S3Request,
  defaultChecksum?: ChecksumAlgorithm,
): Promise<ReceivedBody> {
  const { req, signed } = request;
  const payloadHash =
    signed?.payloadHash ?? headerValue(req, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
  const chunked =
    payloadHash.startsWith('STREAMING-') ||
    (headerValue(req, 'content-encoding') ?? '')
      .split(',')
      .some((item) => item.trim() === 'aws-chunked');
  const declaredSize = declaredLength(request, chunked);
  const contentMd5 = parseContentMd5(headerValue(req, 'content-md5'));
  const expected = expectedChecksum(request, defaultChecksum);

  // Only the STREAMING-AWS4-HMAC-SHA256-PAYLOAD modes sign each chunk; the unsigned
  // trailer mode and UNSIGNED-PAYLOAD with aws-chunked send chunks without signatures.
  const chunkSigning = payloadHash.startsWith(STREAMING_SIGNED) ? signed?.chunkSigning : undefined;
  const decoder = chunked ? new AwsChunkedDecoder(chunkSigning) : undefined;
  const digest = new DigestStream(
    expected?.algorithm,
    /^[0-9a-f]{64}$/.test(payloadHash),
    declaredSize >= 0 ? declaredSize : MAX_PUT_BYTES,
  );
  const fileId = await writeFile(request, decodedChunks(request.req, decoder, digest));

  try {
    checkBody(digest, {
      declaredSize,
      contentMd5,
      payloadHash,
      expected,
      trailers: decoder?.trailers,
    });
  } catch (error) {
    await request.context.files.remove(fileId);
    throw error;
  }
  const checksums: Record<string, string> = {};
  if (expected !== undefined) checksums[expected.algorithm] = digest.checksumBase64() ?? '';
  return { fileId, size: digest.size, md5Hex: digest.md5Hex(), checksums };
}

async function writeFile(request: S3Request, chunks: AsyncIterable<Buffer>): Promise<string> {
  try {
    return await request.context.files.write(chunks);
  } catch (error) {
    if (error instanceof LambdaCraftError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw s3Error(
        'InternalError',
        {},
        'Storing the object failed because the device of the data folder is full; free space and retry.',
      );
    }
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || request.req.destroyed) {
      throw s3Error('IncompleteBody');
    }
    throw error;
  }
}

/** Yields the object bytes of a request body, decoding `aws-chunked` and digesting them. */
async function* decodedChunks(
  req: http.IncomingMessage,
  decoder: AwsChunkedDecoder | undefined,
  digest: DigestStream,
): AsyncGenerator<Buffer> {
  for await (const chunk of requestChunks(req)) {
    const pieces = decoder === undefined ? [chunk] : decoder.decode(chunk);
    for (const piece of pieces) {
      digest.update(piece);
      yield piece;
    }
  }
  decoder?.finish();
}

/** Yields the chunks of `source` after passing each to `digest`. */
export async function* digestedChunks(
  source: AsyncIterable<Buffer>,
  digest: DigestStream,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    digest.update(chunk);
    yield chunk;
  }
}

/** Body bytes queued ahead of the file writes before the request is paused. */
const MAX_QUEUED_BODY_BYTES = 1024 * 1024;

/**
 * Yields the chunks of a request body, pausing the request while MAX_QUEUED_BODY_BYTES wait
 * for the consumer and resuming it below half of that, so the socket is read again before
 * the queue runs dry. Unlike the request's own iterator, a consumer that stops early leaves the
 * request and its connection open for the error response. A client that disconnects before
 * the body ends fails the iteration with IncompleteBody.
 */
async function* requestChunks(req: http.IncomingMessage): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (chunk: Buffer): void => {
    queue.push(chunk);
    queuedBytes += chunk.length;
    if (queuedBytes >= MAX_QUEUED_BODY_BYTES) req.pause();
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  // A request closed or failed before 'end' never delivers the rest of its body.
  const onCloseOrError = (): void => {
    if (!ended) failure ??= s3Error('IncompleteBody');
    notify();
  };
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('close', onCloseOrError);
  req.once('error', onCloseOrError);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queuedBytes -= chunk.length;
        if (queuedBytes < MAX_QUEUED_BODY_BYTES / 2 && req.isPaused()) req.resume();
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onCloseOrError);
    req.off('error', onCloseOrError);
  }
}

function declaredLength(request: S3Request, chunked: boolean): number {
  const name = chunked ? 'x-amz-decoded-content-length' : 'content-length';
  const text = headerValue(request.req, name);
  if (text === undefined) {
    if (chunked) return -1;
    throw s3Error('MissingContentLength');
  }
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size)) {
    throw s3Error('InvalidArgument', { ArgumentName: name, ArgumentValue: text });
  }
  if (size > MAX_PUT_BYTES) {
    throw s3Error('EntityTooLarge', {
      ProposedSize: text,
      MaxSizeAllowed: String(MAX_PUT_BYTES),
    });
  }
  return size;
}

/** Decodes a Content-MD5 value to hex; raises InvalidDigest when it is not base64 of 16 bytes. */
export function parseContentMd5(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== value.trim()) {
    throw s3Error('InvalidDigest', { 'Content-MD5': value });
  }
  return bytes.toString('hex');
}

interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** The base64 value from a header; undefined when it comes in a trailer or not at all. */
  headerValue: string | undefined;
  /** The trailer that carries the value, when `x-amz-trailer` names one. */
  trailer: string | undefined;
}

/** Headers named `x-amz-checksum-*` that set options rather than carry a checksum value. */
export const CHECKSUM_OPTION_HEADERS = new Set([
  'x-amz-checksum-type',
  'x-amz-checksum-mode',
  'x-amz-checksum-algorithm',
]);

/** Finds which flexible checksum the client sent, in a header or announced as a trailer. */
function expectedChecksum(
  request: S3Request,
  defaultChecksum: ChecksumAlgorithm | undefined,
): ExpectedChecksum | undefined {
  const { req } = request;
  const trailer = headerValue(req, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer !== undefined && trailer !== '') {
    return { algorithm: checksumAlgorithmOf(trailer), headerValue: undefined, trailer };
  }
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-checksum-') && !CHECKSUM_OPTION_HEADERS.has(name)) {
      return {
        algorithm: checksumAlgorithmOf(name),
        headerValue: headerValue(req, name),
        trailer: undefined,
      };
    }
  }
  const announced = (
    headerValue(req, 'x-amz-sdk-checksum-algorithm') ?? headerValue(req, 'x-amz-checksum-algorithm')
  )?.toLowerCase();
  if (announced !== undefined) {
    return {
      algorithm: checksumAlgorithmOf(`x-amz-checksum-${announced}`),
      headerValue: undefined,
      trailer: undefined,
    };
  }
  if (defaultChecksum === undefined) return undefined;
  return { algorithm: defaultChecksum, headerValue: undefined, trailer: undefined };
}

/** Returns the algorithm an `x-amz-checksum-<algorithm>` name selects; raises InvalidRequest. */
export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm {
  const algorithm = headerName.replace(/^x-amz-checksum-/, '');
  if (!headerName.startsWith('x-amz-checksum-') || !isChecksumAlgorithm(algorithm)) {
    throw s3Error(
      'InvalidRequest',
      {},
      `The checksum '${headerName}' is not supported; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`,
    );
  }
  return algorithm;
}

interface BodyExpectations {
  declaredSize: number;
  contentMd5: string | undefined;
  payloadHash: string;
  expected: ExpectedChecksum | undefined;
  trailers: Map<string, string> | undefined;
}

function checkBody(digest: DigestStream, expectations: BodyExpectations): void {
  const { declaredSize, contentMd5, payloadHash, expected, trailers } = expectations;
  if (declaredSize >= 0 && digest.size !== declaredSize) throw s3Error('IncompleteBody');
  checkContentMd5(digest, contentMd5);
  const sha256 = digest.sha256Hex();
  if (sha256 !== undefined && sha256 !== payloadHash) {
    throw s3Error('XAmzContentSHA256Mismatch', {
      ClientComputedContentSHA256: payloadHash,
      S3ComputedContentSHA256: sha256,
    });
  }
  if (expected === undefined) return;

  const sent =
    expected.trailer === undefined ? expected.headerValue : trailers?.get(expected.trailer);
  if (expected.trailer !== undefined && sent === undefined) {
    throw s3Error(
      'IncompleteBody',
      {},
      `The trailer '${expected.trailer}' announced in x-amz-trailer is missing.`,
    );
  }
  checkChecksum(digest, expected.algorithm, sent);
}

/** Raises BadDigest when the body's MD5 differs from the hex `contentMd5` the client sent. */
export function checkContentMd5(digest: DigestStream, contentMd5: string | undefined): void {
  if (contentMd5 !== undefined && contentMd5 !== digest.md5Hex()) {
    throw s3Error('BadDigest', {}, 'The Content-MD5 you specified did not match what we received.');
  }
}

/** Raises BadDigest when the body's `algorithm` checksum differs from the base64 `sent`. */
export function checkChecksum(
  digest: DigestStream,
  algorithm: ChecksumAlgorithm,
  sent: string | undefined,
): void {
  if (sent !== undefined && sent !== digest.checksumBase64()) {
    throw s3Error(
      'BadDigest',
      {},
      `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
    );
  }
}

/** Passes bytes through while counting them and computing MD5 and the requested checksums. */
export class DigestStream extends Transform {
  size = 0;
  readonly #md5: Hash = createHash('md5');
  readonly #sha256: Hash | undefined;
  readonly #checksum: Checksum | undefined;
  #checksumValue: string | undefined;
  #md5Hex: string | undefined;

  readonly #maxBytes: number;

  /** `maxBytes` bounds the body, so a body longer than it declared fails before the disk fills. */
  constructor(
    algorithm: ChecksumAlgorithm | undefined,
    hashSha256: boolean,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ) {
    super();
    this.#checksum = algorithm === undefined ? undefined : createChecksum(algorithm);
    this.#sha256 = hashSha256 ? createHash('sha256') : undefined;
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.update(chunk);
      callback(null, chunk);
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Counts and hashes `chunk`; raises IncompleteBody once the body exceeds `maxBytes`. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) {
      throw s3Error(
        'IncompleteBody',
        {},
        `The body is longer than the declared ${this.#maxBytes} bytes.`,
      );
    }
    this.#md5.update(chunk);
    this.#sha256?.update(chunk);
    this.#checksum?.update(chunk);
  }

  md5Hex(): string {
    this.#md5Hex ??= this.#md5.digest('hex');
    return this.#md5Hex;
  }

  sha256Hex(): string | undefined {
    return this.#sha256?.digest('hex');
  }

  checksumBase64(): string | undefined {
    this.#checksumValue ??= this.#checksum?.digestBase64();
    return this.#checksumValue;
  }
}
