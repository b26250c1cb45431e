import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { silentLogger } from '../../log.js';
import type { EnqueueOptions } from '../../invoke/invoker.js';
import { StateStore } from '../../state/store.js';
import type { ScheduleDefinition } from './definition.js';
import { parseScheduleExpression } from './expression.js';
import { FakeClock } from './fake-clock.js';
import { Scheduler } from './scheduler.js';

const ACCOUNT = { accountId: '123456789012', region: 'eu-west-1' };

interface Enqueued {
  functionName: string;
  payload: string;
  source: string;
}

/** An invoker that writes events as the real one does and records them. */
function recordingInvoker(enqueued: Enqueued[]) {
  return {
    enqueue(functionName: string, payload: Buffer, options: EnqueueOptions): Promise<string> {
      const requestId = randomUUID();
      options.write?.({
        requestId,
        functionName,
        qualifier: options.qualifier,
        source: options.source,
        payload,
        enqueuedAtMs: 0,
        dueAtMs: 0,
      });
      enqueued.push({ functionName, payload: payload.toString(), source: options.source });
      return Promise.resolve(requestId);
    },
  };
}

function schedule(
  expression: string,
  overrides: Partial<ScheduleDefinition> = {},
): ScheduleDefinition {
  return {
    name: 'Nightly',
    kind: 'rule',
    expression,
    parsed: parseScheduleExpression(expression, { allowAt: true, allowSubminute: true }),
    timeZone: 'UTC',
    startMs: undefined,
    endMs: undefined,
    enabled: true,
    functionName: 'cleanup',
    qualifier: undefined,
    input: undefined,
    source: 'test',
    ...overrides,
  };
}

function start(
  store: StateStore,
  clock: FakeClock,
  enqueued: Enqueued[],
  definitions: ScheduleDefinition[],
) {
  const scheduler = new Scheduler({
    invoker: recordingInvoker(enqueued),
    table: store.schedules,
    account: ACCOUNT,
    logger: silentLogger(),
    clock,
  });
  scheduler.start(definitions);
  return scheduler;
}

const START_MS = Date.parse('2026-12-04T12:00:00Z');
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

describe('scheduler', () => {
  it('rate(1 hour) fires hourly, not every minute', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [schedule('rate(1 hour)')]);

    clock.advance(59 * MINUTE_MS);
    assert.equal(enqueued.length, 0);
    clock.advance(MINUTE_MS);
    assert.equal(enqueued.length, 1);
    clock.advance(59 * MINUTE_MS);
    assert.equal(enqueued.length, 1);
    clock.advance(2 * HOUR_MS);
    assert.equal(enqueued.length, 3);
    assert.equal(enqueued[0]?.source, 'schedule');
    assert.equal(store.asyncEvents.count(), 3);
    store.close();
  });

  it('sends the Scheduled Event at the scheduled time', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [schedule('cron(30 12 * * ? *)')]);

    clock.advance(31 * MINUTE_MS);
    assert.equal(enqueued.length, 1);
    const event = JSON.parse(enqueued[0]?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(event.version, '0');
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.equal(event.source, 'aws.events');
    assert.equal(event.account, '123456789012');
    assert.equal(event.region, 'eu-west-1');
    assert.equal(event.time, '2026-12-04T12:30:00Z');
    assert.deepEqual(event.resources, ['arn:aws:events:eu-west-1:123456789012:rule/Nightly']);
    assert.deepEqual(event.detail, {});
    assert.match(String(event.id), /^[0-9a-f-]{36}$/);
    store.close();
  });

  it('passes Input in place of the event', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [schedule('rate(1 minute)', { input: '{"job":"purge"}' })]);

    clock.advance(MINUTE_MS);
    assert.equal(enqueued[0]?.payload, '{"job":"purge"}');
    store.close();
  });

  it('a disabled schedule never fires', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    const scheduler = start(store, clock, enqueued, [
      schedule('rate(1 minute)', { enabled: false }),
    ]);

    clock.advance(24 * HOUR_MS);
    assert.equal(enqueued.length, 0);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(scheduler.list()[0]?.nextFireMs, undefined);
    store.close();
  });

  it('no time fires twice across a restart', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-schedules-'));
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    let store = StateStore.open(dataDir, silentLogger());
    let scheduler = start(store, clock, enqueued, [schedule('cron(0/5 * * * ? *)')]);
    clock.advance(5 * MINUTE_MS);
    assert.equal(enqueued.length, 1);
    void scheduler.stop();
    store.close();

    // Restarted within the same minute: 12:05 already fired and must not fire again.
    store = StateStore.open(dataDir, silentLogger());
    scheduler = start(store, clock, enqueued, [schedule('cron(0/5 * * * ? *)')]);
    assert.equal(enqueued.length, 1);
    clock.advance(5 * MINUTE_MS);
    assert.equal(enqueued.length, 2);
    void scheduler.stop();
    store.close();
  });

  it('fires the newest missed time once within the grace window', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-schedules-'));
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    let store = StateStore.open(dataDir, silentLogger());
    let scheduler = start(store, clock, enqueued, [schedule('cron(* * * * ? *)')]);
    clock.advance(MINUTE_MS);
    assert.equal(enqueued.length, 1);
    void scheduler.stop();
    store.close();

    // Stopped for three minutes: 12:02 and 12:03 were missed; only 12:04 fires at start.
    clock.advance(3 * MINUTE_MS + 30_000);
    store = StateStore.open(dataDir, silentLogger());
    scheduler = start(store, clock, enqueued, [schedule('cron(* * * * ? *)')]);
    assert.equal(enqueued.length, 2);
    const event = JSON.parse(enqueued[1]?.payload ?? '{}') as { time: string };
    assert.equal(event.time, '2026-12-04T12:04:00Z');
    void scheduler.stop();
    store.close();
  });

  it('skips missed times older than the grace window', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-schedules-'));
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    let store = StateStore.open(dataDir, silentLogger());
    let scheduler = start(store, clock, enqueued, [schedule('rate(1 hour)')]);
    clock.advance(HOUR_MS);
    assert.equal(enqueued.length, 1);
    void scheduler.stop();
    store.close();

    // Stopped from 13:00 to 14:30: the 14:00 time is 30 minutes old and is skipped.
    clock.advance(90 * MINUTE_MS);
    store = StateStore.open(dataDir, silentLogger());
    scheduler = start(store, clock, enqueued, [schedule('rate(1 hour)')]);
    assert.equal(enqueued.length, 1);
    clock.advance(30 * MINUTE_MS);
    assert.equal(enqueued.length, 2);
    void scheduler.stop();
    store.close();
  });

  it('a Scheduler schedule without Input sends {}', () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [
      schedule('cron(0 9 * * ? *)', { kind: 'scheduler', timeZone: 'America/New_York' }),
    ]);
    clock.advance(2 * HOUR_MS);
    assert.equal(enqueued.length, 1);
    assert.equal(enqueued[0]?.payload, '{}');
    store.close();
  });

  it('skips spring-forward gap in New York', () => {
    const store = StateStore.open(':memory:', silentLogger());
    // 2027-03-13 12:00 UTC; New York moves from 02:00 EST to 03:00 EDT on 2027-03-14.
    const clock = new FakeClock(Date.parse('2027-03-13T12:00:00Z'));
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [
      schedule('cron(30 2 * * ? *)', { kind: 'scheduler', timeZone: 'America/New_York' }),
    ]);

    // Up to 2027-03-16 12:00 UTC: 02:30 on the 14th does not exist, so only the 15th and
    // the 16th fire (02:30 EDT is 06:30 UTC).
    clock.advance(3 * 24 * HOUR_MS);
    assert.equal(enqueued.length, 2);
    const lastMs = store.schedules.find('Nightly')?.lastScheduledMs;
    assert.equal(lastMs, Date.parse('2027-03-16T06:30:00Z'));
    store.close();
  });

  it('fires fall-back repeated time once', () => {
    const store = StateStore.open(':memory:', silentLogger());
    // New York moves from 02:00 EDT back to 01:00 EST on 2027-11-07.
    const clock = new FakeClock(Date.parse('2027-11-06T12:00:00Z'));
    const enqueued: Enqueued[] = [];
    start(store, clock, enqueued, [
      schedule('cron(30 1 * * ? *)', { kind: 'scheduler', timeZone: 'America/New_York' }),
    ]);

    clock.advance(24 * HOUR_MS);
    assert.equal(enqueued.length, 1);
    assert.equal(
      store.schedules.find('Nightly')?.lastScheduledMs,
      Date.parse('2027-11-07T05:30:00Z'),
    );
    store.close();
  });

  it('trigger fires now and keeps the timing', async () => {
    const store = StateStore.open(':memory:', silentLogger());
    const clock = new FakeClock(START_MS);
    const enqueued: Enqueued[] = [];
    const scheduler = start(store, clock, enqueued, [schedule('rate(1 hour)')]);

    const requestId = await scheduler.trigger('Nightly');
    assert.equal(enqueued.length, 1);
    assert.equal(store.schedules.find('Nightly')?.lastRequestId, requestId);
    assert.equal(store.schedules.find('Nightly')?.lastScheduledMs, undefined);
    clock.advance(HOUR_MS);
    assert.equal(enqueued.length, 2);
    await assert.rejects(scheduler.trigger('Missing'), /schedule 'Missing' not found/);
    store.close();
  });
});
