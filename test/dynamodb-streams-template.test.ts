import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

import { DEFAULT_ACCOUNT, Platform } from '../src/platform.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';
import './helpers.js';
import { CLIENT_OPTIONS } from './helpers.js';

const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      BillingMode: PAY_PER_REQUEST
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES
      TimeToLiveSpecification:
        AttributeName: expiresAt
        Enabled: true
  NamedTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub '\${AWS::StackName}-named'
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: N
      KeySchema:
        - AttributeName: id
          KeyType: HASH
      ProvisionedThroughput:
        ReadCapacityUnits: 5
        WriteCapacityUnits: 5
`;

describe('DynamoDB tables of the template', () => {
  let folder: string;
  let template: LoadedTemplate;

  before(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-tables-'));
    writeFileSync(path.join(folder, 'template.yaml'), TEMPLATE);
    template = loadTemplate(path.join(folder, 'template.yaml'), {
      account: DEFAULT_ACCOUNT,
      parameterOverrides: {},
      stackName: 'shop',
      dataDir: path.join(folder, 'data'),
    });
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('template lists tables as run', () => {
    assert.deepEqual(
      template.dynamodb.tables.map((table) => table.name),
      ['shop-OrdersTable', 'shop-named'],
    );
    assert.deepEqual(template.dynamodb.errors, []);
    assert.deepEqual(template.notRunResources, []);
  });

  it('platform creates tables with their stream', async () => {
    const dataDir = path.join(folder, 'data');
    const start = (): Promise<Platform> =>
      Platform.start({ dataDir, functions: [], spares: false, tables: template.dynamodb.tables });
    const platform = await start();
    const endpoint = await platform.listen(0, '127.0.0.1');
    const client = new DynamoDBClient({ endpoint, ...CLIENT_OPTIONS });
    try {
      assert.deepEqual(platform.tableProblems, []);
      const orders = await client.send(new DescribeTableCommand({ TableName: 'shop-OrdersTable' }));
      const streamArn = orders.Table?.LatestStreamArn;
      assert.ok(streamArn !== undefined);
      assert.equal(orders.Table?.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.equal(platform.dynamodb.streams.streamArnOf('shop-OrdersTable'), streamArn);
      const ttl = await client.send(
        new DescribeTimeToLiveCommand({ TableName: 'shop-OrdersTable' }),
      );
      assert.equal(ttl.TimeToLiveDescription?.AttributeName, 'expiresAt');
      const named = await client.send(new DescribeTableCommand({ TableName: 'shop-named' }));
      assert.equal(named.Table?.BillingModeSummary?.BillingMode, 'PROVISIONED');
      assert.equal(named.Table?.LatestStreamArn, undefined);
    } finally {
      client.destroy();
      await platform.close();
    }

    const changed = template.dynamodb.tables.map((table) =>
      table.name === 'shop-named'
        ? { ...table, createTable: { ...table.createTable, BillingMode: 'PAY_PER_REQUEST' } }
        : table,
    );
    const again = await Platform.start({ dataDir, functions: [], spares: false, tables: changed });
    try {
      assert.equal(again.dynamodb.streams.streamArnOf('shop-OrdersTable') !== undefined, true);
      assert.deepEqual(again.tableProblems, [
        'table shop-named differs from the template (BillingMode); the existing table and its items are kept',
      ]);
    } finally {
      await again.close();
    }
  });
});
