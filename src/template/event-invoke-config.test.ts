import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { readEventInvokeConfig } from './event-invoke-config.js';
import { loadTemplate } from './load.js';

describe('EventInvokeConfig in a template', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-template-async-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a destination given with GetAtt', () => {
    const file = path.join(dir, 'template.yaml');
    writeFileSync(
      file,
      [
        'Transform: AWS::Serverless-2016-10-31',
        'Resources:',
        '  Orders:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: .',
        '      Handler: app.handler',
        '      Runtime: python3.12',
        '      EventInvokeConfig:',
        '        MaximumRetryAttempts: 1',
        '        MaximumEventAgeInSeconds: 120',
        '        DestinationConfig:',
        '          OnFailure:',
        '            Type: Lambda',
        '            Destination: !GetAtt Failures.Arn',
        '  Failures:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: .',
        '      Handler: app.handler',
        '      Runtime: python3.12',
        '',
      ].join('\n'),
    );

    const loaded = loadTemplate(file, {
      account: { accountId: '123456789012', region: 'eu-west-1' },
      parameterOverrides: {},
      dataDir: dir,
    });

    assert.deepEqual(loaded.invalid, new Map());
    assert.deepEqual(loaded.ignoredProperties, []);
    const orders = [...loaded.logicalIds].find(([, id]) => id === 'Orders')?.[0] ?? '';
    const failures = [...loaded.logicalIds].find(([, id]) => id === 'Failures')?.[0] ?? '';
    assert.deepEqual(loaded.eventInvokeConfigs.get(orders), {
      maximumRetryAttempts: 1,
      maximumEventAgeInSeconds: 120,
      onSuccess: undefined,
      onFailure: `arn:aws:lambda:eu-west-1:123456789012:function:${failures}`,
    });
    assert.equal(loaded.eventInvokeConfigs.has(failures), false);
  });

  it('rejects a retry count out of range', () => {
    assert.throws(
      () => readEventInvokeConfig({ MaximumRetryAttempts: 3 }),
      /EventInvokeConfig.MaximumRetryAttempts 3 is out of range; set a whole number from 0 to 2/,
    );
  });

  it('rejects a queue destination by name', () => {
    assert.throws(
      () =>
        readEventInvokeConfig({
          DestinationConfig: { OnFailure: { Type: 'SQS', Destination: 'arn:aws:sqs:x' } },
        }),
      /OnFailure.Type SQS needs a service LambdaCraft does not provide yet/,
    );
  });
});
