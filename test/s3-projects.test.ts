import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { DEFAULT_ACCOUNT, Platform } from '../src/platform.js';
import type { InvocationRecord } from '../src/state/store.js';
import { loadTemplate } from '../src/template/load.js';
import { isolateAwsEnvironment, json, startPlatform, testFunction } from './helpers.js';
import { bodyBytes, s3Client } from './s3-helpers.js';

const execFileAsync = promisify(execFile);
const DEBIAN_PYTHON = '/usr/bin/python3';

// boto3 and Pillow come from Debian's python3-boto3 and python3-pil, which only Debian's
// interpreter imports; version managers' interpreters of the runtimes' versions lack them.
process.env.LAMBDACRAFT_PYTHON = DEBIAN_PYTHON;

async function debianImports(modules: string): Promise<boolean> {
  try {
    await execFileAsync(DEBIAN_PYTHON, ['-c', `import ${modules}`]);
    return true;
  } catch {
    return false;
  }
}

const hasBoto3 = await debianImports('boto3');
const hasPillow = await debianImports('boto3, PIL');

/** Starts a project as `lambdacraft up` does: its functions, settings and buckets. */
async function startTemplate(
  templateFile: string,
  parameterOverrides: Record<string, string> = {},
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-s3-projects-'));
  const template = loadTemplate(templateFile, { account: DEFAULT_ACCOUNT, parameterOverrides });
  const platform = await Platform.start({
    dataDir,
    functions: [...template.functions.values()],
    invalidFunctions: template.invalid,
    functionSettings: template.functionSettings,
    buckets: template.s3,
  });
  const endpoint = await platform.listen(0, '127.0.0.1');
  return {
    platform,
    endpoint,
    template,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until a function has `count` invocations from S3 notifications and returns them. */
async function s3Invocations(
  platform: Platform,
  functionName: string,
  count: number,
): Promise<InvocationRecord[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const records = platform.store
      .recentInvocations(functionName, 100)
      .filter((record) => record.source === 's3');
    if (records.length >= count) return records;
    if (Date.now() > deadline)
      throw new Error(`${functionName} ran ${records.length} times from S3`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(
  'boto3 in a Python handler',
  { skip: !hasBoto3 && 'Debian python3-boto3 is missing' },
  () => {
    test('reaches the object store without an endpoint in code', async () => {
      const running = await startPlatform([
        testFunction('python-boto3-s3', 'python3.11', 'app.round_trip'),
      ]);
      const s3 = s3Client(running.endpoint);
      try {
        await s3.send(new CreateBucketCommand({ Bucket: 'handler-bucket' }));
        const result = await running.lambda.send(
          new InvokeCommand({
            FunctionName: 'python-boto3-s3',
            Payload: JSON.stringify({
              bucket: 'handler-bucket',
              key: 'greeting.txt',
              body: 'hello',
            }),
          }),
        );
        assert.equal(result.FunctionError, undefined, Buffer.from(result.Payload ?? []).toString());
        const output = json(result.Payload) as {
          buckets: string[];
          body: string;
          endpoint: string;
        };
        assert.deepEqual(output.buckets, ['handler-bucket']);
        assert.equal(output.body, 'hello');
        assert.equal(output.endpoint, running.endpoint);

        const stored = await s3.send(
          new GetObjectCommand({ Bucket: 'handler-bucket', Key: 'greeting.txt' }),
        );
        assert.equal((await bodyBytes(stored.Body)).toString(), 'hello');
      } finally {
        s3.destroy();
        await running.close();
      }
    });
  },
);

describe('intro CSV example', { skip: !hasBoto3 && 'Debian python3-boto3 is missing' }, () => {
  let running: Awaited<ReturnType<typeof startTemplate>>;
  const bucket = '000000000000-us-east-1-intro-uploads';

  before(async () => {
    running = await startTemplate(path.join(PACKAGE_ROOT, 'examples', 'intro', 'template.yaml'));
  });

  after(async () => {
    await running.close();
  });

  test('template bucket is created', () => {
    assert.deepEqual(
      running.template.s3.buckets.map((item) => item.name),
      [bucket],
    );
    assert.notEqual(running.platform.store.objects.findBucket(bucket), undefined);
    assert.deepEqual(running.template.notRunResources, []);
  });

  test('upload of a CSV file is summarised', async () => {
    const s3 = s3Client(running.endpoint);
    try {
      const csv = readFileSync(
        path.join(PACKAGE_ROOT, 'examples', 'intro', 'data', 'reports', 'daily sales.csv'),
      );
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes.txt', Body: 'not a csv' }));
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'reports/daily sales.csv', Body: csv }),
      );
    } finally {
      s3.destroy();
    }
    const [record] = await s3Invocations(running.platform, 'CsvSummaryFunction', 1);
    assert.equal(record?.outcome, 'success', record?.log);
    assert.match(
      record?.log ?? '',
      new RegExp(`summarising s3://${bucket}/reports/daily sales.csv`),
    );
    assert.match(record?.log ?? '', /has 6 rows and \d+ columns/);
    const all = running.platform.store.recentInvocations('CsvSummaryFunction', 100);
    assert.equal(all.length, 1, 'notes.txt does not match the .csv suffix');
  });
});

describe(
  'thumbnail project',
  {
    skip:
      (!hasPillow || !existsSync('/usr/bin/aws')) &&
      'needs Debian python3-pil, python3-boto3 and the AWS CLI',
  },
  () => {
    let running: Awaited<ReturnType<typeof startTemplate>>;
    let workDir: string;

    before(async () => {
      running = await startTemplate(
        path.join(PACKAGE_ROOT, 'examples', 'thumbnails', 'template.yaml'),
      );
      workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-thumbnails-'));
    });

    after(async () => {
      await running.close();
      rmSync(workDir, { recursive: true, force: true });
    });

    async function awsCli(...args: string[]): Promise<string> {
      const env = isolateAwsEnvironment({ ...process.env });
      env.AWS_ACCESS_KEY_ID = 'AKIDLOCAL';
      env.AWS_SECRET_ACCESS_KEY = 'local';
      const { stdout } = await execFileAsync(
        '/usr/bin/aws',
        [...args, '--endpoint-url', running.endpoint],
        { env },
      );
      return stdout;
    }

    test('JPEG upload writes a half-size copy', async () => {
      const photo = path.join(workDir, 'photo.jpeg');
      await execFileAsync(DEBIAN_PYTHON, [
        '-c',
        `from PIL import Image; Image.new("RGB", (200, 100), (200, 30, 30)).save(${JSON.stringify(photo)})`,
      ]);
      const notes = path.join(workDir, 'notes.txt');
      writeFileSync(notes, 'no image here');

      await awsCli('s3', 'cp', notes, 's3://my-source-bucket-name/notes.txt');
      await awsCli('s3', 'cp', photo, 's3://my-source-bucket-name/photos/white dog.jpeg');
      const [record] = await s3Invocations(running.platform, 'ResizerFunction', 1);
      assert.equal(record?.outcome, 'success', record?.log);

      const resized = path.join(workDir, 'resized.jpeg');
      await awsCli(
        's3',
        'cp',
        's3://my-destination-bucket-name/resized-photos/white dog.jpeg',
        resized,
      );
      const { stdout } = await execFileAsync(DEBIAN_PYTHON, [
        '-c',
        `from PIL import Image; print(Image.open(${JSON.stringify(resized)}).size)`,
      ]);
      assert.equal(stdout.trim(), '(100, 50)');
      const listing = await awsCli('s3', 'ls', 's3://my-destination-bucket-name/', '--recursive');
      assert.equal(listing.trim().split('\n').length, 1, 'notes.txt triggered nothing');
      assert.equal(running.platform.store.recentInvocations('ResizerFunction', 100).length, 1);
    });
  },
);
