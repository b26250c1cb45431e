import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';

import { silentLogger } from '../src/log.js';
import { DynamoDBService } from '../src/services/dynamodb/service.js';
import { StateStore } from '../src/state/store.js';

const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** A DynamoDB service on its own HTTP server with a clock the test moves. */
export interface StreamsServer {
  service: DynamoDBService;
  endpoint: string;
  store: StateStore;
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  /** Milliseconds since the epoch that the service sees as now. */
  clock: { nowMs: number };
  close(): Promise<void>;
}

/** Starts the DynamoDB service alone, in memory, with SDK clients for DynamoDB and Streams. */
export async function startStreamsServer(): Promise<StreamsServer> {
  const store = StateStore.open(':memory:', silentLogger());
  const clock = { nowMs: Date.parse('2026-12-04T20:00:00.000Z') };
  const service = new DynamoDBService({
    store: store.tables,
    streams: store.streams,
    region: 'us-east-1',
    accountId: '000000000000',
    logger: silentLogger(),
    clock: () => clock.nowMs,
  });
  const server = http.createServer((req, res) => {
    void service.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const options = { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
  const dynamodb = new DynamoDBClient(options);
  const streams = new DynamoDBStreamsClient(options);
  return {
    service,
    endpoint,
    store,
    dynamodb,
    streams,
    clock,
    async close() {
      dynamodb.destroy();
      streams.destroy();
      service.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      store.close();
    },
  };
}
