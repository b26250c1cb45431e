import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaServiceException,
} from '@aws-sdk/client-lambda';

import { validateFunctionConfig } from '../src/functions/function-config.js';
import { Platform } from '../src/platform.js';
import {
  batchesIn,
  createStreamTable,
  deliveredCount,
  failuresIn,
  putItem,
  waitUntil,
  createMappingRejection,
  startMappingsPlatform,
  type MappingsPlatform,
} from './dynamodb-mappings-helpers.js';
import { testFunction } from './helpers.js';

const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function';

/** Function name, and environment beyond RECORD_FILE. */
const FUNCTIONS: [string, Record<string, string>][] = [
  ['esm-size', {}],
  ['esm-window', {}],
  ['esm-retry', {}],
  ['esm-destination', {}],
  ['esm-bisect', {}],
  ['esm-partial', { RESPONSE_MODE: 'partial' }],
  ['esm-filter', {}],
  ['esm-order', {}],
  ['esm-api', {}],
  ['esm-throttle', {}],
];

describe('DynamoDB stream event source mappings', () => {
  let suite: MappingsPlatform;
  let platform: Platform;
  let lambda: LambdaClient;
  let dynamodb: DynamoDBClient;
  let recordFile: MappingsPlatform['recordFile'];

  async function createMapping(input: Partial<CreateEventSourceMappingCommandInput>) {
    const output = await lambda.send(
      new CreateEventSourceMappingCommand({
        StartingPosition: 'TRIM_HORIZON',
        ...input,
      } as CreateEventSourceMappingCommandInput),
    );
    assert.ok(output.UUID);
    return output;
  }

  const rejection = (input: Partial<CreateEventSourceMappingCommandInput>) =>
    createMappingRejection(lambda, input);

  before(async () => {
    suite = await startMappingsPlatform({
      prefix: 'lambdacraft-mappings',
      functionsOf: (recordFileOf) =>
        FUNCTIONS.map(([functionName, environment]) =>
          validateFunctionConfig(
            testFunction('python-stream-recorder', 'python3.11', 'app.handler', {
              functionName,
              environment: { RECORD_FILE: recordFileOf(functionName), ...environment },
            }),
          ),
        ),
    });
    ({ platform, lambda, dynamodb, recordFile } = suite);
  });

  after(() => suite.close());

  it('API creates, reads, lists, updates and deletes', async () => {
    const streamArn = await createStreamTable(dynamodb, 'api-table');
    const created = await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-api',
      BatchSize: 10,
    });
    assert.equal(created.State, 'Creating');
    assert.equal(created.StateTransitionReason, 'User action');
    assert.equal(created.LastProcessingResult, 'No records processed');
    assert.equal(created.FunctionArn, `${ARN_PREFIX}:esm-api`);
    assert.equal(created.EventSourceArn, streamArn);
    assert.equal(
      created.EventSourceMappingArn,
      `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${created.UUID}`,
    );
    assert.equal(created.BatchSize, 10);
    assert.equal(created.StartingPosition, 'TRIM_HORIZON');
    assert.equal(created.MaximumRetryAttempts, -1);
    assert.equal(created.MaximumRecordAgeInSeconds, -1);
    assert.equal(created.ParallelizationFactor, 1);
    assert.equal(created.BisectBatchOnFunctionError, false);
    assert.equal(created.TumblingWindowInSeconds, 0);
    assert.deepEqual(created.FunctionResponseTypes, []);
    assert.ok(created.LastModified instanceof Date);

    await waitUntil(
      'state Enabled',
      () => platform.eventSourceMappings.get(created.UUID ?? '').state === 'Enabled',
    );
    const fetched = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(fetched.State, 'Enabled');

    const byFunction = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: `${ARN_PREFIX}:esm-api` }),
    );
    assert.deepEqual(
      byFunction.EventSourceMappings?.map((mapping) => mapping.UUID),
      [created.UUID],
    );
    const byStream = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, MaxItems: 1 }),
    );
    assert.equal(byStream.EventSourceMappings?.length, 1);
    assert.equal(byStream.NextMarker, undefined);

    const updated = await lambda.send(
      new UpdateEventSourceMappingCommand({
        UUID: created.UUID,
        Enabled: false,
        BatchSize: 50,
        FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      }),
    );
    assert.equal(updated.State, 'Updating');
    assert.equal(updated.BatchSize, 50);
    assert.equal(updated.FilterCriteria?.Filters?.[0]?.Pattern, '{"eventName":["INSERT"]}');
    await waitUntil(
      'state Disabled',
      () => platform.eventSourceMappings.get(created.UUID ?? '').state === 'Disabled',
    );

    const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(deleted.State, 'Deleting');
    await waitUntil('mapping deleted', () =>
      platform.eventSourceMappings.list().every((m) => m.uuid !== created.UUID),
    );
    const missing = await lambda
      .send(new GetEventSourceMappingCommand({ UUID: created.UUID }))
      .then(
        () => undefined,
        (caught: unknown) => caught as LambdaServiceException,
      );
    assert.equal(missing?.name, 'ResourceNotFoundException');
  });

  it('API rejects invalid requests', async () => {
    const streamArn = await createStreamTable(dynamodb, 'invalid-table');
    const base = { EventSourceArn: streamArn, FunctionName: 'esm-api' };

    const noPosition = await rejection(base);
    assert.equal(noPosition.name, 'InvalidParameterValueException');
    assert.match(noPosition.message, /StartingPosition is required/);

    const start = { ...base, StartingPosition: 'LATEST' as const };
    const batchTooLarge = await rejection({ ...start, BatchSize: 10_001 });
    assert.equal(batchTooLarge.name, 'ValidationException');
    assert.match(batchTooLarge.message, /'batchSize' failed to satisfy constraint/);

    const windowTooLong = await rejection({ ...start, MaximumBatchingWindowInSeconds: 301 });
    assert.equal(windowTooLong.name, 'ValidationException');

    const retriesTooMany = await rejection({ ...start, MaximumRetryAttempts: 10_001 });
    assert.equal(retriesTooMany.name, 'ValidationException');

    const ageTooShort = await rejection({ ...start, MaximumRecordAgeInSeconds: 30 });
    assert.equal(ageTooShort.name, 'InvalidParameterValueException');
    assert.match(ageTooShort.message, /MaximumRecordAgeInSeconds 30/);

    const tumbling = await rejection({ ...start, TumblingWindowInSeconds: 60 });
    assert.equal(tumbling.name, 'InvalidParameterValueException');
    assert.match(tumbling.message, /TumblingWindowInSeconds 60 is not supported/);

    const badFilter = await rejection({
      ...start,
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":"INSERT"}' }] },
    });
    assert.equal(badFilter.name, 'InvalidParameterValueException');
    assert.equal(badFilter.message, 'Invalid filter pattern definition.');

    const unknownStream = `${streamArn.replace('invalid-table', 'no-such-table')}`;
    const notFound = await rejection({ ...start, EventSourceArn: unknownStream });
    assert.equal(notFound.name, 'InvalidParameterValueException');
    assert.equal(notFound.message, `Stream not found: ${unknownStream}`);

    const queue = await rejection({
      ...start,
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:queue',
    });
    assert.equal(queue.name, 'InvalidParameterValueException');
    assert.match(queue.message, /service 'sqs' are not supported/);

    // A queue needs no StartingPosition, so the unsupported source is what gets named.
    const queueNoPosition = await rejection({
      ...base,
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:queue',
    });
    assert.match(queueNoPosition.message, /service 'sqs' are not supported/);

    const sqsDestination = await rejection({
      ...start,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
    });
    assert.equal(sqsDestination.name, 'InvalidParameterValueException');
    assert.match(sqsDestination.message, /no SQS service/);

    const noFunction = await rejection({ ...start, FunctionName: 'no-such-function' });
    assert.equal(noFunction.name, 'ResourceNotFoundException');

    const responseType = await rejection({ ...start, FunctionResponseTypes: ['Other' as never] });
    assert.equal(responseType.name, 'ValidationException');
  });

  it('batches by BatchSize', async () => {
    const streamArn = await createStreamTable(dynamodb, 'size-table');
    for (let version = 1; version <= 5; version += 1) {
      await putItem(dynamodb, 'size-table', `key-${version}`, version);
    }
    await createMapping({ EventSourceArn: streamArn, FunctionName: 'esm-size', BatchSize: 2 });

    const file = recordFile('esm-size');
    await waitUntil('5 records', () => deliveredCount(batchesIn(file)) === 5);
    const batches = batchesIn(file);
    assert.deepEqual(
      batches.map((batch) => batch.sequences.length),
      [2, 2, 1],
    );
    assert.equal(batches[0]?.eventSourceARN, streamArn);
  });

  it('waits MaximumBatchingWindowInSeconds to fill a batch', async () => {
    const streamArn = await createStreamTable(dynamodb, 'window-table');
    await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-window',
      StartingPosition: 'LATEST',
      MaximumBatchingWindowInSeconds: 2,
    });
    for (let version = 1; version <= 3; version += 1) {
      await putItem(dynamodb, 'window-table', `key-${version}`, version);
    }

    const file = recordFile('esm-window');
    await waitUntil('3 records', () => deliveredCount(batchesIn(file)) === 3);
    assert.deepEqual(
      batchesIn(file).map((batch) => batch.keys),
      [['key-1', 'key-2', 'key-3']],
    );
  });

  it('retries, then sends the failure record', async () => {
    const streamArn = await createStreamTable(dynamodb, 'retry-table');
    const created = await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-retry',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: `${ARN_PREFIX}:esm-destination` } },
    });
    assert.equal(
      created.DestinationConfig?.OnFailure?.Destination,
      `${ARN_PREFIX}:esm-destination`,
    );
    await putItem(dynamodb, 'retry-table', 'bad', 1, { fail: { S: 'always' } });

    const destinationFile = recordFile('esm-destination');
    await waitUntil('the failure record', () => failuresIn(destinationFile).length === 1);
    await putItem(dynamodb, 'retry-table', 'good', 2);
    const file = recordFile('esm-retry');
    await waitUntil('the next record', () => batchesIn(file).some((b) => b.keys.includes('good')));

    const batches = batchesIn(file);
    assert.equal(batches.filter((batch) => batch.keys.includes('bad')).length, 3);
    const failure = failuresIn(destinationFile)[0]?.failure;
    assert.equal(failure?.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(failure?.requestContext.approximateInvokeCount, 3);
    assert.equal(failure?.requestContext.functionArn, `${ARN_PREFIX}:esm-retry`);
    assert.equal(failure?.responseContext?.functionError, 'Unhandled');
    assert.equal(failure?.version, '1.0');
    assert.equal(failure?.DDBStreamBatchInfo.batchSize, 1);
    assert.equal(failure?.DDBStreamBatchInfo.streamArn, streamArn);
    assert.equal(failure?.DDBStreamBatchInfo.startSequenceNumber, batches[0]?.sequences[0]);
    assert.equal(failure?.DDBStreamBatchInfo.endSequenceNumber, batches[0]?.sequences[0]);
  });

  it('bisects a failing batch', async () => {
    const streamArn = await createStreamTable(dynamodb, 'bisect-table');
    for (let version = 1; version <= 4; version += 1) {
      const extra: Record<string, AttributeValue> = version === 3 ? { fail: { S: 'always' } } : {};
      await putItem(dynamodb, 'bisect-table', `key-${version}`, version, extra);
    }
    await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-bisect',
      BatchSize: 4,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 0,
    });

    const file = recordFile('esm-bisect');
    await waitUntil('key-4 alone', () =>
      batchesIn(file).some((batch) => batch.keys.join() === 'key-4'),
    );
    assert.deepEqual(
      batchesIn(file).map((batch) => batch.keys.join()),
      ['key-1,key-2,key-3,key-4', 'key-1,key-2', 'key-3,key-4', 'key-3', 'key-4'],
    );
  });

  it('retries from the first reported batch item failure', async () => {
    const streamArn = await createStreamTable(dynamodb, 'partial-table');
    for (let version = 1; version <= 5; version += 1) {
      const extra: Record<string, AttributeValue> = version === 3 ? { fail: { S: 'once' } } : {};
      await putItem(dynamodb, 'partial-table', `key-${version}`, version, extra);
    }
    await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-partial',
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });

    const file = recordFile('esm-partial');
    await waitUntil('the retried batch', () => batchesIn(file).length === 2);
    await sleep(300);
    assert.deepEqual(
      batchesIn(file).map((batch) => batch.keys.join()),
      ['key-1,key-2,key-3,key-4,key-5', 'key-3,key-4,key-5'],
    );
  });

  it('delivers only records that match FilterCriteria', async () => {
    const streamArn = await createStreamTable(dynamodb, 'filter-table');
    await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-filter',
      StartingPosition: 'LATEST',
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ dynamodb: { NewImage: { kind: { S: ['keep'] } } } }) },
          {
            Pattern: JSON.stringify({
              dynamodb: { NewImage: { version: { N: [{ numeric: ['>=', 100] }] } } },
            }),
          },
        ],
      },
    });
    await putItem(dynamodb, 'filter-table', 'kept', 1, { kind: { S: 'keep' } });
    await putItem(dynamodb, 'filter-table', 'dropped', 2, { kind: { S: 'drop' } });
    await putItem(dynamodb, 'filter-table', 'large', 100);
    await putItem(dynamodb, 'filter-table', 'last', 3, { kind: { S: 'keep' } });

    const file = recordFile('esm-filter');
    await waitUntil('the last record', () => batchesIn(file).some((b) => b.keys.includes('last')));
    const keys = batchesIn(file).flatMap((batch) => batch.keys);
    assert.deepEqual(keys, ['kept', 'large', 'last']);
  });

  it('keeps each key in order', async () => {
    const streamArn = await createStreamTable(dynamodb, 'order-table');
    await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-order',
      StartingPosition: 'LATEST',
      BatchSize: 3,
    });
    const keys = ['a', 'b', 'c'];
    const writes: Promise<void>[] = [];
    for (let version = 1; version <= 10; version += 1) {
      for (const key of keys) writes.push(putItem(dynamodb, 'order-table', key, version));
      await Promise.all(writes.splice(0));
    }

    const file = recordFile('esm-order');
    await waitUntil('30 records', () => deliveredCount(batchesIn(file)) === 30);
    for (const key of keys) {
      const versions = batchesIn(file).flatMap((batch) =>
        batch.versions.filter((_, index) => batch.keys[index] === key),
      );
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `versions of key ${key}`);
    }
  });

  it('retries throttled batches without counting them', async () => {
    const streamArn = await createStreamTable(dynamodb, 'throttle-table');
    await lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'esm-throttle',
        ReservedConcurrentExecutions: 0,
      }),
    );
    const created = await createMapping({
      EventSourceArn: streamArn,
      FunctionName: 'esm-throttle',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: `${ARN_PREFIX}:esm-destination` } },
    });
    await putItem(dynamodb, 'throttle-table', 'throttled', 1);
    const uuid = created.UUID ?? '';
    await waitUntil('a throttle', () =>
      platform.eventSourceMappings.get(uuid).lastProcessingResult.includes('throttled'),
    );
    // Several throttled tries pass: with MaximumRetryAttempts 0 a counted one would discard.
    await sleep(1000);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'esm-throttle' }));

    const file = recordFile('esm-throttle');
    await waitUntil('the record', () => deliveredCount(batchesIn(file)) === 1);
    assert.deepEqual(batchesIn(file)[0]?.keys, ['throttled']);
    const failures = failuresIn(recordFile('esm-destination')).filter(
      (entry) => entry.failure.DDBStreamBatchInfo.streamArn === streamArn,
    );
    assert.deepEqual(failures, []);
  });
});
