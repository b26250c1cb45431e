import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3ServiceException,
  type LambdaFunctionConfiguration,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';

import { startPlatform, testFunction, type RunningPlatform } from './helpers.js';
import { s3Client } from './s3-helpers.js';

const FIXTURE = '/work/shared/fixtures/events/aws-sam-cli/rendered/s3-put.json';
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

type S3Record = Record<string, unknown> & {
  eventName: string;
  s3: { configurationId: string; object: Record<string, unknown> };
};

describe('S3 bucket notifications', () => {
  let running: RunningPlatform;
  let s3: ReturnType<typeof s3Client>;
  let seen = 0;

  before(async () => {
    running = await startPlatform([
      testFunction('python-s3-events', 'python3.11', 'app.record', { functionName: 'first' }),
      testFunction('python-s3-events', 'python3.11', 'app.record', { functionName: 'second' }),
    ]);
    s3 = s3Client(running.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
  });

  after(async () => {
    s3.destroy();
    await running.close();
  });

  /** Waits for `count` more S3 invocations and returns their records, oldest first. */
  async function nextRecords(count: number): Promise<(S3Record & { functionName: string })[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const records = running.platform.store
        .recentInvocations(undefined, 1000)
        .filter((item) => item.source === 's3');
      if (records.length >= seen + count) {
        const fresh = records.slice(seen, seen + count);
        seen += count;
        return fresh.map((item) => {
          const line = item.log.split('\n').find((text) => text.startsWith('EVENT '));
          const event = JSON.parse(line?.slice(6) ?? '{}') as { Records: S3Record[] };
          assert.equal(event.Records.length, 1);
          return { ...(event.Records[0] as S3Record), functionName: item.functionName };
        });
      }
      if (Date.now() > deadline) throw new Error(`waited for ${count} S3 invocations`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Counts the recorded S3 invocations, to check that no other object fired one. */
  function invocationCount(): number {
    return running.platform.store
      .recentInvocations(undefined, 1000)
      .filter((i) => i.source === 's3').length;
  }

  async function putConfiguration(configurations: LambdaFunctionConfiguration[]): Promise<void> {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads',
        NotificationConfiguration: { LambdaFunctionConfigurations: configurations },
      }),
    );
  }

  async function rejection(
    configurations: LambdaFunctionConfiguration[],
  ): Promise<S3ServiceException> {
    try {
      await putConfiguration(configurations);
    } catch (error) {
      if (error instanceof S3ServiceException) return error;
      throw error;
    }
    throw new Error('the configuration was accepted');
  }

  test('configuration round-trips through the SDK', async () => {
    await putConfiguration([
      {
        Id: 'csv-files',
        LambdaFunctionArn: `${ARN_PREFIX}first`,
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'in/' },
              { Name: 'suffix', Value: '.csv' },
            ],
          },
        },
      },
      { LambdaFunctionArn: `${ARN_PREFIX}second`, Events: ['s3:ObjectRemoved:Delete'] },
    ]);
    const stored = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }),
    );
    const configurations = stored.LambdaFunctionConfigurations ?? [];
    assert.equal(configurations.length, 2);
    assert.equal(configurations[0]?.Id, 'csv-files');
    assert.equal(configurations[0]?.LambdaFunctionArn, `${ARN_PREFIX}first`);
    assert.deepEqual(configurations[0]?.Events, ['s3:ObjectCreated:*']);
    assert.deepEqual(configurations[0]?.Filter?.Key?.FilterRules, [
      { Name: 'prefix', Value: 'in/' },
      { Name: 'suffix', Value: '.csv' },
    ]);
    assert.ok((configurations[1]?.Id ?? '').length > 0, 'a missing Id is generated');
    assert.equal(configurations[1]?.Filter, undefined);
  });

  test('overlapping configurations are rejected', async () => {
    type Unbound = Omit<LambdaFunctionConfiguration, 'LambdaFunctionArn'>;
    const cases: [string, Unbound, Unbound][] = [
      ['no filter', { Events: ['s3:ObjectCreated:Put'] }, { Events: ['s3:ObjectCreated:*'] }],
      [
        'nested prefixes',
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } },
        },
        {
          Events: ['s3:ObjectCreated:Put'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/b/' }] } },
        },
      ],
      [
        'nested suffixes',
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } },
        },
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: 'x.csv' }] } },
        },
      ],
    ];
    for (const [name, first, second] of cases) {
      const error = await rejection([
        { ...first, LambdaFunctionArn: `${ARN_PREFIX}first` },
        { ...second, LambdaFunctionArn: `${ARN_PREFIX}second` },
      ]);
      assert.equal(error.name, 'InvalidArgument', name);
      assert.equal(
        error.message,
        'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
        name,
      );
    }
  });

  test('disjoint filters and event types are accepted', async () => {
    await putConfiguration([
      {
        LambdaFunctionArn: `${ARN_PREFIX}first`,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } },
      },
      {
        LambdaFunctionArn: `${ARN_PREFIX}second`,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'b/' }] } },
      },
      { LambdaFunctionArn: `${ARN_PREFIX}first`, Events: ['s3:ObjectRemoved:*'] },
    ]);
  });

  test('missing function and queue destinations are rejected', async () => {
    const missing = await rejection([
      { LambdaFunctionArn: `${ARN_PREFIX}absent`, Events: ['s3:ObjectCreated:*'] },
    ]);
    assert.equal(missing.name, 'InvalidArgument');
    assert.equal(missing.message, 'Unable to validate the following destination configurations');
    assert.equal(missing.$metadata.httpStatusCode, 400);

    try {
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'uploads',
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
                Events: ['s3:ObjectCreated:*'],
              },
            ],
          },
        }),
      );
      assert.fail('the queue configuration was accepted');
    } catch (error) {
      assert.ok(error instanceof S3ServiceException);
      assert.equal(error.name, 'InvalidArgument');
    }
  });

  test('filters, event types and records', async () => {
    await putConfiguration([
      {
        Id: 'photos',
        LambdaFunctionArn: `${ARN_PREFIX}first`,
        Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:CompleteMultipartUpload'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'photos/' },
              { Name: 'suffix', Value: '.jpeg' },
            ],
          },
        },
      },
      {
        Id: 'copies',
        LambdaFunctionArn: `${ARN_PREFIX}second`,
        Events: ['s3:ObjectCreated:Copy'],
      },
      {
        Id: 'text',
        LambdaFunctionArn: `${ARN_PREFIX}second`,
        Events: ['s3:ObjectCreated:Put'],
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.txt' }] } },
      },
      { Id: 'removals', LambdaFunctionArn: `${ARN_PREFIX}first`, Events: ['s3:ObjectRemoved:*'] },
    ]);

    // Put: filtered by prefix and suffix; a key that misses either fires nothing.
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'photos/white dog.jpeg', Body: 'woof' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'photos/cat.png', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'other/cat.jpeg', Body: 'x' }));
    const [putRecord] = await nextRecords(1);
    assert.equal(putRecord?.functionName, 'first');
    assert.equal(putRecord?.eventName, 'ObjectCreated:Put');
    assert.equal(putRecord?.s3.configurationId, 'photos');
    assert.equal(putRecord?.s3.object.key, 'photos/white+dog.jpeg');
    assert.equal(putRecord?.s3.object.size, 4);
    assert.equal(`"${String(putRecord?.s3.object.eTag)}"`, put.ETag);
    assert.equal('versionId' in (putRecord?.s3.object ?? {}), false);

    // Suffix-only filter.
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'notes.txt', Body: 'n' }));
    const [textRecord] = await nextRecords(1);
    assert.equal(textRecord?.functionName, 'second');
    assert.equal(textRecord?.s3.configurationId, 'text');

    // Copy: only the unfiltered Copy configuration matches.
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'uploads',
        Key: 'copy.bin',
        CopySource: 'uploads/notes.txt',
      }),
    );
    const [copyRecord] = await nextRecords(1);
    assert.equal(copyRecord?.eventName, 'ObjectCreated:Copy');
    assert.equal(copyRecord?.s3.configurationId, 'copies');

    // CompleteMultipartUpload through lib-storage, two parts of 5 MiB and more.
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'uploads', Key: 'photos/big.jpeg', Body: Buffer.alloc(6 * 1024 * 1024, 1) },
      partSize: 5 * 1024 * 1024,
    });
    await upload.done();
    const [multipartRecord] = await nextRecords(1);
    assert.equal(multipartRecord?.eventName, 'ObjectCreated:CompleteMultipartUpload');
    assert.equal(multipartRecord?.s3.object.size, 6 * 1024 * 1024);

    // Delete: the wildcard matches; removal records carry no size or ETag.
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'photos/white dog.jpeg' }));
    const [deleteRecord] = await nextRecords(1);
    assert.equal(deleteRecord?.eventName, 'ObjectRemoved:Delete');
    assert.equal(deleteRecord?.s3.configurationId, 'removals');
    assert.equal('size' in (deleteRecord?.s3.object ?? {}), false);
    assert.equal('eTag' in (deleteRecord?.s3.object ?? {}), false);
    assert.ok(
      String(deleteRecord?.s3.object.sequencer) > String(putRecord?.s3.object.sequencer),
      'a later change has a greater sequencer',
    );
    assert.equal(invocationCount(), seen, 'no other object fired a notification');
  });

  test('record matches the fixture field by field', async () => {
    await putConfiguration([
      { Id: 'all', LambdaFunctionArn: `${ARN_PREFIX}first`, Events: ['s3:ObjectCreated:*'] },
    ]);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'test/key', Body: 'abc' }),
    );
    const [record] = await nextRecords(1);
    const fixture = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { Records: unknown[] })
      .Records[0];
    const actual: Record<string, unknown> = { ...record };
    delete actual.functionName;
    assertSameShape(actual, fixture, 'record');

    const fields = actual as unknown as {
      eventVersion: string;
      awsRegion: string;
      eventTime: string;
      responseElements: Record<string, string>;
      s3: { bucket: { arn: string; name: string }; object: { sequencer: string } };
    };
    assert.equal(fields.eventVersion, '2.1');
    assert.equal(fields.awsRegion, 'us-east-1');
    assert.match(fields.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(fields.responseElements['x-amz-request-id'], put.$metadata.requestId);
    assert.equal(fields.responseElements['x-amz-id-2'], put.$metadata.extendedRequestId);
    assert.equal(fields.s3.bucket.name, 'uploads');
    assert.equal(fields.s3.bucket.arn, 'arn:aws:s3:::uploads');
    assert.match(fields.s3.object.sequencer, /^[0-9A-F]+$/);
  });

  test('keys are form-encoded in records', async () => {
    await putConfiguration([
      { Id: 'all', LambdaFunctionArn: `${ARN_PREFIX}first`, Events: ['s3:ObjectCreated:*'] },
    ]);
    const cases: [string, string][] = [
      ['photos/white dog.jpeg', 'photos/white+dog.jpeg'],
      ['c++/100%.txt', 'c%2B%2B/100%25.txt'],
      ['données/é.csv', 'donn%C3%A9es/%C3%A9.csv'],
      ['dt=2024-01-01/(1) copy:a.log', 'dt%3D2024-01-01/%281%29+copy%3Aa.log'],
    ];
    for (const [key] of cases) {
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: 'x' }));
    }
    const records = await nextRecords(cases.length);
    for (const [index, [key, encoded]] of cases.entries()) {
      assert.equal(records[index]?.s3.object.key, encoded, key);
      assert.equal(decodeURIComponent(encoded.replaceAll('+', ' ')), key);
    }
  });

  test('form upload fires ObjectCreated:Post', async () => {
    await putConfiguration([
      { Id: 'forms', LambdaFunctionArn: `${ARN_PREFIX}second`, Events: ['s3:ObjectCreated:Post'] },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'by-put.txt', Body: 'p' }));
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: 'uploads',
      Key: 'forms/${filename}',
      Expires: 60,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob(['posted body']), 'my file.txt');
    const response = await fetch(url, { method: 'POST', body: form });
    assert.equal(response.status, 204);

    const [record] = await nextRecords(1);
    assert.equal(record?.functionName, 'second');
    assert.equal(record?.eventName, 'ObjectCreated:Post');
    assert.equal(record?.s3.configurationId, 'forms');
    assert.equal(record?.s3.object.key, 'forms/my+file.txt');
    assert.deepEqual(record?.userIdentity, { principalId: 'AWS:AKIDLOCALTEST' });
    assert.equal(record?.s3.object.size, 11);
    assert.equal(`"${String(record?.s3.object.eTag)}"`, response.headers.get('etag'));
    assert.equal(invocationCount(), seen, 'the PutObject fired no Post configuration');
  });
});

/** Asserts that two JSON values have the same keys, nesting and value types. */
function assertSameShape(actual: unknown, expected: unknown, path: string): void {
  assert.equal(typeof actual, typeof expected, `${path} has type ${typeof expected}`);
  if (typeof expected !== 'object' || expected === null) return;
  const actualObject = actual as Record<string, unknown>;
  const expectedObject = expected as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(actualObject).sort(),
    Object.keys(expectedObject).sort(),
    `${path} keys`,
  );
  for (const key of Object.keys(expectedObject)) {
    assertSameShape(actualObject[key], expectedObject[key], `${path}.${key}`);
  }
}
