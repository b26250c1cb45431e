// Writes, updates and reads books through the AWS SDK's DynamoDB clients with their defaults:
// the endpoint, credentials and region all come from the environment the platform sets.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

const client = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(client);
const TableName = process.env.BOOKS_TABLE;

export const handler = async (event) => {
  for (const book of event.books) {
    await documents.send(new PutCommand({ TableName, Item: { ...book, tags: new Set(book.tags) } }));
  }
  const updated = await documents.send(
    new UpdateCommand({
      TableName,
      Key: { author: event.author, title: event.title },
      UpdateExpression: 'ADD readers :one SET lastReader = :reader',
      ExpressionAttributeValues: { ':one': 1, ':reader': event.reader },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const got = await documents.send(
    new GetCommand({ TableName, Key: { author: event.author, title: event.title } }),
  );
  const byGenre = await documents.send(
    new QueryCommand({
      TableName,
      IndexName: 'by-genre',
      KeyConditionExpression: 'genre = :genre',
      ExpressionAttributeValues: { ':genre': event.genre },
    }),
  );
  return {
    readers: updated.Attributes.readers,
    item: { ...got.Item, tags: [...got.Item.tags].sort() },
    genreTitles: byGenre.Items.map((item) => item.title),
    endpoint: process.env.AWS_ENDPOINT_URL,
  };
};
