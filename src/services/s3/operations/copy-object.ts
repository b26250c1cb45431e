import type { ObjectAttributes } from '../../../state/objects.js';
import { headerValue, type ObjectRequest } from '../context.js';
import { s3Error } from '../errors.js';
import { storedHeaders, userMetadata } from '../object-headers.js';
import { isoTime, sendXml } from '../responses.js';
import { parseTaggingHeader } from '../tags.js';
import { requireBucket } from './buckets.js';
import { copyContent, findCopySource } from './copy-source.js';
import { commitObject, removeFiles } from './objects.js';

/**
 * CopyObject. `x-amz-metadata-directive` COPY (the default) keeps the source's headers and
 * user metadata, REPLACE takes them from the request; `x-amz-tagging-directive` does the same
 * for tags. Copying an object onto itself is allowed only with REPLACE, as on S3.
 */
export async function copyObject(request: ObjectRequest): Promise<void> {
  requireBucket(request);
  const source = findCopySource(request);
  const metadataDirective = directive(request, 'x-amz-metadata-directive');
  const taggingDirective = directive(request, 'x-amz-tagging-directive');
  if (
    source.bucket === request.bucket &&
    source.key === request.key &&
    metadataDirective === 'COPY'
  ) {
    throw s3Error(
      'InvalidRequest',
      {},
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }

  const copied = await copyContent(request, source, undefined);
  const checksum = copied.digest.checksumBase64();
  const checksumName = Object.keys(source.checksums)[0];
  const attributes: ObjectAttributes = {
    files: [{ fileId: copied.fileId, size: copied.size }],
    size: copied.size,
    eTag: `"${copied.md5Hex}"`,
    lastModifiedMs: request.context.nowMs(),
    headers: metadataDirective === 'COPY' ? source.headers : storedHeaders(request.req.headers),
    metadata: metadataDirective === 'COPY' ? source.metadata : userMetadata(request.req.headers),
    tags:
      taggingDirective === 'COPY'
        ? source.tags
        : parseTaggingHeader(headerValue(request.req, 'x-amz-tagging')),
    checksums:
      checksum === undefined || checksumName === undefined ? {} : { [checksumName]: checksum },
    partSizes: undefined,
  };
  const change = await commitObject(request, attributes, 'ObjectCreated:Copy');
  await removeFiles(request, change.replacedFileIds);
  sendXml(request, 'CopyObjectResult', {
    LastModified: isoTime(attributes.lastModifiedMs),
    ETag: attributes.eTag,
    ...Object.fromEntries(
      Object.entries(attributes.checksums).map(([name, value]) => [
        `Checksum${name.toUpperCase()}`,
        value,
      ]),
    ),
  });
}

function directive(request: ObjectRequest, name: string): 'COPY' | 'REPLACE' {
  const value = headerValue(request.req, name)?.toUpperCase() ?? 'COPY';
  if (value !== 'COPY' && value !== 'REPLACE') {
    throw s3Error(
      'InvalidArgument',
      { ArgumentName: name, ArgumentValue: value },
      `Unknown ${name}: ${value}`,
    );
  }
  return value;
}
