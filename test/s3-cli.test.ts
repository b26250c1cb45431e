import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { HeadObjectCommand } from '@aws-sdk/client-s3';

import { rawRequest, startS3, type RunningS3 } from './s3-helpers.js';

const run = promisify(execFile);

/** Debian's awscli package (AWS CLI v2); the suite is skipped where it is not installed. */
const AWS_CLI = '/usr/bin/aws';

describe(
  'S3 through the AWS CLI',
  { skip: !existsSync(AWS_CLI) && `${AWS_CLI} is not installed` },
  () => {
    let running: RunningS3;
    let workDir: string;

    async function aws(...args: string[]): Promise<string> {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: workDir };
      env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
      env.AWS_SECRET_ACCESS_KEY = 'local-test-secret';
      env.AWS_DEFAULT_REGION = 'us-east-1';
      env.AWS_EC2_METADATA_DISABLED = 'true';
      const { stdout } = await run(AWS_CLI, ['--endpoint-url', running.endpoint, ...args], {
        env,
        cwd: workDir,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    }

    before(async () => {
      running = await startS3();
      workDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-s3-cli-'));
    });

    after(async () => {
      await running.close();
      rmSync(workDir, { recursive: true, force: true });
    });

    it('mb, cp both ways, ls, rm and rb', async () => {
      assert.match(await aws('s3', 'mb', 's3://cli-bucket'), /make_bucket: cli-bucket/);
      assert.match(await aws('s3', 'ls'), /cli-bucket/);

      writeFileSync(path.join(workDir, 'small file.txt'), 'small body');
      await aws(
        's3',
        'cp',
        'small file.txt',
        's3://cli-bucket/dir/small file.txt',
        '--no-progress',
      );
      await aws(
        's3',
        'cp',
        's3://cli-bucket/dir/small file.txt',
        'small copy.txt',
        '--no-progress',
      );
      assert.equal(readFileSync(path.join(workDir, 'small copy.txt'), 'utf8'), 'small body');

      const listing = await aws('s3', 'ls', 's3://cli-bucket/dir/');
      assert.match(listing, /10 small file\.txt/);

      await aws('s3', 'rm', 's3://cli-bucket/dir/small file.txt');
      assert.equal(await aws('s3', 'ls', 's3://cli-bucket/', '--recursive'), '');
      assert.match(await aws('s3', 'rb', 's3://cli-bucket'), /remove_bucket: cli-bucket/);
      assert.doesNotMatch(await aws('s3', 'ls'), /cli-bucket/);
    });

    it('presign gives a working GET URL', async () => {
      await aws('s3', 'mb', 's3://cli-presign');
      writeFileSync(path.join(workDir, 'shared.txt'), 'shared by URL');
      await aws('s3', 'cp', 'shared.txt', 's3://cli-presign/shared.txt', '--no-progress');

      const url = (
        await aws('s3', 'presign', 's3://cli-presign/shared.txt', '--expires-in', '60')
      ).trim();
      assert.match(url, /X-Amz-Signature=/);
      const parsed = new URL(url);
      const response = await rawRequest(running.endpoint, 'GET', parsed.pathname + parsed.search);
      assert.equal(response.status, 200);
      assert.equal(response.body, 'shared by URL');
    });

    it('cp of 20 MB goes multipart', async () => {
      await aws('s3', 'mb', 's3://cli-large');
      const content = randomBytes(20 * 1024 * 1024);
      writeFileSync(path.join(workDir, 'large.bin'), content);
      await aws('s3', 'cp', 'large.bin', 's3://cli-large/large.bin', '--no-progress');

      const head = await running.s3.send(
        new HeadObjectCommand({ Bucket: 'cli-large', Key: 'large.bin' }),
      );
      assert.equal(head.ContentLength, content.length);
      assert.match(head.ETag ?? '', /-\d+"$/);

      await aws('s3', 'cp', 's3://cli-large/large.bin', 'large.down', '--no-progress');
      assert.ok(readFileSync(path.join(workDir, 'large.down')).equals(content));
    });

    it('sync uploads only what changed', async () => {
      await aws('s3', 'mb', 's3://cli-sync');
      const source = path.join(workDir, 'sync-source');
      mkdirSync(path.join(source, 'nested dir'), { recursive: true });
      writeFileSync(path.join(source, 'a.txt'), 'a');
      writeFileSync(path.join(source, 'nested dir', 'b+c.txt'), 'b');
      writeFileSync(path.join(source, 'ünï.txt'), 'u');

      const first = await aws(
        's3',
        'sync',
        'sync-source',
        's3://cli-sync/prefix/',
        '--no-progress',
      );
      assert.equal(first.trim().split('\n').length, 3);
      const second = await aws(
        's3',
        'sync',
        'sync-source',
        's3://cli-sync/prefix/',
        '--no-progress',
      );
      assert.equal(second.trim(), '');

      const listing = await aws('s3', 'ls', 's3://cli-sync/prefix/', '--recursive');
      assert.match(listing, /prefix\/a\.txt/);
      assert.match(listing, /prefix\/nested dir\/b\+c\.txt/);
      assert.match(listing, /prefix\/ünï\.txt/);

      await aws('s3', 'sync', 's3://cli-sync/prefix/', 'sync-back', '--no-progress');
      assert.equal(
        readFileSync(path.join(workDir, 'sync-back', 'nested dir', 'b+c.txt'), 'utf8'),
        'b',
      );

      await aws('s3', 'rm', 's3://cli-sync', '--recursive');
      await aws('s3', 'rb', 's3://cli-sync');
    });
  },
);
