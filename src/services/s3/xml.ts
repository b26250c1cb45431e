import { s3Error } from './errors.js';

/** The namespace of every S3 response document. */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An element to write: a text value, child elements, or a list repeated under one name. */
export type XmlValue = string | number | boolean | XmlElement | XmlValue[] | undefined;
export interface XmlElement {
  [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (char) => XML_ENTITIES[char] ?? char);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/**
 * Serialises a response document, whose root contains elements or text. Arrays repeat their element name once per item, and
 * undefined values are left out, as S3 leaves out absent optional elements.
 */
export function toXml(root: string, body: XmlElement | string, namespace = true): string {
  const attributes = namespace ? ` xmlns="${S3_XMLNS}"` : '';
  const content = typeof body === 'string' ? escapeXml(body) : children(body);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attributes}>${content}</${root}>`;
}

function children(element: XmlElement): string {
  let text = '';
  for (const [name, value] of Object.entries(element)) text += elementText(name, value);
  return text;
}

function elementText(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => elementText(name, item)).join('');
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A parsed request element: its local name, its text and its child elements. */
export interface XmlNode {
  name: string;
  text: string;
  children: XmlNode[];
}

/** Returns the first child named `name`, or undefined. */
export function childNamed(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((child) => child.name === name);
}

export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((child) => child.name === name);
}

const TOKEN =
  /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g;

/**
 * Parses the small request documents S3 takes (CompleteMultipartUpload, Delete, Tagging,
 * CreateBucketConfiguration). Namespace prefixes and attributes are dropped; a document
 * that is not well formed raises MalformedXML.
 */
export function parseXml(text: string): XmlNode {
  const root: XmlNode = { name: '', text: '', children: [] };
  const stack: XmlNode[] = [root];
  for (const match of text.matchAll(TOKEN)) {
    const [token, cdata, closing, qualifiedName, selfClosing, chars] = match;
    const current = stack[stack.length - 1] ?? root;
    if (cdata !== undefined) {
      current.text += cdata;
    } else if (chars !== undefined) {
      current.text += decodeEntities(chars);
    } else if (qualifiedName !== undefined) {
      const name = qualifiedName.slice(qualifiedName.indexOf(':') + 1);
      if (closing === '/') {
        if (stack.length < 2 || current.name !== name) throw s3Error('MalformedXML');
        stack.pop();
        continue;
      }
      const node: XmlNode = { name, text: '', children: [] };
      current.children.push(node);
      if (selfClosing !== '/') stack.push(node);
    } else if (!token.startsWith('<?') && !token.startsWith('<!--')) {
      throw s3Error('MalformedXML');
    }
  }
  const document = root.children[0];
  if (stack.length !== 1 || root.children.length !== 1 || document === undefined) {
    throw s3Error('MalformedXML');
  }
  return document;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity] ?? '';
  });
}
