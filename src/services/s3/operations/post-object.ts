// PostObject: the browser-based upload of an HTML form (`POST /bucket`, multipart/form-data),
// whose fields carry what PutObject takes as headers, signed by a policy instead of the
// request.
import type http from 'node:http';
import type { Readable } from 'node:stream';

import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';

import type { ObjectAttributes } from '../../../state/objects.js';
import { isChecksumAlgorithm } from '../checksums.js';
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
import { DigestStream, MAX_PUT_BYTES } from '../upload-body.js';
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
 * name) after checking the policy and its signature, then responds as `success_action_redirect`
 * or `success_action_status` request. Emits ObjectCreated:Post.
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
    // Whatever the outcome, the rest of the form is read and dropped, so the connection
    // stays usable, or, after a failure, the service's error response closes it.
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

  checkPostSignature(fields, request.context.credentials);
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
  const contentMd5 = value('content-md5');

  const digest = new DigestStream(checksum?.algorithm, false);
  const maxBytes = Math.min(maxPostSize(policy) ?? MAX_PUT_BYTES, MAX_PUT_BYTES);
  const fileId = await request.context.files.write(
    limitedChunks(form.file.stream, digest, maxBytes, policy),
  );
  // The event names the access key that signed the form, as for a signed PutObject.
  const objectRequest: ObjectRequest = { ...request, key, signed: formSigner(fields) };
  try {
    checkPostSize(policy, digest.size);
    checkDigests(digest, contentMd5, checksum);
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
  // Errors after the first are dropped: the form has failed by then.
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
      if (digest.size + chunk.length > maxBytes) checkPostSize(policy, digest.size + chunk.length);
      if (digest.size + chunk.length > MAX_PUT_BYTES) {
        throw s3Error('EntityTooLarge', {
          ProposedSize: String(digest.size + chunk.length),
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

/** Returns the access key of a signed form as a request's signature carries it. */
function formSigner(fields: PostFormFields): SignedRequest | undefined {
  const credential = fields.get('x-amz-credential')?.value;
  const accessKeyId =
    credential === undefined ? fields.get('awsaccesskeyid')?.value : credential.split('/')[0];
  if (accessKeyId === undefined || accessKeyId === '') return undefined;
  return { accessKeyId, payloadHash: UNSIGNED_PAYLOAD, chunkSigning: undefined };
}

/** Returns the form's fields as the request headers PutObject would carry, by lowercase name. */
function formHeaders(fields: PostFormFields): http.IncomingHttpHeaders {
  const headers: http.IncomingHttpHeaders = {};
  for (const [lowerName, field] of fields) headers[lowerName] = field.value;
  return headers;
}

interface FormChecksum {
  algorithm: ReturnType<typeof checksumAlgorithm>;
  value: string;
}

/** Finds the `x-amz-checksum-<algorithm>` field, when the form has one. */
function formChecksum(fields: PostFormFields): FormChecksum | undefined {
  for (const [lowerName, field] of fields) {
    if (!lowerName.startsWith('x-amz-checksum-')) continue;
    const name = lowerName.slice('x-amz-checksum-'.length);
    if (name === 'algorithm' || name === 'type') continue;
    return { algorithm: checksumAlgorithm(name), value: field.value };
  }
  return undefined;
}

function checksumAlgorithm(name: string) {
  if (!isChecksumAlgorithm(name)) {
    throw s3Error(
      'InvalidRequest',
      {},
      `The checksum field 'x-amz-checksum-${name}' is not supported; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`,
    );
  }
  return name;
}

function checkDigests(
  digest: DigestStream,
  contentMd5: string | undefined,
  checksum: FormChecksum | undefined,
): void {
  if (contentMd5 !== undefined) {
    const expected = Buffer.from(contentMd5, 'base64');
    if (expected.length !== 16) throw s3Error('InvalidDigest', { 'Content-MD5': contentMd5 });
    if (expected.toString('hex') !== digest.md5Hex()) {
      throw s3Error(
        'BadDigest',
        {},
        'The Content-MD5 you specified did not match what we received.',
      );
    }
  }
  if (checksum !== undefined && checksum.value !== digest.checksumBase64()) {
    throw s3Error(
      'BadDigest',
      {},
      `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
    );
  }
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
