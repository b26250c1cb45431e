import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import { DEFAULT_ACCOUNT, Platform } from '../src/platform.js';
import { loadTemplate } from '../src/template/load.js';
import { json, PROJECTS_DIR } from './helpers.js';

const execFileAsync = promisify(execFile);
const DEBIAN_PYTHON = '/usr/bin/python3';
const TEMPLATE = path.join(PROJECTS_DIR, 'dynamodb-handlers', 'template.yaml');
/** `<stack>-<logical id>`, with the stack named after the project folder. */
const TABLE = 'dynamodb-handlers-BooksTable';

// boto3 comes from Debian's python3-boto3, which only Debian's interpreter imports.
process.env.LAMBDACRAFT_PYTHON = DEBIAN_PYTHON;

async function debianHasBoto3(): Promise<boolean> {
  try {
    await execFileAsync(DEBIAN_PYTHON, ['-c', 'import boto3']);
    return true;
  } catch {
    return false;
  }
}

const hasBoto3 = await debianHasBoto3();

describe('DynamoDB from inside handlers', () => {
  let dataDir: string;
  let platform: Platform;
  let endpoint: string;
  let lambda: LambdaClient;
  let dynamodb: DynamoDBClient;

  /** Invokes a function and returns its parsed payload, failing on a function error. */
  async function invoke(functionName: string, event: unknown): Promise<Record<string, unknown>> {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(event) }),
    );
    const payload = json(result.Payload) as Record<string, unknown>;
    assert.equal(result.FunctionError, undefined, JSON.stringify(payload));
    return payload;
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-dynamodb-handlers-'));
    const template = loadTemplate(TEMPLATE, {
      account: DEFAULT_ACCOUNT,
      parameterOverrides: {},
      dataDir,
    });
    platform = await Platform.start({
      dataDir,
      functions: [...template.functions.values()],
      invalidFunctions: template.invalid,
      functionSettings: template.functionSettings,
      tables: template.dynamodb.tables,
    });
    endpoint = await platform.listen(0, '127.0.0.1');
    const clientConfig = {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    };
    lambda = new LambdaClient(clientConfig);
    dynamodb = new DynamoDBClient(clientConfig);
  });

  after(async () => {
    lambda.destroy();
    dynamodb.destroy();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the template table', async () => {
    assert.deepEqual(platform.tableProblems, []);
    const listed = await dynamodb.send(new ListTablesCommand({}));
    assert.deepEqual(listed.TableNames, [TABLE]);
  });

  it(
    'boto3 Table resource in Python',
    { skip: !hasBoto3 && 'Debian python3-boto3 is missing' },
    async () => {
      const payload = await invoke('python-books', {
        books: [
          {
            author: 'Le Guin',
            title: 'The Dispossessed',
            genre: 'sf',
            pages: 387,
            rating: '4.5',
            tags: ['anarchy', 'physics'],
          },
          {
            author: 'Le Guin',
            title: 'The Left Hand of Darkness',
            genre: 'sf',
            pages: 304,
            rating: '4.25',
            tags: ['winter'],
          },
          {
            author: 'Le Guin',
            title: 'Five Ways to Forgiveness',
            genre: 'sf',
            pages: 99,
            rating: '4',
            tags: ['hain'],
          },
        ],
        author: 'Le Guin',
        title: 'The Dispossessed',
        genre: 'sf',
      });
      assert.deepEqual(payload.item, {
        author: 'Le Guin',
        title: 'The Dispossessed',
        genre: 'sf',
        pages: 387,
        rating: 4.5,
        tags: ['anarchy', 'physics'],
      });
      // Newest title first, and the short book filtered out after it was read.
      assert.deepEqual(payload.authorTitles, ['The Left Hand of Darkness', 'The Dispossessed']);
      assert.equal(payload.authorScanned, 3);
      assert.deepEqual(payload.genreTitles, ['The Dispossessed', 'The Left Hand of Darkness']);
      assert.equal(payload.endpoint, endpoint);
      assert.equal(payload.region, 'us-east-1');

      const stored = await dynamodb.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { author: { S: 'Le Guin' }, title: { S: 'The Left Hand of Darkness' } },
        }),
      );
      assert.deepEqual(stored.Item?.rating, { N: '4.25' });
      assert.deepEqual(stored.Item?.pages, { N: '304' });
      assert.deepEqual(stored.Item?.tags, { SS: ['winter'] });
    },
  );

  it('client-dynamodb and lib-dynamodb in Node.js', async () => {
    const event = {
      books: [
        {
          author: 'Jemisin',
          title: 'The Fifth Season',
          genre: 'fantasy',
          pages: 468,
          tags: ['orogeny'],
        },
        {
          author: 'Jemisin',
          title: 'The Obelisk Gate',
          genre: 'fantasy',
          pages: 391,
          tags: ['moon'],
        },
      ],
      author: 'Jemisin',
      title: 'The Fifth Season',
      genre: 'fantasy',
      reader: 'ana',
    };
    const first = await invoke('node-books', event);
    assert.equal(first.readers, 1);
    assert.deepEqual(first.item, {
      author: 'Jemisin',
      title: 'The Fifth Season',
      genre: 'fantasy',
      pages: 468,
      tags: ['orogeny'],
      readers: 1,
      lastReader: 'ana',
    });
    assert.deepEqual(first.genreTitles, ['The Fifth Season', 'The Obelisk Gate']);
    assert.equal(first.endpoint, endpoint);

    // The second invocation, in the same warm environment, adds to the stored counter.
    const second = await invoke('node-books', { ...event, books: [], reader: 'ben' });
    assert.equal(second.readers, 2);

    const stored = await dynamodb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { author: { S: 'Jemisin' }, title: { S: 'The Fifth Season' } },
      }),
    );
    assert.deepEqual(stored.Item?.readers, { N: '2' });
    assert.deepEqual(stored.Item?.lastReader, { S: 'ben' });
    assert.deepEqual(stored.Item?.tags, { SS: ['orogeny'] });
  });

  it(
    'Node.js reads what Python wrote',
    { skip: !hasBoto3 && 'Debian python3-boto3 is missing' },
    async () => {
      const payload = await invoke('node-books', {
        books: [],
        author: 'Le Guin',
        title: 'The Dispossessed',
        genre: 'sf',
        reader: 'cy',
      });
      const item = payload.item as Record<string, unknown>;
      assert.equal(item.rating, 4.5);
      assert.deepEqual(item.tags, ['anarchy', 'physics']);
      assert.equal(item.readers, 1);
      assert.deepEqual(payload.genreTitles, [
        'Five Ways to Forgiveness',
        'The Dispossessed',
        'The Left Hand of Darkness',
      ]);
    },
  );
});
