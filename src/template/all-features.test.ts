import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../environments/launch.js';
import { loadTemplate, type LoadedTemplate } from './load.js';

const TEMPLATE = path.join(PACKAGE_ROOT, 'src', 'template', 'testdata', 'all-features.yaml');
const account = { accountId: '123456789012', region: 'eu-west-1' };
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function';

function load(parameterOverrides: Record<string, string> = {}): LoadedTemplate {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-data-'));
  return loadTemplate(TEMPLATE, { account, parameterOverrides, stackName: 'shop', dataDir });
}

/** Environment variables of `Orders`, each set by one intrinsic in all-features.yaml. */
const ORDERS_VARIABLES: [string, string][] = [
  ['STAGE', 'dev'],
  ['LOG_LEVEL', 'debug'],
  ['REGION', 'eu-west-1'],
  ['ACCOUNT', '123456789012'],
  ['STACK', 'shop'],
  ['PARTITION', 'aws'],
  ['URL_SUFFIX', 'amazonaws.com'],
  ['MODE', 'local-dev'],
  ['EITHER', 'matched'],
  ['DEFAULT_TIMEOUT', 'true'],
  ['PAYMENTS_NAME', 'Payments'],
  ['PAYMENTS_ARN', `${LAMBDA}:Payments`],
  ['PAYMENTS_ALIAS', `${LAMBDA}:Payments:live`],
  ['PAYMENTS_ALIAS_BY_ID', `${LAMBDA}:Payments:live`],
  ['PAYMENTS_ROLE_ARN', 'arn:aws:iam::123456789012:role/PaymentsRole'],
  ['PAYMENTS_SNAPSTART', 'PublishedVersions'],
  ['QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/OrdersQueue'],
  ['QUEUE_ARN', 'arn:aws:sqs:eu-west-1:123456789012:OrdersQueue'],
  // A table without TableName is named `<stack>-<logical id>`.
  ['TABLE_ARN', 'arn:aws:dynamodb:eu-west-1:123456789012:table/shop-OrdersTable'],
  // A bucket without BucketName is named `<stack>-<logical id>` in lowercase.
  ['BUCKET', 'shop-uploadsbucket'],
  ['BUCKET_ARN', 'arn:aws:s3:::shop-uploadsbucket'],
  ['TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:Notifications'],
  ['SUB_WITH_VARIABLES', 'orders-dev/dev/Payments/${Literal}'],
  ['JOINED_SUBNETS', 'subnet-a,subnet-b'],
  ['FIRST_SUBNET', 'subnet-a'],
  ['SECOND_PART', 'b'],
  ['FIRST_AZ', 'eu-west-1a'],
  ['THIRD_AZ', 'eu-west-1c'],
  ['ENCODED', 'aGVsbG8='],
  ['LONG_FORM', `dev-${LAMBDA}:Payments`],
  ['MAPPED_WITH_DEFAULT', 'info'],
  ['API_STAGE', 'dev'],
  ['SUB_ALIAS', `${LAMBDA}:Payments:live`],
  ['SELECTED_FROM_JOIN', 'bc'],
  ['HTTP_API', 'ServerlessHttpApi'],
];

describe('all-features template', () => {
  let loaded: LoadedTemplate;
  let environment: Record<string, string>;

  before(() => {
    loaded = load();
    environment = loaded.functions.get('shop-orders')?.environment ?? {};
  });

  it('loads every function', () => {
    assert.deepEqual(loaded.invalid, new Map());
    assert.deepEqual([...loaded.functions.keys()], ['shop-orders', 'Payments', 'Inline']);
  });

  for (const [name, expected] of ORDERS_VARIABLES) {
    it(`resolves ${name}`, () => {
      assert.equal(environment[name], expected);
    });
  }

  it('resolves AWS::StackId to the same ARN each time', () => {
    const stackId = environment.STACK_ID ?? '';
    assert.match(
      stackId,
      /^arn:aws:cloudformation:eu-west-1:123456789012:stack\/shop\/[0-9a-f-]{36}$/,
    );
    assert.equal(load().functions.get('shop-orders')?.environment.STACK_ID, stackId);
  });

  it('removes a variable that is AWS::NoValue', () => {
    assert.equal('PROD_ONLY' in environment, false);
  });

  it('merges Globals into function properties', () => {
    const payments = loaded.functions.get('Payments');
    assert.deepEqual(payments?.environment, {
      STAGE: 'dev',
      LOG_LEVEL: 'debug',
      SHARED: 'from-payments',
    });
    assert.equal(payments?.memorySizeMb, 256);
    assert.equal(payments?.timeoutSeconds, 10);
    assert.equal(payments?.codePath, path.join(path.dirname(TEMPLATE), 'hello'));
  });

  it('keeps the Description', () => {
    assert.equal(loaded.functions.get('shop-orders')?.description, 'Orders API');
    assert.equal(loaded.functions.get('Payments')?.description, undefined);
  });

  it('names a function from an Fn::Sub FunctionName', () => {
    assert.equal(loaded.logicalIds.get('shop-orders'), 'Orders');
  });

  it('keeps alias and concurrency settings', () => {
    assert.deepEqual(loaded.functionSettings.get('shop-orders'), {
      autoPublishAlias: 'live',
      reservedConcurrentExecutions: 10,
      provisionedConcurrentExecutions: 2,
    });
    assert.equal(loaded.functionSettings.get('Payments')?.autoPublishAlias, 'live');
  });

  it('lists each ignored property once', () => {
    assert.deepEqual(loaded.ignoredProperties, [
      'Layers (resource Orders)',
      'Policies (resource Orders)',
      'Tracing (resource Orders)',
      'SnapStart (resource Payments)',
      'Tracing (resource Payments)',
      'Tracing (resource Inline)',
    ]);
  });

  it('writes InlineCode to index.js in the data folder', () => {
    const inline = loaded.functions.get('Inline');
    const codePath = inline?.codePath ?? '';
    assert.match(codePath, /inline-code\/Inline-[0-9a-f]{12}$/);
    assert.equal(
      readFileSync(path.join(codePath, 'index.js'), 'utf8'),
      'exports.handler = async () => ({ ok: true });\n',
    );
    assert.deepEqual(JSON.parse(readFileSync(path.join(codePath, 'package.json'), 'utf8')), {
      type: 'commonjs',
    });
    assert.deepEqual(readdirSync(path.dirname(codePath)), [path.basename(codePath)]);
  });

  it('drops a property that resolves to AWS::NoValue', () => {
    // Inline's MemorySize replaces the Globals value and resolves to AWS::NoValue.
    assert.equal(loaded.functions.get('Inline')?.memorySizeMb, 128);
  });

  it('lists resources whose condition is false', () => {
    assert.deepEqual(loaded.notCreatedResources, [
      'ProdOnly (condition IsProd is false)',
      'ProdBucket (condition IsProd is false)',
    ]);
  });

  it('lists created resources it does not run', () => {
    assert.deepEqual(loaded.notRunResources, [
      'OrdersQueue (AWS::SQS::Queue)',
      'Notifications (AWS::SNS::Topic)',
    ]);
  });

  it('resolves intrinsics in events and API Globals', () => {
    const [route] = loaded.http.routes;
    assert.equal(route?.path, '/dev/orders');
    assert.equal(route?.functionName, 'shop-orders');
    assert.equal(loaded.http.apis.get('PublicApi')?.stage, 'dev');
    assert.deepEqual(loaded.http.apis.get('ServerlessHttpApi')?.cors?.allowOrigins, [
      'https://dev.example.com',
    ]);
  });
});

describe('all-features template with Stage=prod', () => {
  let loaded: LoadedTemplate;

  before(() => {
    loaded = load({ Stage: 'prod' });
  });

  it('creates resources whose condition is true', () => {
    assert.equal(loaded.functions.get('ProdOnly')?.environment.ONLY, 'shop-prodbucket');
    assert.deepEqual(loaded.notCreatedResources, []);
  });

  it('chooses the true branch of Fn::If', () => {
    const environment = loaded.functions.get('shop-orders')?.environment;
    assert.equal(environment?.PROD_ONLY, 'prod-only');
    assert.equal(environment?.MODE, 'other');
    assert.equal(environment?.DEFAULT_TIMEOUT, 'false');
    assert.equal(loaded.functions.get('Inline')?.memorySizeMb, 1024);
  });

  it('looks mappings up by the override', () => {
    const orders = loaded.functions.get('shop-orders');
    assert.equal(orders?.timeoutSeconds, 30);
    assert.equal(orders?.environment.LOG_LEVEL, 'warn');
  });
});
