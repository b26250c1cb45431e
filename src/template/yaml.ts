import { parseDocument, type ScalarTag, type CollectionTag, YAMLMap, YAMLSeq } from 'yaml';

/**
 * CloudFormation's short-form tags (`!Ref`, `!Sub`, ...). Each becomes the long form
 * (`{"Ref": ...}`, `{"Fn::Sub": ...}`) so the rest of the loader handles one notation.
 */
const FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

function longForm(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

function tagsFor(name: string): (ScalarTag | CollectionTag)[] {
  const key = longForm(name);
  const scalar: ScalarTag = {
    tag: `!${name}`,
    resolve: (value: string) => {
      // `!GetAtt Resource.Attribute` is shorthand for the two-element list form. The attribute
      // may contain dots itself (`SnapStartResponse.ApplyOn`), so only the first dot splits.
      // Without a dot the value stays a string, and the resolver reports the missing attribute.
      const dot = value.indexOf('.');
      if (name === 'GetAtt' && dot > 0) {
        return { [key]: [value.slice(0, dot), value.slice(dot + 1)] };
      }
      return { [key]: value };
    },
  };
  const sequence: CollectionTag = {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (value) => ({ [key]: (value as YAMLSeq).toJSON() as unknown }),
  };
  const mapping: CollectionTag = {
    tag: `!${name}`,
    collection: 'map',
    resolve: (value) => ({ [key]: (value as YAMLMap).toJSON() as unknown }),
  };
  return [scalar, sequence, mapping];
}

const CLOUDFORMATION_TAGS = ['Ref', 'Condition', ...FUNCTIONS].flatMap(tagsFor);

export interface ParsedYaml {
  value: unknown;
  errors: string[];
}

/**
 * Parses a template (YAML or JSON) with CloudFormation's tags. A tag CloudFormation does not
 * define (`!Foo`) is an error, because the yaml package would otherwise keep its value as a
 * plain string. Each error is the first line of the parser's message, which names the line.
 */
export function parseTemplateText(text: string): ParsedYaml {
  const document = parseDocument(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: false });
  const unknownTags = document.warnings.filter((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  const errors = [...document.errors, ...unknownTags].map((error) => firstLine(error.message));
  return { value: document.toJS({ maxAliasCount: 1000 }) as unknown, errors };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
