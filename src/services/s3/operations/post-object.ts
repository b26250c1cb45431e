// PostObject: the browser-based upload of an HTML form (`POST /bucket`, multipart/form-data),
// whose fields carry what PutObject takes as headers, signed by a policy instead of the
// request.
import type http from 'node:http';
import type { Readable } from 'node:stream';

import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';

import type { ObjectAttributes } from '../../../state/objects.js';
import type { ChecksumAlgorithm } from '../checksums.js';
import { headerValue, type BucketRequest, type ObjectRequest } from '../context.js';
import { isS3Error, s3Error } from '../errors.js';
import { storedHeaders, userMetadata } from '../object-headers.js';
import {
  checkPostPolicy,
  checkPostSignature,
  checkPostSize,
  maxPostSize,
  missingField,
  parsePostPolicy,
  type PostFormField,
  type PostFormFields,
  type PostPolicy,
} from '../post-policy.js';
import { MAX_KEY_BYTES, virtualHostBucket } from '../request-target.js';
import { UNSIGNED_PAYLOAD, type SignedRequest } from '../sigv4.js';
import { sendEmpty, sendXml } from '../responses.js';
import { parseTaggingXml } from '../tags.js';
import {
  CHECKSUM_OPTION_HEADERS,
  checkChecksum,
  checkContentMd5,
  checksumAlgorithmOf,
  DigestStream,
  MAX_PUT_BYTES,
  parseContentMd5,
} from '../upload-body.js';
import { parseXml } from '../xml.js';
import { requireBucket } from './buckets.js';
import { checksumHeaders, commitObject, removeFiles } from './objects.js';

/** S3 limits the form data before the file, boundaries included, to 20 KB. */
const MAX_FIELD_BYTES = 20 * 1024;
const SUCCESS_STATUSES = new Set(['200', '201', '204']);

/** The part of a form read so far: the fields before the file, and the file's stream. */
interface OpenedForm {
  fields: PostFormFields;
  /** The file's bytes, the `filename` of its part, or undefined when the form has no file. */
  file: { stream: Readable; filename: string } | undefined;
  parser: BusboyInstance;
  /** Settles when the parser has read the whole form. */
  closed: Promise<void>;
}

/**
 * Stores the form's file under its `key` field (with `${filename}` replaced by the file's
 * name) after checking the policy and its signature, then sends the response that
 * `success_action_redirect` or `success_action_status` selects. Emits ObjectCreated:Post.
 */
export async function postObject(request: BucketRequest): Promise<void> {
  requireBucket(request);
  const contentType = headerValue(request.req, 'content-type') ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw s3Error('PreconditionFailed', {
      Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
    });
  }
  const form = await openForm(request.req);
  try {
    await storeForm(request, form);
  } finally {
    // Whatever the outcome, the rest of the form is read and dropped. After a success the
    // connection stays usable, and after a failure the service's error response closes it.
    form.file?.stream.resume();
    form.parser.removeAllListeners('file');
    form.parser.on('file', (_name, stream) => {
      stream.on('error', () => undefined);
      stream.resume();
    });
  }
}

async function storeForm(request: BucketRequest, form: OpenedForm): Promise<void> {
  const { fields } = form;
  const value = (name: string) => fields.get(name)?.value;
  const keyField = value('key');
  if (keyField === undefined || keyField === '') throw missingField('key');

  const signer = checkPostSignature(fields, request.context.credentials);
  const policyText = value('policy');
  const policy = policyText === undefined ? undefined : parsePostPolicy(policyText);
  if (policy !== undefined) {
    checkPostPolicy(policy, fields, request.bucket, request.context.nowMs());
  }
  if (form.file === undefined) throw s3Error('IncorrectNumberOfFilesInPostRequest');

  const key = keyField.replaceAll('${filename}', form.file.filename);
  if (key === '') throw missingField('key');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw s3Error('KeyTooLongError');
  const headers = formHeaders(fields);
  const metadata = userMetadata(headers);
  const tagging = value('tagging');
  const tags = tagging === undefined ? {} : parseTaggingXml(parseXml(tagging));
  const checksum = formChecksum(fields);
  const contentMd5 = parseContentMd5(value('content-md5'));

  const digest = new DigestStream(checksum?.algorithm, false);
  const maxBytes = Math.min(maxPostSize(policy) ?? MAX_PUT_BYTES, MAX_PUT_BYTES);
  const fileId = await request.context.files.write(
    limitedChunks(form.file.stream, digest, maxBytes, policy),
  );
  // The event names the access key that signed the form, as for a signed PutObject.
  const signed: SignedRequest | undefined =
    signer === undefined
      ? undefined
      : { accessKeyId: signer, payloadHash: UNSIGNED_PAYLOAD, chunkSigning: undefined };
  const objectRequest: ObjectRequest = { ...request, key, signed };
  try {
    checkPostSize(policy, digest.size);
    checkContentMd5(digest, contentMd5);
    if (checksum !== undefined) checkChecksum(digest, checksum.algorithm, checksum.value);
    await form.closed;
  } catch (error) {
    await removeFiles(request, [fileId]);
    throw error;
  }

  const checksums: Record<string, string> =
    checksum === undefined ? {} : { [checksum.algorithm]: digest.checksumBase64() ?? '' };
  const attributes: ObjectAttributes = {
    files: [{ fileId, size: digest.size }],
    size: digest.size,
    eTag: `"${digest.md5Hex()}"`,
    lastModifiedMs: request.context.nowMs(),
    headers: storedHeaders(headers),
    metadata,
    tags,
    checksums,
    partSizes: undefined,
  };
  const change = await commitObject(objectRequest, attributes, 'ObjectCreated:Post');
  await removeFiles(request, change.replacedFileIds);
  respond(objectRequest, fields, attributes.eTag, checksums);
}

/**
 * Reads a form up to the start of its `file` part. The part named `file` is the file whether
 * or not it has a filename, as `curl -F 'file=<path'` sends it without one. Raises
 * MalformedPOSTRequest for a form the parser rejects and MaxPostPreDataLengthExceededError
 * when the fields before the file pass 20 KB.
 */
function openForm(req: http.IncomingMessage): Promise<OpenedForm> {
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: req.headers as BusboyHeaders,
      limits: { fieldSize: MAX_FIELD_BYTES, fieldNameSize: MAX_FIELD_BYTES },
      isPartAFile: (name, _contentType, filename) =>
        name?.toLowerCase() === 'file' || filename !== undefined,
    });
  } catch {
    return Promise.reject(s3Error('MalformedPOSTRequest'));
  }
  // Errors after the first are ignored, because the form has failed by then.
  parser.on('error', () => undefined);
  const closed = new Promise<void>((resolve, reject) => {
    parser.once('finish', resolve);
    parser.once('error', () => reject(s3Error('MalformedPOSTRequest')));
  });
  closed.catch(() => undefined);
  let fileStream: Readable | undefined;
  // A client that goes away mid-form never ends the parser's input, so the parser and the
  // file part being read fail here.
  req.once('close', () => {
    if (req.complete) return;
    const error = s3Error('IncompleteBody');
    fileStream?.destroy(error);
    parser.destroy(error);
  });

  return new Promise((resolve, reject) => {
    const fields = new Map<string, PostFormField>();
    let fieldBytes = 0;
    let settled = false;
    parser.on('field', (name, text, nameTruncated, valueTruncated) => {
      if (settled) return;
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(text);
      if (fieldBytes > MAX_FIELD_BYTES || nameTruncated || valueTruncated) {
        settled = true;
        reject(s3Error('MaxPostPreDataLengthExceededError'));
        return;
      }
      const lowerName = name.toLowerCase();
      if (!fields.has(lowerName)) fields.set(lowerName, { name, value: text });
    });
    parser.on('file', (name, stream, filename) => {
      if (settled || name.toLowerCase() !== 'file') {
        stream.on('error', () => undefined);
        stream.resume();
        return;
      }
      settled = true;
      fileStream = stream;
      resolve({ fields, file: { stream, filename: filename ?? '' }, parser, closed });
    });
    parser.once('finish', () => {
      if (settled) return;
      settled = true;
      resolve({ fields, file: undefined, parser, closed });
    });
    parser.once('error', (error) => {
      if (settled) return;
      settled = true;
      reject(isIncompleteBody(error) ? (error as Error) : s3Error('MalformedPOSTRequest'));
    });
    req.pipe(parser);
  });
}

function isIncompleteBody(error: unknown): boolean {
  return isS3Error(error) && error.code === 'IncompleteBody';
}

/**
 * Yields the file's chunks after digesting them, and raises EntityTooLarge as soon as the
 * file passes `maxBytes`, before the rest reaches the disk.
 */
async function* limitedChunks(
  source: AsyncIterable<Buffer>,
  digest: DigestStream,
  maxBytes: number,
  policy: PostPolicy | undefined,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) {
      const size = digest.size + chunk.length;
      if (size > maxBytes) {
        // The policy's range names its own maximum; without one the limit is PutObject's.
        checkPostSize(policy, size);
        throw s3Error('EntityTooLarge', {
          ProposedSize: String(size),
          MaxSizeAllowed: String(MAX_PUT_BYTES),
        });
      }
      digest.update(chunk);
      yield chunk;
    }
  } catch (error) {
    if (isS3Error(error)) throw error;
    throw s3Error('MalformedPOSTRequest');
  }
}

/** Returns the form's fields as the request headers PutObject would carry, by lowercase name. */
function formHeaders(fields: PostFormFields): http.IncomingHttpHeaders {
  const headers: http.IncomingHttpHeaders = {};
  for (const [lowerName, field] of fields) headers[lowerName] = field.value;
  return headers;
}

interface FormChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

/** Finds the `x-amz-checksum-<algorithm>` field, when the form has one. */
function formChecksum(fields: PostFormFields): FormChecksum | undefined {
  for (const [lowerName, field] of fields) {
    if (!lowerName.startsWith('x-amz-checksum-') || CHECKSUM_OPTION_HEADERS.has(lowerName)) {
      continue;
    }
    return { algorithm: checksumAlgorithmOf(lowerName), value: field.value };
  }
  return undefined;
}

/**
 * Sends S3's response to a stored form: a 303 to `success_action_redirect` (or `redirect`)
 * with bucket, key and ETag in its query when that is an http(s) URL, otherwise the
 * `success_action_status`: 201 with a PostResponse document, 200, or 204, the default.
 */
function respond(
  request: ObjectRequest,
  fields: PostFormFields,
  eTag: string,
  checksums: Record<string, string>,
): void {
  const location = objectUrl(request);
  const headers = { ETag: eTag, Location: location, ...checksumHeaders(checksums) };
  const redirect = fields.get('success_action_redirect')?.value ?? fields.get('redirect')?.value;
  if (redirect !== undefined && /^https?:\/\//i.test(redirect) && URL.canParse(redirect)) {
    const target = new URL(redirect);
    target.searchParams.append('bucket', request.bucket);
    target.searchParams.append('key', request.key);
    target.searchParams.append('etag', eTag);
    sendEmpty(request, 303, { ...headers, Location: target.toString() });
    return;
  }
  const status = fields.get('success_action_status')?.value ?? '204';
  if (status === '201') {
    const document = {
      Location: location,
      Bucket: request.bucket,
      Key: request.key,
      ETag: eTag,
    };
    sendXml(request, 'PostResponse', document, headers, 201);
    return;
  }
  sendEmpty(request, SUCCESS_STATUSES.has(status) ? Number(status) : 204, headers);
}

/** Returns the object's URL in the addressing style of the request. */
function objectUrl(request: ObjectRequest): string {
  const host = request.req.headers.host ?? '127.0.0.1';
  const encodedKey = request.key.split('/').map(encodeURIComponent).join('/');
  const virtualHost = virtualHostBucket(host) === request.bucket;
  return virtualHost
    ? `http://${host}/${encodedKey}`
    : `http://${host}/${encodeURIComponent(request.bucket)}/${encodedKey}`;
}
