import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import {
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  paginateListFunctions,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { CLIENT_OPTIONS, isolateAwsEnvironment, startUpProcess } from './helpers.js';

const execFileAsync = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');
/** boto3 comes from Debian's python3-boto3, which only Debian's interpreter imports. */
const DEBIAN_PYTHON = '/usr/bin/python3';
const AWS_CLI = '/usr/bin/aws';
const ACCOUNT = '000000000000';

/** Filler functions, so that the list takes more than one page of 50. */
const FILLER_COUNT = 53;
const FILLER_NAMES = Array.from(
  { length: FILLER_COUNT },
  (_, index) => `fill-${String(index).padStart(2, '0')}`,
);
/** Every function the template defines, valid or not, in ListFunctions' order. */
const ALL_NAMES = ['Api', 'Broken', 'Worker', ...FILLER_NAMES].sort();

const HANDLER = 'def handler(event, context):\n    return {"ok": True}\n';

function template(fillers: string[]): string {
  const lines = [
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Api:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: python3.12',
    '      CodeUri: code',
    '      Handler: app.handler',
    '      Description: Serves the shop API',
    '      MemorySize: 256',
    '      Timeout: 7',
    '      AutoPublishAlias: live',
    '      ReservedConcurrentExecutions: 3',
    '      Environment:',
    '        Variables:',
    '          GREETING: hello',
    '  Worker:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      Handler: index.handler',
    '      Architectures: [arm64]',
    '      InlineCode: |',
    '        exports.handler = async () => "done";',
    '  Broken:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: python2.7',
    '      CodeUri: code',
    '      Handler: app.handler',
  ];
  for (const name of fillers) {
    lines.push(
      `  ${name.replace(/-/g, '')}:`,
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      `      FunctionName: ${name}`,
      '      Runtime: python3.12',
      '      CodeUri: code',
      '      Handler: app.handler',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Computes the CodeSha256 the platform reports for a folder of top-level files. */
function expectedSha256(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    hash.update(`${name}\0`);
    hash.update(
      createHash('sha256')
        .update(files[name] ?? '')
        .digest(),
    );
  }
  return hash.digest('base64');
}

function cliEnvironment(): NodeJS.ProcessEnv {
  const env = isolateAwsEnvironment({ ...process.env });
  // botocore 1.29 reads the region from AWS_DEFAULT_REGION only.
  env.AWS_DEFAULT_REGION = 'us-east-1';
  return env;
}

/** Resolves when the child's output from now on matches `pattern`, and rejects after 10 s. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.stdout?.off('data', onData);
      reject(new Error(`no ${pattern} in the output within 10 s:\n${seen}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve();
    };
    child.stdout?.on('data', onData);
  });
}

describe('Lambda read operations', () => {
  let projectDir: string;
  let child: ChildProcess;
  let endpoint: string;
  let lambda: LambdaClient;

  before(async () => {
    projectDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-read-api-'));
    mkdirSync(path.join(projectDir, 'code'));
    writeFileSync(path.join(projectDir, 'code', 'app.py'), HANDLER);
    writeFileSync(path.join(projectDir, 'template.yaml'), template(FILLER_NAMES));
    const up = await startUpProcess(projectDir, path.join(projectDir, 'data'), {
      timeoutMs: 60_000,
    });
    child = up.child;
    endpoint = up.endpoint;
    lambda = new LambdaClient({ endpoint, ...CLIENT_OPTIONS });
  });

  after(async () => {
    lambda.destroy();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    rmSync(projectDir, { recursive: true, force: true });
  });

  describe('ListFunctions', () => {
    it('pages through every function', async () => {
      const pages: FunctionConfiguration[][] = [];
      for await (const page of paginateListFunctions({ client: lambda, pageSize: 20 }, {})) {
        pages.push(page.Functions ?? []);
      }
      assert.deepEqual(
        pages.map((page) => page.length),
        [20, 20, 16],
      );
      const names = pages.flat().map((config) => config.FunctionName);
      assert.deepEqual(names, ALL_NAMES);
    });

    it('returns at most 50 per page', async () => {
      const first = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
      assert.equal(first.Functions?.length, 50);
      assert.equal(typeof first.NextMarker, 'string');
      const second = await lambda.send(new ListFunctionsCommand({ Marker: first.NextMarker }));
      assert.equal(second.Functions?.length, ALL_NAMES.length - 50);
      assert.equal(second.NextMarker, undefined);
    });

    it('lists published versions with ALL', async () => {
      const listed = await lambda.send(
        new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 3 }),
      );
      const api = listed.Functions?.filter((config) => config.FunctionName === 'Api') ?? [];
      assert.deepEqual(
        api.map((config) => [config.Version, config.FunctionArn]),
        [
          ['$LATEST', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api:$LATEST`],
          ['1', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api:1`],
        ],
      );
      const plain = await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
      assert.equal(
        plain.Functions?.[0]?.FunctionArn,
        `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api`,
      );
    });

    it('leaves state out for running functions', async () => {
      const listed = await lambda.send(new ListFunctionsCommand({ MaxItems: 2 }));
      const [api, broken] = listed.Functions ?? [];
      assert.equal(api?.State, undefined);
      assert.equal(broken?.FunctionName, 'Broken');
      assert.equal(broken?.State, 'Failed');
      assert.equal(broken?.StateReasonCode, 'InvalidConfiguration');
    });

    it('counts a failed function in the account', async () => {
      const names: (string | undefined)[] = [];
      for await (const page of paginateListFunctions({ client: lambda }, {})) {
        names.push(...(page.Functions ?? []).map((config) => config.FunctionName));
      }
      assert.ok(names.includes('Broken'));
      const settings = await lambda.send(new GetAccountSettingsCommand({}));
      assert.equal(settings.AccountUsage?.FunctionCount, names.length);
    });

    it('rejects a marker it did not issue', async () => {
      await assert.rejects(lambda.send(new ListFunctionsCommand({ Marker: 'not-a-marker' })), {
        name: 'InvalidParameterValueException',
        message: /^Marker 'not-a-marker' is not a pagination token from ListFunctions/,
      });
      const long = 'x'.repeat(5000);
      await assert.rejects(lambda.send(new ListFunctionsCommand({ Marker: long })), {
        name: 'InvalidParameterValueException',
        message: new RegExp(`^Marker '${'x'.repeat(64)}\\.\\.\\.' is not a pagination token`),
      });
    });

    it('rejects MaxItems out of range', async () => {
      await assert.rejects(lambda.send(new ListFunctionsCommand({ MaxItems: 0 })), {
        name: 'ValidationException',
        message: /Value '0' at 'maxItems' failed to satisfy constraint/,
      });
      await assert.rejects(lambda.send(new ListFunctionsCommand({ MaxItems: 10_001 })), {
        name: 'ValidationException',
      });
    });

    it('rejects MasterRegion without ALL', async () => {
      await assert.rejects(lambda.send(new ListFunctionsCommand({ MasterRegion: 'us-east-1' })), {
        name: 'InvalidParameterValueException',
      });
      const edge = await lambda.send(
        new ListFunctionsCommand({ MasterRegion: 'us-east-1', FunctionVersion: 'ALL' }),
      );
      assert.deepEqual(edge.Functions, []);
    });
  });

  describe('GetFunction', () => {
    it('returns configuration, code and concurrency', async () => {
      const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'Api' }));
      const config = got.Configuration;
      assert.equal(config?.FunctionName, 'Api');
      assert.equal(config?.FunctionArn, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api`);
      assert.equal(config?.Runtime, 'python3.12');
      assert.match(config?.Role ?? '', /^arn:aws:iam::000000000000:role\/\S+$/);
      assert.equal(config?.Handler, 'app.handler');
      assert.equal(config?.CodeSize, Buffer.byteLength(HANDLER));
      assert.equal(config?.CodeSha256, expectedSha256({ 'app.py': HANDLER }));
      assert.equal(config?.Description, 'Serves the shop API');
      assert.equal(config?.Timeout, 7);
      assert.equal(config?.MemorySize, 256);
      assert.match(config?.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
      assert.equal(config?.Version, '$LATEST');
      assert.deepEqual(config?.Environment?.Variables, { GREETING: 'hello' });
      assert.deepEqual(config?.TracingConfig, { Mode: 'PassThrough' });
      assert.match(config?.RevisionId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]/);
      assert.equal(config?.State, 'Active');
      assert.equal(config?.LastUpdateStatus, 'Successful');
      assert.equal(config?.PackageType, 'Zip');
      assert.deepEqual(config?.Architectures, ['x86_64']);
      assert.deepEqual(config?.EphemeralStorage, { Size: 512 });
      assert.deepEqual(config?.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/Api' });
      assert.deepEqual(got.Code, { RepositoryType: 'S3' });
      assert.deepEqual(got.Concurrency, { ReservedConcurrentExecutions: 3 });
      assert.equal(got.Tags, undefined);
    });

    it('describes inline code and arm64', async () => {
      const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'Worker' }));
      assert.deepEqual(got.Configuration?.Architectures, ['arm64']);
      assert.equal(got.Configuration?.Environment, undefined);
      assert.equal(got.Configuration?.Description, undefined);
      assert.ok((got.Configuration?.CodeSize ?? 0) > 0);
      assert.equal(got.Concurrency, undefined);
    });

    it('reports a function not started as Failed', async () => {
      const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'Broken' }));
      assert.equal(got.Configuration?.State, 'Failed');
      assert.equal(got.Configuration?.StateReasonCode, 'InvalidConfiguration');
      assert.match(got.Configuration?.StateReason ?? '', /runtime 'python2\.7' is deprecated/);
      assert.equal(got.Code, undefined);
    });

    it('rejects a missing function', async () => {
      await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })), {
        name: 'ResourceNotFoundException',
        message: `Function not found: arn:aws:lambda:us-east-1:${ACCOUNT}:function:nope`,
      });
      await assert.rejects(
        lambda.send(new GetFunctionCommand({ FunctionName: 'Api', Qualifier: '9' })),
        { name: 'ResourceNotFoundException' },
      );
      await assert.rejects(
        lambda.send(
          new GetFunctionCommand({
            FunctionName: 'arn:aws:lambda:us-east-1:111122223333:function:Api',
          }),
        ),
        { name: 'ResourceNotFoundException' },
      );
      await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'bad name!' })), {
        name: 'ValidationException',
      });
    });

    it('keeps the code digest until the code changes', async () => {
      const before = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'Api' }),
      );
      const again = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'Api' }));
      assert.equal(again.CodeSha256, before.CodeSha256);
      assert.equal(again.RevisionId, before.RevisionId);
      assert.equal(again.LastModified, before.LastModified);

      // The code folder is shared, so one reload line names every function on it.
      const reloaded = waitForOutput(child, /^reloaded (\S+, )*Api(, \S+)*: code changed$/m);
      const extra = '# edited\n';
      writeFileSync(path.join(projectDir, 'code', 'app.py'), HANDLER + extra);
      await reloaded;
      const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'Api' }));
      assert.equal(after.CodeSha256, expectedSha256({ 'app.py': HANDLER + extra }));
      assert.equal(after.CodeSize, Buffer.byteLength(HANDLER + extra));
      assert.notEqual(after.RevisionId, before.RevisionId);
      assert.ok((after.LastModified ?? '') > (before.LastModified ?? ''));
    });
  });

  describe('GetFunctionConfiguration', () => {
    it('resolves an alias qualifier', async () => {
      const config = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'Api', Qualifier: 'live' }),
      );
      assert.equal(config.Version, '1');
      assert.equal(config.FunctionArn, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api:live`);
    });

    it('accepts full and partial ARNs', async () => {
      const full = await lambda.send(
        new GetFunctionConfigurationCommand({
          FunctionName: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api:1`,
        }),
      );
      assert.equal(full.Version, '1');
      assert.equal(full.FunctionArn, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Api:1`);
      const partial = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: `${ACCOUNT}:function:Worker` }),
      );
      assert.equal(partial.FunctionName, 'Worker');
      assert.equal(partial.Version, '$LATEST');
    });

    it('rejects two different qualifiers', async () => {
      await assert.rejects(
        lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: 'Api:live', Qualifier: '1' }),
        ),
        {
          name: 'InvalidParameterValueException',
          message:
            'The derived qualifier from the function name does not match the specified qualifier.',
        },
      );
    });
  });

  describe('operations not served', () => {
    it('name the operation', async () => {
      await assert.rejects(
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: 'new',
            Role: `arn:aws:iam::${ACCOUNT}:role/r`,
            Code: { ZipFile: new Uint8Array([1]) },
          }),
        ),
        {
          name: 'UnknownOperationException',
          message:
            'CreateFunction is not supported by LambdaCraft; functions come from the SAM template',
        },
      );
      await assert.rejects(lambda.send(new ListAliasesCommand({ FunctionName: 'Api' })), {
        name: 'UnknownOperationException',
        message: /^ListAliases is not supported by LambdaCraft; aliases come from AutoPublishAlias/,
      });
    });

    it('keep the generic message for other paths', async () => {
      const response = await fetch(`${endpoint}/2015-03-31/nothing-here`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException');
      const body = (await response.json()) as { message: string };
      assert.equal(
        body.message,
        'no operation at GET /2015-03-31/nothing-here; this endpoint serves the Lambda API',
      );
    });
  });

  describe('AWS CLI', () => {
    it('lists every function', async () => {
      const { stdout } = await execFileAsync(
        AWS_CLI,
        ['lambda', 'list-functions', '--endpoint-url', endpoint, '--page-size', '25'],
        { env: cliEnvironment() },
      );
      const listed = JSON.parse(stdout) as { Functions: FunctionConfiguration[] };
      assert.deepEqual(
        listed.Functions.map((config) => config.FunctionName),
        ALL_NAMES,
      );
    });

    it('gets one function', async () => {
      const { stdout } = await execFileAsync(
        AWS_CLI,
        ['lambda', 'get-function', '--endpoint-url', endpoint, '--function-name', 'Api:live'],
        { env: cliEnvironment() },
      );
      const got = JSON.parse(stdout) as {
        Configuration: FunctionConfiguration;
        Concurrency: { ReservedConcurrentExecutions: number };
      };
      assert.equal(got.Configuration.Version, '1');
      assert.equal(got.Configuration.MemorySize, 256);
      assert.equal(got.Concurrency.ReservedConcurrentExecutions, 3);
    });

    it('reports a missing function', async () => {
      await assert.rejects(
        execFileAsync(
          AWS_CLI,
          ['lambda', 'get-function', '--endpoint-url', endpoint, '--function-name', 'nope'],
          { env: cliEnvironment() },
        ),
        { stderr: /ResourceNotFoundException.*Function not found/ },
      );
    });
  });

  describe('boto3', () => {
    it('pages with the list_functions paginator', async () => {
      const script = [
        'import json, sys, boto3',
        'client = boto3.client("lambda", endpoint_url=sys.argv[1])',
        'paginator = client.get_paginator("list_functions")',
        'pages = [[f["FunctionName"] for f in page["Functions"]]',
        '         for page in paginator.paginate(PaginationConfig={"PageSize": 30})]',
        'print(json.dumps(pages))',
      ].join('\n');
      const { stdout } = await execFileAsync(DEBIAN_PYTHON, ['-c', script, endpoint], {
        env: cliEnvironment(),
      });
      const pages = JSON.parse(stdout) as string[][];
      assert.deepEqual(
        pages.map((page) => page.length),
        [30, 26],
      );
      assert.deepEqual(pages.flat(), ALL_NAMES);
    });
  });

  describe('lambdacraft logs', () => {
    const runLogs = (name: string, templateFile: string) =>
      execFileAsync(
        process.execPath,
        [CLI, 'logs', name, '-t', templateFile, '--data-dir', path.join(projectDir, 'data')],
        { env: cliEnvironment() },
      );

    it('rejects a function that does not exist', async () => {
      await assert.rejects(runLogs('nope', path.join(projectDir, 'template.yaml')), {
        code: 2,
        stderr: /function 'nope' not found: .* does not define it/,
      });
    });

    it('accepts a function with no invocations', async () => {
      const { stderr } = await runLogs('fill-07', path.join(projectDir, 'template.yaml'));
      assert.match(stderr, /no invocations of 'fill-07' recorded/);
    });

    it('prints a removed function from its history', async () => {
      await lambda.send(new InvokeCommand({ FunctionName: 'fill-03' }));
      // The platform writes invocation records in batches, at least every 200 ms.
      for (let attempt = 0; attempt < 50; attempt++) {
        const { stdout } = await runLogs('fill-03', path.join(projectDir, 'template.yaml'));
        if (stdout.includes('START RequestId: ')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const smaller = path.join(projectDir, 'smaller.yaml');
      writeFileSync(smaller, template([]));
      const { stdout } = await runLogs('fill-03', smaller);
      assert.match(stdout, /^START RequestId: /m);
    });
  });
});
