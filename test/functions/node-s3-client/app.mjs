// Writes and reads an object through the platform's S3 API with the client's defaults: the
// endpoint, credentials and region all come from the environment the platform sets.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});

export const handler = async (event) => {
  await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: event.key, Body: event.body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
  return {
    body: await got.Body.transformToString(),
    endpoint: process.env.AWS_ENDPOINT_URL,
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  };
};
