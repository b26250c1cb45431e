import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import { s3Error } from './errors.js';
import { hmac, sameSignature, sha256Hex, type ChunkSigning } from './sigv4.js';

/** Maximum length of a chunk header or trailer line, in bytes. */
const MAX_LINE_BYTES = 4096;
const EMPTY_SHA256 = sha256Hex('');

type State = 'size-line' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`, ending
 * with a zero-size chunk and optional trailer lines) into the object's bytes. With
 * `signing`, each chunk's signature is checked against the previous one, starting from the
 * request's seed signature, and so is `x-amz-trailer-signature`. Errors: IncompleteBody for a
 * truncated body, SignatureDoesNotMatch, InvalidArgument for a malformed chunk header.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailer headers after the last chunk, by lowercase name. */
  readonly trailers = new Map<string, string>();
  readonly #signing: ChunkSigning | undefined;
  #previousSignature: string;
  #state: State = 'size-line';
  #line = Buffer.alloc(0);
  #remaining = 0;
  #chunkSignature: string | undefined;
  #chunkHash: Hash | undefined;
  #trailerText = '';

  constructor(signing: ChunkSigning | undefined) {
    super();
    this.#signing = signing;
    this.#previousSignature = signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const piece of this.decode(chunk)) this.push(piece);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /**
   * Decodes the next bytes of the body without the stream machinery and returns the object
   * bytes they contain, as views of `input`. Raises the errors the class describes.
   */
  decode(input: Buffer): Buffer[] {
    const output: Buffer[] = [];
    let data = input;
    while (data.length > 0) {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, data.length);
        const piece = data.subarray(0, take);
        this.#chunkHash?.update(piece);
        output.push(piece);
        this.#remaining -= take;
        data = data.subarray(take);
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      if (this.#state === 'done') return output;

      const newline = data.indexOf(0x0a);
      if (newline === -1) {
        this.#appendLine(data);
        return output;
      }
      this.#appendLine(data.subarray(0, newline + 1));
      data = data.subarray(newline + 1);
      const line = this.#line.toString('latin1').replace(/\r?\n$/, '');
      this.#line = Buffer.alloc(0);
      this.#handleLine(line);
    }
    return output;
  }

  /** Raises IncompleteBody unless the body ended with its final chunk and trailers. */
  finish(): void {
    if (this.#state !== 'done') {
      throw s3Error('IncompleteBody', {}, 'The aws-chunked body ended before its final chunk.');
    }
  }

  #appendLine(piece: Buffer): void {
    this.#line = Buffer.concat([this.#line, piece]);
    if (this.#line.length > MAX_LINE_BYTES) throw malformed('a chunk header line is too long');
  }

  #handleLine(line: string): void {
    switch (this.#state) {
      case 'size-line':
        this.#startChunk(line);
        return;
      case 'data-end':
        if (line !== '') throw malformed('chunk data is longer than its declared size');
        this.#endChunk();
        this.#state = 'size-line';
        return;
      case 'trailer':
        this.#handleTrailerLine(line);
        return;
      default:
        return;
    }
  }

  #startChunk(line: string): void {
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText.trim())) {
      throw malformed(`chunk size '${sizeText}' is not hexadecimal`);
    }
    this.#remaining = parseInt(sizeText.trim(), 16);
    this.#chunkSignature = undefined;
    for (const extension of extensions) {
      const [name, value] = extension.split('=');
      if (name?.trim() === 'chunk-signature') this.#chunkSignature = value?.trim();
    }
    if (this.#signing !== undefined && this.#chunkSignature === undefined) {
      throw s3Error(
        'SignatureDoesNotMatch',
        {},
        'A chunk of the aws-chunked body has no chunk-signature.',
      );
    }
    this.#chunkHash = this.#chunkSignature === undefined ? undefined : createHash('sha256');
    if (this.#remaining > 0) {
      this.#state = 'data';
      return;
    }
    // The zero-size chunk ends the data; trailer lines, if any, follow it.
    this.#endChunk();
    this.#state = 'trailer';
  }

  /** Checks the signature of the chunk that just ended, when the secret is known. */
  #endChunk(): void {
    const signing = this.#signing;
    if (signing === undefined || this.#chunkSignature === undefined) return;

    const dataHash = this.#chunkHash?.digest('hex') ?? EMPTY_SHA256;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      signing.amzDate,
      signing.scope,
      this.#previousSignature,
      EMPTY_SHA256,
      dataHash,
    ].join('\n');
    const expected = hmac(signing.signingKey, stringToSign).toString('hex');
    if (!sameSignature(expected, this.#chunkSignature)) {
      throw s3Error(
        'SignatureDoesNotMatch',
        {},
        'A chunk signature of the aws-chunked body does not match.',
      );
    }
    this.#previousSignature = expected;
  }

  #handleTrailerLine(line: string): void {
    if (line === '') {
      this.#state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(`trailer line '${line}' has no name`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.#checkTrailerSignature(value);
      return;
    }
    this.trailers.set(name, value);
    this.#trailerText += `${name}:${value}\n`;
  }

  // NOTE: no client used in the tests sends STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, so
  // this check has not been run against a real trailer signature.
  #checkTrailerSignature(signature: string): void {
    const signing = this.#signing;
    if (signing === undefined) return;

    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      signing.amzDate,
      signing.scope,
      this.#previousSignature,
      sha256Hex(this.#trailerText),
    ].join('\n');
    const expected = hmac(signing.signingKey, stringToSign).toString('hex');
    if (!sameSignature(expected, signature)) {
      throw s3Error(
        'SignatureDoesNotMatch',
        {},
        'The trailer signature of the aws-chunked body does not match.',
      );
    }
  }
}

function malformed(reason: string): Error {
  return s3Error('InvalidArgument', {}, `The aws-chunked body is malformed: ${reason}.`);
}
