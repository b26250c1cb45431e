import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { generatedBucketName } from './bucket-names.js';
import { loadTemplate } from './load.js';

const account = { accountId: '123456789012', region: 'eu-west-1' };

function load(resources: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-s3-template-'));
  mkdirSync(path.join(dir, 'src'));
  const file = path.join(dir, 'template.yaml');
  writeFileSync(
    file,
    `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Handler: app.handler
Resources:
${resources}`,
  );
  return loadTemplate(file, { account, parameterOverrides: {}, stackName: 'Photo_App' });
}

describe('S3 buckets and events in templates', () => {
  it('names buckets and resolves Ref to the name', () => {
    const template = load(`
  Named:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '\${AWS::AccountId}-uploads'
  Unnamed:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          NAMED: !Ref Named
          UNNAMED: !Ref Unnamed
          ARN: !GetAtt Unnamed.Arn
`);
    assert.deepEqual(template.s3.buckets, [
      { logicalId: 'Named', name: '123456789012-uploads' },
      { logicalId: 'Unnamed', name: 'photo-app-unnamed' },
    ]);
    const variables = template.functions.get('Reader')?.environment ?? {};
    assert.equal(variables.NAMED, '123456789012-uploads');
    assert.equal(variables.UNNAMED, 'photo-app-unnamed');
    assert.equal(variables.ARN, 'arn:aws:s3:::photo-app-unnamed');
    assert.deepEqual(template.notRunResources, []);
  });

  it('reads S3 events with list and string Events', () => {
    const template = load(`
  Uploads:
    Type: AWS::S3::Bucket
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectCreated:Put, s3:ObjectCreated:Copy]
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: in/
                  - Name: suffix
                    Value: .csv
        Removed:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectRemoved:*
`);
    assert.deepEqual(template.s3.errors, []);
    assert.deepEqual(
      template.s3.notifications.map(({ id, bucket, functionName, events, filter }) => ({
        id,
        bucket,
        functionName,
        events,
        filter,
      })),
      [
        {
          id: 'HandlerCreated',
          bucket: 'photo-app-uploads',
          functionName: 'Handler',
          events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Copy'],
          filter: { prefix: 'in/', suffix: '.csv' },
        },
        {
          id: 'HandlerRemoved',
          bucket: 'photo-app-uploads',
          functionName: 'Handler',
          events: ['s3:ObjectRemoved:*'],
          filter: { prefix: undefined, suffix: undefined },
        },
      ],
    );
    assert.deepEqual(template.http.notRun, []);
  });

  it('rejects a Bucket that is not a Ref', () => {
    const template = load(`
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: some-bucket
            Events: s3:ObjectCreated:*
`);
    assert.equal(template.s3.notifications.length, 0);
    assert.match(template.s3.errors[0] ?? '', /event 'Created': Bucket must be !Ref/);
  });

  it('reports an invalid bucket name', () => {
    const template = load(`
  Bad:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: Not_Valid
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: !Ref Bad
            Events: s3:ObjectCreated:*
`);
    assert.deepEqual(template.s3.buckets, []);
    assert.match(template.s3.errors[0] ?? '', /bucket name 'Not_Valid' is invalid/);
    assert.match(template.s3.errors[1] ?? '', /bucket 'Bad' is not created/);
  });

  it('generated names fit S3 rules', () => {
    assert.equal(generatedBucketName('my stack', 'Bucket'), 'my-stack-bucket');
    assert.equal(generatedBucketName('x'.repeat(80), 'Bucket').length, 63);
  });
});
