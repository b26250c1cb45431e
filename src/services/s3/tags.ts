import { s3Error } from './errors.js';
import { childNamed, childrenNamed, type XmlNode } from './xml.js';

/** S3's object tag limits: 10 tags, keys up to 128 and values up to 256 Unicode characters. */
const MAX_TAGS = 10;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_CHARS = 256;

/** Parses the `x-amz-tagging` header, which is URL query encoded (`k1=v1&k2=v2`). */
export function parseTaggingHeader(header: string | undefined): Record<string, string> {
  if (header === undefined || header === '') return {};
  const pairs: [string, string][] = [];
  for (const [key, value] of new URLSearchParams(header)) pairs.push([key, value]);
  return validateTags(pairs);
}

/** Parses a `Tagging` document (`<Tagging><TagSet><Tag><Key/><Value/></Tag>...`). */
export function parseTaggingXml(document: XmlNode | undefined): Record<string, string> {
  const tagSet = document === undefined ? undefined : childNamed(document, 'TagSet');
  if (document?.name !== 'Tagging' || tagSet === undefined) throw s3Error('MalformedXML');
  const pairs: [string, string][] = childrenNamed(tagSet, 'Tag').map((tag) => {
    const key = childNamed(tag, 'Key');
    if (key === undefined) throw s3Error('MalformedXML');
    return [key.text, childNamed(tag, 'Value')?.text ?? ''];
  });
  return validateTags(pairs);
}

function validateTags(pairs: [string, string][]): Record<string, string> {
  if (pairs.length > MAX_TAGS) {
    throw s3Error('InvalidTag', {}, 'Object tags cannot be greater than 10');
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key in tags)
      throw s3Error('InvalidTag', {}, 'Cannot provide multiple Tags with the same key');
    if ([...key].length > MAX_KEY_CHARS || key === '') {
      throw s3Error('InvalidTag', { TagKey: key }, 'The TagKey you have provided is invalid');
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw s3Error('InvalidTag', { TagKey: key }, 'Your TagKey cannot be prefixed with aws:');
    }
    if ([...value].length > MAX_VALUE_CHARS) {
      throw s3Error(
        'InvalidTag',
        { TagKey: key, TagValue: value },
        'The TagValue you have provided is invalid',
      );
    }
    tags[key] = value;
  }
  return tags;
}
