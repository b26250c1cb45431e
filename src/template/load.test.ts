import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { loadTemplate, mergeGlobals } from './load.js';

const account = { accountId: '123456789012', region: 'eu-west-1' };

function writeTemplate(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-template-'));
  const file = path.join(dir, 'template.yaml');
  writeFileSync(file, text);
  mkdirSync(path.join(dir, 'src'));
  return file;
}

describe('template loading', () => {
  it('applies Globals and intrinsics', () => {
    const file = writeTemplate(`
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        SHARED: from-globals
        STAGE: !Ref Stage
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Timeout: 20
      Environment:
        Variables:
          REGION_TEXT: !Sub "\${AWS::Region}-\${Stage}"
          JOINED: !Join [":", [a, !Ref Stage]]
  Other:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: other-name
      Handler: other.handler
      Runtime: nodejs20.x
`);
    const loaded = loadTemplate(file, { account, parameterOverrides: { Stage: 'prod' } });
    const api = loaded.functions.get('Api');

    assert.ok(api);
    assert.equal(api.runtime.id, 'python3.12');
    assert.equal(api.timeoutSeconds, 20);
    assert.equal(api.memorySizeMb, 256);
    assert.equal(api.codePath, path.join(path.dirname(file), 'src'));
    assert.deepEqual(api.environment, {
      SHARED: 'from-globals',
      STAGE: 'prod',
      REGION_TEXT: 'eu-west-1-prod',
      JOINED: 'a:prod',
    });
    assert.equal(loaded.functions.get('other-name')?.runtime.id, 'nodejs20.x');
    assert.equal(loaded.logicalIds.get('other-name'), 'Other');
  });

  it('merges maps, appends lists and replaces scalars', () => {
    assert.deepEqual(
      mergeGlobals({ a: 1, list: [1], map: { x: 1, y: 2 } }, { a: 2, list: [2], map: { y: 3 } }),
      { a: 2, list: [1, 2], map: { x: 1, y: 3 } },
    );
  });

  it('lets an intrinsic replace a Globals map and the reverse', () => {
    const choice = { 'Fn::If': ['IsProd', { A: '1' }, { A: '2' }] };
    assert.deepEqual(mergeGlobals({ A: '0', B: '0' }, choice), choice);
    assert.deepEqual(mergeGlobals(choice, { B: '1' }), { B: '1' });
  });

  it('replaces InlineCode folders when the code changes', () => {
    const source = (body: string) => `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return ${body}"
`;
    const file = writeTemplate(source('1'));
    const dataDir = path.join(path.dirname(file), 'data');
    const first = loadTemplate(file, { account, parameterOverrides: {}, dataDir });
    writeFileSync(file, source('2'));
    const second = loadTemplate(file, { account, parameterOverrides: {}, dataDir });
    const firstPath = first.functions.get('Fn')?.codePath ?? '';
    const secondPath = second.functions.get('Fn')?.codePath ?? '';

    assert.notEqual(firstPath, secondPath);
    assert.equal(existsSync(firstPath), false);
    assert.equal(
      readFileSync(path.join(secondPath, 'index.py'), 'utf8'),
      'def handler(event, context): return 2',
    );
  });

  it('defaults the data folder to .lambdacraft beside the template', () => {
    const file = writeTemplate(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return 1"
`);
    const loaded = loadTemplate(file, { account, parameterOverrides: {} });
    const inlineRoot = path.join(path.dirname(file), '.lambdacraft', 'inline-code');
    assert.equal(path.dirname(loaded.functions.get('Fn')?.codePath ?? ''), inlineRoot);
  });

  for (const [property, value, pattern] of [
    [
      'Timeout',
      '0',
      /timeout 0 s is outside Lambda's range; set Timeout to a whole number of seconds between 1 and 900/,
    ],
    ['Timeout', '901', /timeout 901 s is outside/],
    [
      'MemorySize',
      '64',
      /memory size 64 MB is outside Lambda's range; set MemorySize to a whole number between 128 and 10240/,
    ],
    ['MemorySize', '20000', /memory size 20000 MB/],
    ['Runtime', 'python2.7', /runtime 'python2.7' is deprecated/],
    ['Runtime', 'cobol1.0', /unknown runtime 'cobol1.0'; use one of python3.9, /],
    [
      'Timeout',
      'soon',
      /^resource 'Fn': Timeout "soon" is not a number; set Timeout to a whole number$/,
    ],
    [
      'CodeUri',
      'nowhere/',
      /CodeUri 'nowhere\/' is not a folder \(.*nowhere does not exist\); set CodeUri to the folder holding the handler/,
    ],
  ] as const) {
    it(`rejects ${property} ${value}`, () => {
      const file = writeTemplate(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      ${property}: ${value}
`);
      const loaded = loadTemplate(file, { account, parameterOverrides: {} });
      const message = loaded.invalid.get('Fn') ?? '';

      assert.equal(loaded.functions.size, 0);
      assert.match(message, /^resource 'Fn': /);
      assert.match(message, pattern);
    });
  }

  it('rejects a reserved environment variable', () => {
    const file = writeTemplate(`
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          AWS_REGION: us-west-2
`);
    const loaded = loadTemplate(file, { account, parameterOverrides: {} });
    assert.match(
      loaded.invalid.get('Fn') ?? '',
      /environment variable 'AWS_REGION' is reserved by Lambda/,
    );
  });

  it('rejects an override of an undeclared parameter', () => {
    const file = writeTemplate('Resources: {}\n');
    assert.throws(
      () => loadTemplate(file, { account, parameterOverrides: { Nope: '1' } }),
      /parameter override 'Nope' names no parameter/,
    );
  });

  it('names the file when YAML is broken', () => {
    const file = writeTemplate('Resources:\n  - [unclosed\n');
    assert.throws(
      () => loadTemplate(file, { account, parameterOverrides: {} }),
      /is not valid YAML/,
    );
  });
});
