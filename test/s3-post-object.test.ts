import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';

import { isolateAwsEnvironment } from './helpers.js';
import { bodyBytes, startS3, xmlElement, type RunningS3 } from './s3-helpers.js';

const execFileAsync = promisify(execFile);
const BUCKET = 'forms';

/** Returns the text of an element of an XML document, with its entities decoded. */
function xmlText(xml: string, name: string): string | undefined {
  return xmlElement(xml, name)
    ?.replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

interface PostResult {
  status: number;
  headers: Headers;
  body: string;
}

/** Posts `fields` and then a `file` part holding `file`, as a browser form does. */
async function postForm(
  url: string,
  fields: Record<string, string>,
  file: { body: string | Buffer; filename: string } | undefined,
): Promise<PostResult> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file !== undefined) form.append('file', new Blob([file.body]), file.filename);
  const response = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('S3 POST Object (browser form uploads)', () => {
  let running: RunningS3;

  before(async () => {
    running = await startS3();
    await running.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  after(async () => {
    await running.close();
  });

  /** Signs a form with the known test key through the SDK; `Key` defaults to `uploads/${filename}`. */
  function presign(options: Partial<PresignedPostOptions> = {}) {
    return createPresignedPost(running.s3, {
      Bucket: BUCKET,
      Key: 'uploads/${filename}',
      Expires: 60,
      ...options,
    });
  }

  async function objectExists(key: string): Promise<boolean> {
    try {
      await running.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'NotFound') return false;
      throw error;
    }
  }

  it('stores the file with its fields', async () => {
    const { url, fields } = await presign({
      Fields: { 'Content-Type': 'text/plain', 'x-amz-meta-owner': 'ana' },
      Conditions: [
        { 'Content-Type': 'text/plain' },
        ['starts-with', '$x-amz-meta-owner', ''],
        ['content-length-range', 1, 1000],
      ],
    });
    const posted = await postForm(url, fields, { body: 'hello form', filename: 'notes.txt' });
    assert.equal(posted.status, 204);
    assert.equal(posted.body, '');
    assert.equal(
      posted.headers.get('etag'),
      `"${createHash('md5').update('hello form').digest('hex')}"`,
    );
    assert.equal(posted.headers.get('location'), `${url}/uploads/notes.txt`);

    const stored = await running.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/notes.txt' }),
    );
    assert.equal((await bodyBytes(stored.Body)).toString(), 'hello form');
    assert.equal(stored.ContentType, 'text/plain');
    assert.deepEqual(stored.Metadata, { owner: 'ana' });
    assert.equal(stored.ETag, posted.headers.get('etag'));
  });

  it('returns 201 with a PostResponse document', async () => {
    const { url, fields } = await presign({
      Key: 'reports/q1.csv',
      Fields: { success_action_status: '201' },
      Conditions: [{ success_action_status: '201' }],
    });
    const posted = await postForm(url, fields, { body: 'a,b\n1,2\n', filename: 'local.csv' });
    assert.equal(posted.status, 201);
    assert.equal(xmlText(posted.body, 'Bucket'), BUCKET);
    assert.equal(xmlText(posted.body, 'Key'), 'reports/q1.csv');
    assert.equal(xmlText(posted.body, 'Location'), `${url}/reports/q1.csv`);
    assert.equal(xmlText(posted.body, 'ETag'), posted.headers.get('etag'));
  });

  it('redirects to success_action_redirect', async () => {
    const redirect = 'http://app.example/done?from=form';
    const { url, fields } = await presign({
      Key: 'redirected.txt',
      Fields: { success_action_redirect: redirect },
      Conditions: [{ success_action_redirect: redirect }],
    });
    const posted = await postForm(url, fields, { body: 'r', filename: 'r.txt' });
    assert.equal(posted.status, 303);
    const location = new URL(posted.headers.get('location') ?? '');
    assert.equal(location.origin + location.pathname, 'http://app.example/done');
    assert.equal(location.searchParams.get('from'), 'form');
    assert.equal(location.searchParams.get('bucket'), BUCKET);
    assert.equal(location.searchParams.get('key'), 'redirected.txt');
    assert.equal(location.searchParams.get('etag'), posted.headers.get('etag'));
  });

  it('stores the tagging field', async () => {
    const tagging =
      '<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>';
    const { url, fields } = await presign({
      Key: 'tagged.txt',
      Fields: { tagging },
      Conditions: [{ tagging }],
    });
    const posted = await postForm(url, fields, { body: 't', filename: 't.txt' });
    assert.equal(posted.status, 204);
    const tags = await running.s3.send(
      new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged.txt' }),
    );
    assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'blue' }]);
  });

  it('rejects a changed signature', async () => {
    const { url, fields } = await presign({ Key: 'forged.txt' });
    const signature = fields['X-Amz-Signature'] ?? '';
    const forged = {
      ...fields,
      'X-Amz-Signature': signature.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    };
    const posted = await postForm(url, forged, { body: 'x', filename: 'x.txt' });
    assert.equal(posted.status, 403);
    assert.equal(xmlText(posted.body, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(await objectExists('forged.txt'), false);
  });

  it('rejects an expired policy', async () => {
    const { url, fields } = await presign({ Key: 'late.txt', Expires: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const posted = await postForm(url, fields, { body: 'x', filename: 'x.txt' });
    assert.equal(posted.status, 403);
    assert.equal(xmlText(posted.body, 'Code'), 'AccessDenied');
    assert.equal(xmlText(posted.body, 'Message'), 'Invalid according to Policy: Policy expired.');
  });

  it('rejects a key outside the condition', async () => {
    const { url, fields } = await presign({
      Key: 'outside/x.txt',
      Conditions: [['starts-with', '$key', 'user/42/']],
    });
    const posted = await postForm(url, fields, { body: 'x', filename: 'x.txt' });
    assert.equal(posted.status, 403);
    assert.equal(
      xmlText(posted.body, 'Message'),
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/42/"]',
    );
  });

  it('rejects a field no condition names', async () => {
    const { url, fields } = await presign({ Key: 'extra.txt' });
    const posted = await postForm(
      url,
      { ...fields, 'x-amz-meta-note': 'unsigned' },
      { body: 'x', filename: 'x.txt' },
    );
    assert.equal(posted.status, 403);
    assert.equal(
      xmlText(posted.body, 'Message'),
      'Invalid according to Policy: Extra input fields: x-amz-meta-note',
    );
  });

  it('checks content-length-range', async () => {
    const { url, fields } = await presign({
      Key: 'sized.bin',
      Conditions: [['content-length-range', 10, 20]],
    });
    const large = await postForm(url, fields, { body: Buffer.alloc(21), filename: 'l.bin' });
    assert.equal(large.status, 400);
    assert.equal(xmlText(large.body, 'Code'), 'EntityTooLarge');
    assert.equal(xmlText(large.body, 'MaxSizeAllowed'), '20');
    const small = await postForm(url, fields, { body: Buffer.alloc(9), filename: 's.bin' });
    assert.equal(small.status, 400);
    assert.equal(xmlText(small.body, 'Code'), 'EntityTooSmall');
    assert.equal(xmlText(small.body, 'MinSizeAllowed'), '10');
    assert.equal(await objectExists('sized.bin'), false);
    const fits = await postForm(url, fields, { body: Buffer.alloc(15), filename: 'f.bin' });
    assert.equal(fits.status, 204);
  });

  it('rejects a body that is not a form', async () => {
    const response = await fetch(`${running.endpoint}/${BUCKET}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'key=a.txt',
    });
    const body = await response.text();
    assert.equal(response.status, 412);
    assert.equal(xmlText(body, 'Code'), 'PreconditionFailed');
    assert.equal(
      xmlText(body, 'Condition'),
      'Bucket POST must be of the enclosure-type multipart/form-data',
    );
  });

  it('names a missing key field', async () => {
    const posted = await postForm(
      `${running.endpoint}/${BUCKET}`,
      {},
      { body: 'x', filename: 'x' },
    );
    assert.equal(posted.status, 400);
    assert.equal(xmlText(posted.body, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(posted.body, 'ArgumentName'), 'key');
  });

  it('rejects a form without a file', async () => {
    const posted = await postForm(`${running.endpoint}/${BUCKET}`, { key: 'empty.txt' }, undefined);
    assert.equal(posted.status, 400);
    assert.equal(xmlText(posted.body, 'Code'), 'IncorrectNumberOfFilesInPostRequest');
  });

  it('rejects fields over 20 KB before the file', async () => {
    const posted = await postForm(
      `${running.endpoint}/${BUCKET}`,
      { key: 'big-fields.txt', 'x-ignore-padding': 'p'.repeat(21 * 1024) },
      { body: 'x', filename: 'x' },
    );
    assert.equal(posted.status, 400);
    assert.equal(xmlText(posted.body, 'Code'), 'MaxPostPreDataLengthExceededError');
  });

  it('takes a file part without a filename', async () => {
    const content = 'x'.repeat(30 * 1024);
    const form = new FormData();
    form.append('key', 'no-filename.txt');
    form.append('file', content);
    const response = await fetch(`${running.endpoint}/${BUCKET}`, { method: 'POST', body: form });
    assert.equal(response.status, 204);
    const stored = await running.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'no-filename.txt' }),
    );
    assert.equal((await bodyBytes(stored.Body)).toString(), content);
  });

  it('puts a Unicode filename into the key', async () => {
    const { url, fields } = await presign();
    const posted = await postForm(url, fields, { body: 'cv', filename: 'résumé final.txt' });
    assert.equal(posted.status, 204);
    assert.equal(await objectExists('uploads/résumé final.txt'), true);
  });

  it('accepts an unsigned form', async () => {
    const posted = await postForm(
      `${running.endpoint}/${BUCKET}`,
      { key: 'anonymous.txt', 'Content-Type': 'text/markdown' },
      { body: '# hi', filename: 'a.md' },
    );
    assert.equal(posted.status, 204);
    const head = await running.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'anonymous.txt' }),
    );
    assert.equal(head.ContentType, 'text/markdown');
  });

  it('stores nothing from a form cut off mid-file', async () => {
    const objectsDir = path.join(running.dataDir, 'objects');
    const filesBefore = countFiles(objectsDir);
    const boundary = 'cutoffboundary';
    const head = [
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\ncut.bin\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\n`,
    ].join('');
    const url = new URL(running.endpoint);
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /${BUCKET} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 10000000\r\n\r\n${head}`,
    );
    socket.write(Buffer.alloc(2 * 1024 * 1024, 7));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await objectExists('cut.bin'), false);
    assert.equal(countFiles(objectsDir), filesBefore);
  });

  it('takes a boto3 presigned POST', async () => {
    const script = `
import boto3, requests, sys
from botocore.config import Config
endpoint, bucket = sys.argv[1], sys.argv[2]
for version in ('s3', 's3v4'):
    s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                      aws_access_key_id='AKIDLOCALTEST', aws_secret_access_key='local-test-secret',
                      config=Config(signature_version=version))
    post = s3.generate_presigned_post(bucket, 'boto/' + version + '.txt', ExpiresIn=60)
    response = requests.post(post['url'], data=post['fields'],
                             files={'file': ('f.txt', b'from boto3 ' + version.encode())})
    print(version, response.status_code)
    forged = dict(post['fields'])
    field = 'signature' if 'signature' in forged else 'x-amz-signature'
    forged[field] = forged[field][::-1]
    response = requests.post(post['url'], data=forged, files={'file': ('f.txt', b'x')})
    print(version, 'forged', response.status_code)
`;
    const { stdout } = await execFileAsync(
      '/usr/bin/python3',
      ['-c', script, running.endpoint, BUCKET],
      { env: isolateAwsEnvironment({ ...process.env }) },
    );
    assert.deepEqual(stdout.trim().split('\n'), [
      's3 204',
      's3 forged 403',
      's3v4 204',
      's3v4 forged 403',
    ]);
    for (const version of ['s3', 's3v4']) {
      const stored = await running.s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: `boto/${version}.txt` }),
      );
      assert.equal((await bodyBytes(stored.Body)).toString(), `from boto3 ${version}`);
    }
  });
});

function countFiles(root: string): number {
  return readdirSync(root).reduce(
    (total, folder) => total + readdirSync(path.join(root, folder)).length,
    0,
  );
}
