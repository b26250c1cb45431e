import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { DEFAULT_ACCOUNT, Platform } from '../src/platform.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';

const TEMPLATE = path.join(PACKAGE_ROOT, 'examples', 'tables', 'template.yaml');

describe('DynamoDB events of a template', () => {
  let dataDir: string;
  let template: LoadedTemplate;

  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-mappings-template-'));
    template = loadTemplate(TEMPLATE, { account: DEFAULT_ACCOUNT, parameterOverrides: {} });
  });

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts the example as `up` does; returns the platform and its gateway URL. */
  async function startExample(): Promise<{ platform: Platform; gateway: string }> {
    const platform = await Platform.start({
      dataDir,
      functions: [...template.functions.values()],
      tables: template.dynamodb.tables,
      streamMappings: template.dynamodbEvents.mappings,
    });
    await platform.listen(0, '127.0.0.1');
    const { url } = await platform.listenGateway(template.http, 0, '127.0.0.1');
    return { platform, gateway: url };
  }

  async function counts(gateway: string): Promise<Record<string, number>> {
    const response = await fetch(`${gateway}/counts`);
    assert.equal(response.status, 200);
    return (await response.json()) as Record<string, number>;
  }

  it('reads the DynamoDB event', () => {
    assert.deepEqual(template.dynamodbEvents.errors, []);
    const [mapping] = template.dynamodbEvents.mappings;
    assert.equal(mapping?.functionName, 'order-counter');
    assert.deepEqual(mapping?.stream, { tableName: 'orders' });
    assert.equal(mapping?.settings.batchSize, 25);
    assert.equal(mapping?.settings.startingPosition, 'TRIM_HORIZON');
    assert.deepEqual(mapping?.settings.functionResponseTypes, ['ReportBatchItemFailures']);
  });

  it('counts orders across restart and reload', async () => {
    const first = await startExample();
    assert.deepEqual(first.platform.mappingProblems, []);
    const mappings = first.platform.eventSourceMappings.list();
    assert.equal(mappings.length, 1);
    const uuid = mappings[0]?.uuid;

    const orders = [
      ['1', 'books'],
      ['2', 'books'],
      ['3', 'games'],
      ['2', 'games'],
    ];
    for (const [id, category] of orders) {
      const response = await fetch(`${first.gateway}/orders/${id}`, {
        method: 'PUT',
        body: JSON.stringify({ category }),
      });
      assert.equal(response.status, 200);
    }
    await fetch(`${first.gateway}/orders/3`, { method: 'DELETE' });
    const expected = { books: 1, games: 1 };
    const deadline = Date.now() + 30_000;
    let latest = await counts(first.gateway);
    while (JSON.stringify(latest) !== JSON.stringify(expected) && Date.now() < deadline) {
      await sleep(100);
      latest = await counts(first.gateway);
    }
    assert.deepEqual(latest, expected);
    // A stop ends the environments at once, so a batch still in flight is delivered again
    // after the restart (at least once). Wait until the last batch's checkpoint is stored.
    const { eventSourceArn } = first.platform.eventSourceMappings.get(uuid ?? '');
    const streams = first.platform.dynamodb.streams;
    const caughtUp = () =>
      streams
        .shards(eventSourceArn)
        .every(
          ({ shardId }) =>
            first.platform.store.eventSourceMappings.checkpoint(uuid ?? '', shardId) ===
            streams.latestSequence(eventSourceArn, shardId),
        );
    while (!caughtUp() && Date.now() < deadline) await sleep(50);
    assert.ok(caughtUp(), 'the checkpoint reaches the last record');
    await first.platform.close();

    const second = await startExample();
    try {
      assert.deepEqual(
        second.platform.eventSourceMappings.list().map((mapping) => mapping.uuid),
        [uuid],
      );
      // The batching window is 1 s: a checkpoint lost would recount within it.
      await sleep(1500);
      assert.deepEqual(await counts(second.gateway), expected, 'no record is counted twice');

      // A reload with another BatchSize updates the mapping; one without the event deletes it.
      const [declared] = template.dynamodbEvents.mappings;
      assert.ok(declared);
      const reloaded = { ...declared, settings: { ...declared.settings, batchSize: 10 } };
      const changes = second.platform.applyTemplate({
        ...template,
        functions: [...template.functions.values()],
        dynamodbEvents: { mappings: [reloaded] },
      });
      assert.ok(
        changes.includes(`OrderCounterFunction/OrderChanges event source mapping ${uuid} updated`),
        changes.join('; '),
      );
      assert.equal(second.platform.eventSourceMappings.get(uuid ?? '').settings.batchSize, 10);

      const removed = second.platform.applyTemplate({
        ...template,
        functions: [...template.functions.values()],
        dynamodbEvents: { mappings: [] },
      });
      assert.ok(removed.includes(`event source mapping ${uuid} removed`), removed.join('; '));
    } finally {
      await second.platform.close();
    }
  });
});
