import {
  parseDocument,
  type Scalar,
  type ScalarTag,
  type CollectionTag,
  YAMLMap,
  YAMLSeq,
} from 'yaml';

/**
 * CloudFormation's short-form tags (`!Ref`, `!Sub`, ...). Each becomes the long form
 * (`{"Ref": ...}`, `{"Fn::Sub": ...}`) so the rest of the loader sees one notation.
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
      // `!GetAtt Resource.Attribute` is shorthand for the two-element list form.
      if (name === 'GetAtt') {
        const dot = value.indexOf('.');
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

/** Parses a template (YAML or JSON) with CloudFormation's tags. */
export function parseTemplateText(text: string): ParsedYaml {
  const document = parseDocument(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: false });
  const errors = document.errors.map((error) => error.message);
  return { value: document.toJS({ maxAliasCount: 1000 }) as unknown, errors };
}

export type { Scalar };
