import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';

import { json, startPlatform, testFunction, type RunningPlatform } from './helpers.js';
import { s3Client } from './s3-helpers.js';

describe('S3 from inside a function', () => {
  let running: RunningPlatform;

  before(async () => {
    running = await startPlatform([testFunction('node-s3-client', 'nodejs20.x', 'app.handler')]);
    const s3 = s3Client(running.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'from-functions' }));
    s3.destroy();
  });

  after(async () => {
    await running.close();
  });

  it('handler SDK client reaches the store', async () => {
    const result = await running.lambda.send(
      new InvokeCommand({
        FunctionName: 'node-s3-client',
        Payload: JSON.stringify({
          bucket: 'from-functions',
          key: 'written by/handler.txt',
          body: 'hello',
        }),
      }),
    );
    assert.equal(result.FunctionError, undefined, JSON.stringify(json(result.Payload)));
    const payload = json(result.Payload) as { body: string; endpoint: string; accessKeyId: string };
    assert.equal(payload.body, 'hello');
    assert.equal(payload.endpoint, running.endpoint);
    // The environment's key is one whose signatures the service verifies.
    assert.equal(payload.accessKeyId, 'AKIALAMBDACRAFTLOCAL');

    const s3 = s3Client(running.endpoint);
    try {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: 'from-functions', Key: 'written by/handler.txt' }),
      );
      assert.equal(await got.Body?.transformToString(), 'hello');
    } finally {
      s3.destroy();
    }
  });
});
