import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { loadTemplate, type LoadedTemplate } from './load.js';

const account = { accountId: '123456789012', region: 'eu-west-1' };

interface Sections {
  /** Extra lines under Fn's Properties, indented as properties. */
  properties?: string;
  /** Lines under Conditions; IsProd is always declared. */
  conditions?: string;
  /** Lines under Fn's declaration, beside Type (Condition). */
  attributes?: string;
  /** Extra resources. */
  resources?: string;
  globals?: string;
}

/** A template with one function `Fn` and the names the cases below refer to. */
function templateText(sections: Sections): string {
  return `Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Subnets:
    Type: CommaDelimitedList
    Default: a,b
  NoDefault:
    Type: String
  Secret:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /app/secret
Mappings:
  StageConfig:
    dev:
      LogLevel: debug
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
${sections.conditions ?? ''}
Globals:
  Function:
    Runtime: python3.12
${sections.globals ?? ''}
Resources:
  Fn:
    Type: AWS::Serverless::Function
${sections.attributes ?? ''}
    Properties:
      Handler: app.handler
${sections.properties ?? ''}
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
  ProdQueue:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Table:
    Type: AWS::DynamoDB::Table
  Pool:
    Type: AWS::Cognito::UserPool
${sections.resources ?? ''}
`;
}

function load(sections: Sections, parameterOverrides: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-template-'));
  const file = path.join(dir, 'template.yaml');
  writeFileSync(file, templateText(sections));
  mkdirSync(path.join(dir, 'src'));
  const dataDir = path.join(dir, '.lambdacraft');
  return loadTemplate(file, { account, parameterOverrides, dataDir });
}

function invalidReason(loaded: LoadedTemplate): string {
  return loaded.invalid.get('Fn') ?? 'Fn is valid';
}

const AT_X = "^resource 'Fn' property Environment\\.Variables\\.X: ";

/** A value of Fn's environment variable X, and the error it gives. */
const BAD_VALUES: [string, string, RegExp][] = [
  [
    'unknown intrinsic',
    '{ "Fn::Foo": 1 }',
    new RegExp(
      `${AT_X}unknown intrinsic function 'Fn::Foo' in \\{"Fn::Foo":1\\}; use one of Ref, Fn::GetAtt, Fn::Sub,`,
    ),
  ],
  [
    'Ref to nothing',
    '!Ref Nope',
    new RegExp(
      `${AT_X}Ref 'Nope' names no parameter or resource; declare it under Parameters or Resources, or pass --parameter-overrides Nope=VALUE$`,
    ),
  ],
  [
    'Ref that is not a name',
    '{ Ref: [a] }',
    new RegExp(
      `${AT_X}Ref takes the name of a parameter or resource, got \\["a"\\]; write Ref: NAME$`,
    ),
  ],
  [
    'unknown pseudo parameter',
    '!Ref AWS::Nope',
    new RegExp(`${AT_X}Ref 'AWS::Nope' is not a pseudo parameter; use one of AWS::AccountId,`),
  ],
  [
    'parameter without a value',
    '!Ref NoDefault',
    new RegExp(
      `${AT_X}Ref 'NoDefault': parameter 'NoDefault' has no Default and no override; add a Default or pass --parameter-overrides NoDefault=VALUE$`,
    ),
  ],
  [
    'SSM parameter',
    '!Ref Secret',
    new RegExp(
      `${AT_X}Ref 'Secret': parameter 'Secret' has type AWS::SSM::Parameter::Value<String>, whose value CloudFormation reads from SSM Parameter Store; pass --parameter-overrides Secret=VALUE$`,
    ),
  ],
  [
    'Ref to a resource whose condition is false',
    '!Ref ProdQueue',
    new RegExp(
      `${AT_X}Ref 'ProdQueue' refers to resource 'ProdQueue', which is not created because its condition 'IsProd' is false; guard the reference with Fn::If \\[IsProd, \\.\\.\\., \\.\\.\\.\\]$`,
    ),
  ],
  [
    'reference to the function itself',
    '!GetAtt Fn.Arn',
    new RegExp(
      `${AT_X}Fn::GetAtt 'Fn\\.Arn' refers to resource 'Fn' itself, which CloudFormation rejects as a circular dependency; read the value at run time instead`,
    ),
  ],
  [
    'GetAtt to a missing resource',
    '!GetAtt Missing.Arn',
    new RegExp(
      `${AT_X}Fn::GetAtt 'Missing\\.Arn' names no resource; declare 'Missing' under Resources or fix the name$`,
    ),
  ],
  [
    'GetAtt without an attribute',
    '!GetAtt Other',
    new RegExp(
      `${AT_X}Fn::GetAtt takes \\[Resource, Attribute\\] or Resource\\.Attribute, got "Other"; write !GetAtt MyFunction\\.Arn$`,
    ),
  ],
  [
    'GetAtt Name of a function',
    '!GetAtt Other.Name',
    new RegExp(
      `${AT_X}Fn::GetAtt 'Other\\.Name': AWS::Serverless::Function has no attribute 'Name'; its attributes are Arn, SnapStartResponse\\.ApplyOn, SnapStartResponse\\.OptimizationStatus; for the name, use Ref$`,
    ),
  ],
  [
    'GetAtt of an attribute AWS generates',
    '!GetAtt Table.StreamArn',
    new RegExp(
      `${AT_X}Fn::GetAtt 'Table\\.StreamArn': AWS generates StreamArn when it creates the AWS::DynamoDB::Table, so it has no local value; pass the value as a parameter and use Ref$`,
    ),
  ],
  [
    'GetAtt of a type without local values',
    '!GetAtt Pool.Arn',
    new RegExp(
      `${AT_X}Fn::GetAtt 'Pool\\.Arn': LambdaCraft has no local value for attribute 'Arn' of AWS::Cognito::UserPool resources; pass the value as a parameter and use Ref$`,
    ),
  ],
  [
    'alias of a function without AutoPublishAlias',
    '!Ref Other.Alias',
    new RegExp(
      `${AT_X}Ref 'Other\\.Alias' needs AutoPublishAlias on resource 'Other', because SAM creates the alias only then; set AutoPublishAlias \\(for example live\\)$`,
    ),
  ],
  [
    'version of a function',
    '!Ref Other.Version',
    new RegExp(
      `${AT_X}Ref 'Other\\.Version' is the ARN of a version number Lambda assigns when SAM publishes it, and the platform runs \\$LATEST; refer to Other\\.Alias instead$`,
    ),
  ],
  [
    'property no SAM resource offers',
    '!Ref Table.Stage',
    new RegExp(
      `${AT_X}Ref 'Table\\.Stage' is not a referable property of AWS::DynamoDB::Table; SAM offers Alias and Version on functions and Stage on APIs`,
    ),
  ],
  [
    'FindInMap of an undeclared mapping',
    '!FindInMap [Nope, dev, LogLevel]',
    new RegExp(
      `${AT_X}Fn::FindInMap \\["Nope","dev","LogLevel"\\]: mapping 'Nope' is not declared under Mappings \\(declared: StageConfig\\); declare it or fix the name$`,
    ),
  ],
  [
    'FindInMap of a missing key',
    '!FindInMap [StageConfig, qa, LogLevel]',
    new RegExp(
      `${AT_X}Fn::FindInMap \\["StageConfig","qa","LogLevel"\\]: mapping 'StageConfig' has no key 'qa'; add it under Mappings\\.StageConfig \\(keys: dev\\)$`,
    ),
  ],
  [
    'FindInMap of a missing second key',
    '!FindInMap [StageConfig, dev, Color]',
    new RegExp(
      `${AT_X}Fn::FindInMap \\["StageConfig","dev","Color"\\]: mapping 'StageConfig' key 'dev' has no 'Color'; add it under Mappings\\.StageConfig\\.dev \\(keys: LogLevel\\)$`,
    ),
  ],
  [
    'FindInMap with two keys',
    '!FindInMap [StageConfig, dev]',
    new RegExp(
      `${AT_X}Fn::FindInMap takes \\[MapName, TopLevelKey, SecondLevelKey\\], got \\["StageConfig","dev"\\]$`,
    ),
  ],
  [
    'Join of a string',
    "{ 'Fn::Join': a }",
    new RegExp(`${AT_X}Fn::Join takes \\[delimiter, \\[values\\]\\], got "a"$`),
  ],
  [
    'Join of a value that is no list',
    "!Join [',', notalist]",
    new RegExp(
      `${AT_X}Fn::Join values resolve to "notalist", not a list; write a list, or refer to a list parameter$`,
    ),
  ],
  [
    'Join of a map',
    "!Join [',', [{ a: 1 }]]",
    new RegExp(
      `${AT_X}Fn::Join can only join strings, got \\{"a":1\\}; resolve the item to a string first$`,
    ),
  ],
  [
    'Select past the end',
    '!Select [5, [a, b]]',
    new RegExp(
      `${AT_X}Fn::Select index 5 is out of range for a list of 2 values; use an index below 2$`,
    ),
  ],
  [
    'Select with a word for an index',
    '!Select [first, [a]]',
    new RegExp(`${AT_X}Fn::Select index "first" is not a whole number; write an index such as 0$`),
  ],
  [
    'Split of a list',
    "!Split [',', [a]]",
    new RegExp(
      `${AT_X}Fn::Split takes a delimiter and a string, got \\[",",\\["a"\\]\\]; write !Split \\[',', 'a,b'\\]$`,
    ),
  ],
  [
    'Sub with three elements',
    '!Sub [a, b, c]',
    new RegExp(
      `${AT_X}Fn::Sub takes a string or \\[string, \\{Name: value\\}\\], got \\["a","b","c"\\]`,
    ),
  ],
  [
    'Sub of a list parameter',
    "!Sub 'x-${Subnets}'",
    new RegExp(
      `${AT_X}Fn::Sub variable \\$\\{Subnets\\} is \\["a","b"\\], not a string; join a list with Fn::Join first$`,
    ),
  ],
  ['Sub with empty braces', "!Sub 'x-${}'", new RegExp(`${AT_X}Fn::Sub has an empty \\$\\{\\}`)],
  [
    'If of an undeclared condition',
    '!If [Nope, a, b]',
    new RegExp(
      `${AT_X}Fn::If names condition "Nope", which is not declared under Conditions \\(declared: IsProd\\); declare it or fix the name$`,
    ),
  ],
  [
    'If with two elements',
    '!If [IsProd, a]',
    new RegExp(
      `${AT_X}Fn::If takes \\[condition, value if true, value if false\\], got \\["IsProd","a"\\]$`,
    ),
  ],
  [
    'Equals outside Conditions',
    '!Equals [a, b]',
    new RegExp(
      `${AT_X}Fn::Equals can only be used in the Conditions section; declare a condition there and choose a value with Fn::If$`,
    ),
  ],
  [
    'ImportValue',
    '!ImportValue shared-vpc',
    new RegExp(
      `${AT_X}Fn::ImportValue reads an output another stack exports, and LambdaCraft runs a single stack; replace it with a parameter`,
    ),
  ],
  [
    'Base64 of a map',
    '!Base64 { a: 1 }',
    new RegExp(`${AT_X}Fn::Base64 takes a string, got \\{"a":1\\}; write !Base64 'text'$`),
  ],
  [
    'GetAZs of a list',
    '!GetAZs [a]',
    new RegExp(`${AT_X}Fn::GetAZs takes a region name or '', got \\["a"\\]; write !GetAZs ''$`),
  ],
  [
    'list as a variable value',
    '!Ref Subnets',
    /^resource 'Fn': Environment\.Variables\.X is \["a","b"\], not a string; write a string, '' for an empty value, or join a list with Fn::Join$/,
  ],
];

/** Properties of Fn, and the error they give. */
const BAD_PROPERTIES: [string, string, RegExp][] = [
  [
    'misspelt property',
    'MemorySise: 256',
    /^resource 'Fn': property 'MemorySise' is not a property of AWS::Serverless::Function \(set on the resource or in Globals\.Function\); did you mean MemorySize\?$/,
  ],
  [
    'unknown property',
    'Colour: red',
    /^resource 'Fn': property 'Colour' is not a property of AWS::Serverless::Function \(set on the resource or in Globals\.Function\); remove it, or check its spelling against the AWS::Serverless::Function reference$/,
  ],
  [
    'CodeUri as an S3 object',
    'CodeUri: { Bucket: code, Key: fn.zip }',
    /^resource 'Fn': CodeUri \{"Bucket":"code","Key":"fn\.zip"\} names an object in S3, which LambdaCraft does not download; set CodeUri to the local folder holding the code, relative to the template$/,
  ],
  [
    'CodeUri as an S3 URI',
    'CodeUri: s3://code/fn.zip',
    /^resource 'Fn': CodeUri "s3:\/\/code\/fn\.zip" names an object in S3/,
  ],
  [
    'InlineCode for a provided runtime',
    'Runtime: provided.al2023\n      InlineCode: echo',
    /^resource 'Fn': InlineCode works only with Python and Node\.js runtimes, not provided\.al2023; move the code to a folder and set CodeUri$/,
  ],
  [
    'InlineCode with a handler in another module',
    'InlineCode: "def handler(event, context): pass"',
    /^resource 'Fn': Handler 'app\.handler' names a module other than index, but InlineCode is written to index\.py; set Handler to index\.handler$/,
  ],
  [
    'PackageType Image',
    'PackageType: Image',
    /^resource 'Fn': PackageType Image makes this a container image function, which LambdaCraft does not run; remove it and set CodeUri to the code folder and Runtime instead$/,
  ],
  [
    'ImageUri',
    'ImageUri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn:latest',
    /^resource 'Fn': ImageUri makes this a container image function/,
  ],
  [
    'provisioned concurrency without an alias',
    'ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 }',
    /^resource 'Fn': ProvisionedConcurrencyConfig needs AutoPublishAlias, because SAM sets provisioned concurrency on the alias; set AutoPublishAlias \(for example live\)$/,
  ],
  [
    'provisioned concurrency above reserved',
    'AutoPublishAlias: live\n      ReservedConcurrentExecutions: 2\n      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 5 }',
    /^resource 'Fn': ProvisionedConcurrentExecutions 5 is above ReservedConcurrentExecutions 2, which Lambda rejects; lower it or raise the reserved concurrency$/,
  ],
  [
    'negative reserved concurrency',
    'ReservedConcurrentExecutions: -1',
    /^resource 'Fn': ReservedConcurrentExecutions -1 is not a whole number of 0 or more; set ReservedConcurrentExecutions to one$/,
  ],
  [
    'alias of digits',
    "AutoPublishAlias: '123'",
    /^resource 'Fn': AutoPublishAlias "123" is not a valid alias name; use 1 to 128 letters, digits, '-' or '_', not only digits$/,
  ],
  [
    'two architectures',
    'Architectures: [x86_64, arm64]',
    /^resource 'Fn': Architectures \["x86_64","arm64"\] must be a list of one architecture; write \[x86_64\] or \[arm64\]$/,
  ],
  [
    'FunctionName that refers to the function',
    'FunctionName: !Sub "${Fn}-name"',
    /^resource 'Fn' property FunctionName: Ref 'Fn' refers to resource 'Fn' itself, which CloudFormation rejects as a circular dependency/,
  ],
];

describe('template errors in a function', () => {
  for (const [name, value, pattern] of BAD_VALUES) {
    it(`rejects ${name}`, () => {
      const loaded = load({
        properties: `      Environment:\n        Variables:\n          X: ${value}`,
      });
      assert.match(invalidReason(loaded), pattern);
    });
  }

  for (const [name, properties, pattern] of BAD_PROPERTIES) {
    it(`rejects ${name}`, () => {
      const loaded = load({ properties: `      ${properties}` });
      assert.match(invalidReason(loaded), pattern);
    });
  }

  it('rejects FunctionName values in a cycle', () => {
    const loaded = load({
      properties: "      FunctionName: !Sub '${Partner}-a'",
      resources: `  Partner:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      FunctionName: !Sub '\${Fn}-b'`,
    });
    assert.match(
      invalidReason(loaded),
      /^resource 'Partner' property FunctionName: FunctionName values refer to each other in a cycle \(Fn -> Partner -> Fn\); give one of the functions a literal FunctionName$/,
    );
  });

  it('keeps the other functions running', () => {
    const loaded = load({ properties: '      Colour: red' });
    assert.ok(loaded.functions.has('Other'));
  });
});

/** Template sections and overrides that fail the whole template, and the error. */
const BAD_TEMPLATES: [string, Sections, Record<string, string>, RegExp][] = [
  [
    'undeclared condition in Fn::And',
    { conditions: '  Both: !And [!Condition IsProd, !Condition Nope]' },
    {},
    /^condition 'Both': Condition "Nope" is not declared under Conditions \(declared: IsProd, Both\); declare it or fix the name$/,
  ],
  [
    'conditions that depend on each other',
    { conditions: '  A: !Not [!Condition B]\n  B: !Not [!Condition A]' },
    {},
    /^condition 'A' depends on itself \(A -> B -> A\); remove one of the Condition references$/,
  ],
  [
    'condition that refers to a resource',
    { conditions: '  HasTable: !Equals [!Ref Table, x]' },
    {},
    /^condition 'HasTable': Ref 'Table' refers to a resource, but CloudFormation evaluates Conditions before it creates resources; compare parameters, pseudo parameters or mappings instead$/,
  ],
  [
    'condition that is no condition function',
    { conditions: '  Plain: !Ref Stage' },
    {},
    /^condition 'Plain': \{"Ref":"Stage"\} is not a condition; use Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition$/,
  ],
  [
    'Fn::If inside a condition',
    { conditions: '  Chosen: !Equals [!If [IsProd, a, b], a]' },
    {},
    /^condition 'Chosen': Fn::If cannot be used in Conditions; combine conditions with Fn::And, Fn::Or and Fn::Not$/,
  ],
  [
    'Fn::And of one condition',
    { conditions: '  Single: !And [!Condition IsProd]' },
    {},
    /^condition 'Single': Fn::And takes a list of 2 to 10 conditions, got \[\{"Condition":"IsProd"\}\]$/,
  ],
  [
    'resource Condition that is not declared',
    { attributes: '    Condition: Nope' },
    {},
    /^resource 'Fn': Condition "Nope" is not declared under Conditions \(declared: IsProd\); declare it or remove the Condition key$/,
  ],
  [
    'override outside AllowedValues',
    {},
    { Stage: 'qa' },
    /^parameter 'Stage': value 'qa' from --parameter-overrides is not one of AllowedValues dev, prod; pass another value with --parameter-overrides Stage=VALUE$/,
  ],
  [
    'resource without a Type',
    { resources: '  Broken:\n    Properties: {}' },
    {},
    /^resource 'Broken' has no Type; set Type \(for example AWS::Serverless::Function\)$/,
  ],
  [
    'bad intrinsic in Globals.Api',
    { globals: '  Api:\n    Cors: !Ref Nope' },
    {},
    /^Globals\.Api property Cors: Ref 'Nope' names no parameter or resource/,
  ],
  [
    'tag CloudFormation does not define',
    { properties: '      Description: !Upper text' },
    {},
    /is not valid YAML: Unresolved tag: !Upper at line \d+, column \d+:$/,
  ],
];

describe('template errors in the whole template', () => {
  for (const [name, sections, overrides, pattern] of BAD_TEMPLATES) {
    it(`rejects ${name}`, () => {
      assert.throws(() => load(sections, overrides), { message: pattern });
    });
  }
});

/** Parameter declarations whose Default breaks a constraint, and the error. */
const BAD_PARAMETERS: [string, string, RegExp][] = [
  [
    'Number that is a word',
    'Type: Number\n    Default: many',
    /^parameter 'P': value 'many' from Default is not a number; fix the Default or pass --parameter-overrides P=VALUE$/,
  ],
  [
    'Number below MinValue',
    'Type: Number\n    Default: 1\n    MinValue: 5',
    /^parameter 'P': value 1 from Default is below MinValue 5; fix the Default/,
  ],
  [
    'String outside AllowedPattern',
    "Type: String\n    Default: Upper\n    AllowedPattern: '[a-z]+'\n    ConstraintDescription: lower case letters",
    /^parameter 'P': value 'Upper' from Default does not match AllowedPattern \[a-z\]\+ \(lower case letters\); fix the Default/,
  ],
  [
    'String over MaxLength',
    'Type: String\n    Default: abcdef\n    MaxLength: 3',
    /^parameter 'P': value 'abcdef' from Default is longer than MaxLength 3; fix the Default/,
  ],
  [
    'parameter without a Type',
    'Default: x',
    /^parameter 'P' has no Type; set Type to String, Number, CommaDelimitedList or another CloudFormation parameter type$/,
  ],
];

describe('parameter errors', () => {
  for (const [name, declaration, pattern] of BAD_PARAMETERS) {
    it(`rejects ${name}`, () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-template-'));
      const file = path.join(dir, 'template.yaml');
      writeFileSync(file, `Parameters:\n  P:\n    ${declaration}\nResources: {}\n`);
      assert.throws(() => loadTemplate(file, { account, parameterOverrides: {} }), {
        message: pattern,
      });
    });
  }
});
