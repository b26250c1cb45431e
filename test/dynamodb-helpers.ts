import assert from 'node:assert/strict';

import {
  CreateTableCommand,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { CLIENT_OPTIONS, startPlatform, type RunningPlatform } from './helpers.js';

export interface RunningDynamoDB extends RunningPlatform {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
}

/** Starts a platform without functions, with DynamoDB clients for its endpoint. */
export async function startDynamoDB(): Promise<RunningDynamoDB> {
  const running = await startPlatform([]);
  const dynamodb = new DynamoDBClient({ endpoint: running.endpoint, ...CLIENT_OPTIONS });
  const documents = DynamoDBDocumentClient.from(dynamodb);
  return {
    ...running,
    dynamodb,
    documents,
    async close() {
      documents.destroy();
      dynamodb.destroy();
      await running.close();
    },
  };
}

/** Creates an on-demand table with a string partition key and an optional range key. */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  rangeKey?: { name: string; type: 'S' | 'N' | 'B' },
  extra: Partial<CreateTableCommandInput> = {},
): Promise<void> {
  const definitions = [{ AttributeName: 'pk', AttributeType: 'S' as const }];
  const schema = [{ AttributeName: 'pk', KeyType: 'HASH' as const }];
  if (rangeKey !== undefined) {
    definitions.push({ AttributeName: rangeKey.name, AttributeType: rangeKey.type as 'S' });
    schema.push({ AttributeName: rangeKey.name, KeyType: 'RANGE' as 'HASH' });
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [...definitions, ...(extra.AttributeDefinitions ?? [])],
      KeySchema: schema,
      BillingMode: 'PAY_PER_REQUEST',
      ...extra,
      ...(extra.AttributeDefinitions === undefined
        ? {}
        : { AttributeDefinitions: [...definitions, ...extra.AttributeDefinitions] }),
    }),
  );
}

/** Asserts that a request fails with this DynamoDB error name and exact message. */
export async function rejectsWith(
  request: Promise<unknown>,
  name: string,
  message: string,
): Promise<void> {
  await assert.rejects(request, (error: Error) => {
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}
