import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../src/environments/launch.js';
import { DEFAULT_ACCOUNT, Platform } from '../src/platform.js';
import type { SchedulerClock } from '../src/services/schedules/scheduler.js';
import type { InvocationRecord } from '../src/state/store.js';
import { loadTemplate, type LoadedTemplate } from '../src/template/load.js';
import { isolateAwsEnvironment, PROJECTS_DIR } from './helpers.js';
import { FakeClock } from '../src/services/schedules/fake-clock.js';

isolateAwsEnvironment();

const PROJECT_DIR = path.join(PROJECTS_DIR, 'py-eventbridge-schedule');
const HANDLER_DIR = path.join(PROJECT_DIR, 'src');
const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'lambdacraft.cjs');
/** AWS SAM CLI's rendered sample of the Scheduled Event. */
const RENDERED_EVENT = path.join(PROJECT_DIR, 'events', 'cloudwatch-scheduled-event.json');
const MINUTE_MS = 60_000;

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-schedules-'));
  tempDirs.push(dir);
  return dir;
}

/** Writes a template whose function runs the project's handler, with the given events. */
function writeProject(events: string): string {
  const dir = tempDir();
  const template = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Job:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: job
      CodeUri: ${HANDLER_DIR}
      Handler: app.lambda_handler
      Runtime: python3.11
      Events:
${events}
`;
  writeFileSync(path.join(dir, 'template.yaml'), template);
  return path.join(dir, 'template.yaml');
}

function load(templateFile: string): LoadedTemplate {
  return loadTemplate(templateFile, { account: DEFAULT_ACCOUNT, parameterOverrides: {} });
}

async function start(
  template: LoadedTemplate,
  dataDir: string,
  clock: SchedulerClock,
): Promise<Platform> {
  return Platform.start({
    dataDir,
    functions: [...template.functions.values()],
    schedules: template.schedules.schedules,
    scheduleClock: clock,
    spares: false,
  });
}

/** Waits until the function has `count` finished invocations; returns them. */
async function invocations(platform: Platform, count: number): Promise<InvocationRecord[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const records = platform.store.recentInvocations(undefined, 100);
    if (records.length >= count || Date.now() > deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The event the handler printed, from the JSON line of its log. */
function loggedEvent(record: InvocationRecord): Record<string, unknown> {
  const line = record.log.split('\n').find((item) => item.trimStart().startsWith('{'));
  assert.ok(line !== undefined, `no event line in log:\n${record.log}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('schedules on a running platform', () => {
  it('fixture project gets the Scheduled Event', async () => {
    const template = load(path.join(PROJECT_DIR, 'template.yaml'));
    const clock = new FakeClock(Date.parse('2026-12-04T12:00:00Z'));
    const platform = await start(template, tempDir(), clock);
    try {
      // rate(1 minute) fires one minute after start, not at once.
      clock.advance(MINUTE_MS - 1000);
      assert.equal((await invocations(platform, 0)).length, 0);
      clock.advance(1000);
      const [record] = await invocations(platform, 1);
      assert.ok(record !== undefined);
      assert.equal(record.source, 'schedule');
      assert.equal(record.outcome, 'success');
      assert.match(record.log, /Hello World/);

      const event = loggedEvent(record);
      const rendered = JSON.parse(readFileSync(RENDERED_EVENT, 'utf8')) as Record<string, unknown>;
      // The rendered sample has no version; the reference event and AWS send "0".
      assert.equal(event.version, '0');
      for (const key of Object.keys(rendered)) assert.ok(key in event, `event lacks ${key}`);
      assert.deepEqual(Object.keys(event).sort(), [...Object.keys(rendered), 'version'].sort());
      assert.equal(event['detail-type'], rendered['detail-type']);
      assert.equal(event.source, rendered.source);
      assert.deepEqual(event.detail, rendered.detail);
      assert.equal(event.account, '000000000000');
      assert.equal(event.region, 'us-east-1');
      assert.equal(event.time, '2026-12-04T12:01:00Z');
      assert.deepEqual(event.resources, [
        'arn:aws:events:us-east-1:000000000000:rule/ScheduledFunctionScheduledFunction',
      ]);
      assert.match(
        String(event.id),
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
    } finally {
      await platform.close();
    }
  });

  it('no double fire across a restart', async () => {
    const template = load(path.join(PROJECT_DIR, 'template.yaml'));
    const dataDir = tempDir();
    const clock = new FakeClock(Date.parse('2026-12-04T12:00:00Z'));
    let platform = await start(template, dataDir, clock);
    clock.advance(MINUTE_MS);
    assert.equal((await invocations(platform, 1)).length, 1);
    await platform.close();

    // Same data folder, same instant: the 12:01 time already fired.
    platform = await start(template, dataDir, clock);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(platform.store.recentInvocations(undefined, 100).length, 1);
      clock.advance(MINUTE_MS);
      const records = await invocations(platform, 2);
      assert.equal(records.length, 2);
      const times = records.map((record) => loggedEvent(record).time);
      assert.deepEqual(times, ['2026-12-04T12:01:00Z', '2026-12-04T12:02:00Z']);
    } finally {
      await platform.close();
    }
  });

  it('Input replaces the event; disabled never fires', async () => {
    const template = load(
      writeProject(`        WithInput:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
            Input: '{"job": "purge", "days": 7}'
        Off:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
            Enabled: false
        Paused:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 minute)
            State: DISABLED`),
    );
    assert.deepEqual(template.schedules.errors, []);
    const clock = new FakeClock(Date.parse('2026-12-04T12:00:00Z'));
    const platform = await start(template, tempDir(), clock);
    try {
      clock.advance(5 * MINUTE_MS);
      const records = await invocations(platform, 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(platform.store.recentInvocations(undefined, 100).length, 1);
      assert.deepEqual(loggedEvent(records[0] as InvocationRecord), { days: 7, job: 'purge' });
    } finally {
      await platform.close();
    }
  });

  it('CLI trigger fires a schedule now', async () => {
    const template = load(path.join(PROJECT_DIR, 'template.yaml'));
    const clock = new FakeClock(Date.parse('2026-12-04T12:00:00Z'));
    const platform = await start(template, tempDir(), clock);
    try {
      const endpoint = await platform.listen(0, '127.0.0.1');
      const { stdout } = await promisify(execFile)(process.execPath, [
        CLI,
        'schedules',
        'trigger',
        'ScheduledFunctionScheduledFunction',
        '--endpoint',
        endpoint,
      ]);
      assert.match(stdout, /schedule ScheduledFunctionScheduledFunction fired: request \S+ queued/);
      const [record] = await invocations(platform, 1);
      assert.equal(record?.outcome, 'success');
      assert.ok(record !== undefined);
      assert.equal(loggedEvent(record)['detail-type'], 'Scheduled Event');

      const missing = promisify(execFile)(process.execPath, [
        CLI,
        'schedules',
        'trigger',
        'Missing',
        '--endpoint',
        endpoint,
      ]);
      await assert.rejects(missing, /schedule 'Missing' not found/);
    } finally {
      await platform.close();
    }
  });
});

describe('schedules command', () => {
  it('prints next times and last run', async () => {
    const templateFile = path.join(PROJECT_DIR, 'template.yaml');
    const template = load(templateFile);
    const dataDir = tempDir();
    // The CLI reads the real clock, so this platform starts from it; its rate counts from
    // the next whole second.
    const clock = new FakeClock(Date.now());
    const platform = await start(template, dataDir, clock);
    try {
      clock.advance(MINUTE_MS + 1000);
      const [record] = await invocations(platform, 1);
      assert.ok(record !== undefined);
      platform.store.flush();

      const { stdout } = await promisify(execFile)(process.execPath, [
        CLI,
        'schedules',
        templateFile,
        '--data-dir',
        dataDir,
      ]);
      const lines = stdout.split('\n');
      assert.match(
        lines[0] ?? '',
        /^ScheduledFunctionScheduledFunction {2}rate\(1 minute\) -> ScheduledFunction {2}\(resource 'ScheduledFunction' event 'ScheduledFunction'\)$/,
      );
      assert.match(lines[1] ?? '', /^ {2}next: (\S+Z, ){2}\S+Z$/);
      assert.equal(
        lines[2]?.replace(/queued \S+Z/, 'queued TIME').replace(/in \d+ ms/, 'in N ms'),
        `  last run: request ${record.requestId} queued TIME, success in N ms`,
      );
    } finally {
      await platform.close();
    }
  });
});

describe('schedules in templates', () => {
  it('rate(1 minutes) is rejected', () => {
    const template = load(
      writeProject(`        Bad:
          Type: Schedule
          Properties:
            Schedule: rate(1 minutes)`),
    );
    assert.deepEqual(template.schedules.schedules, []);
    assert.deepEqual(template.schedules.errors, [
      "resource 'Job' event 'Bad': Schedule 'rate(1 minutes)' write rate(1 minute): the unit is singular for 1",
    ]);
  });

  it('both day fields set is rejected', () => {
    const template = load(
      writeProject(`        Bad:
          Type: Schedule
          Properties:
            Schedule: cron(0 18 * * MON-FRI *)`),
    );
    assert.match(
      template.schedules.errors[0] ?? '',
      /Schedule 'cron\(0 18 \* \* MON-FRI \*\)' day-of-month and day-of-week are both set; one of them must be \?/,
    );
  });

  it('reads ScheduleV2 with time zone, dates and ignored properties', () => {
    const template = load(
      writeProject(`        Morning:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 ? * MON-FRI *)
            ScheduleExpressionTimezone: Europe/Paris
            StartDate: '2030-01-01T00:00:00Z'
            EndDate: '2031-01-01T00:00:00Z'
            FlexibleTimeWindow:
              Mode: FLEXIBLE
              MaximumWindowInMinutes: 5
            RetryPolicy:
              MaximumRetryAttempts: 2`),
    );
    const [schedule] = template.schedules.schedules;
    assert.equal(schedule?.name, 'JobMorning');
    assert.equal(schedule?.kind, 'scheduler');
    assert.equal(schedule?.timeZone, 'Europe/Paris');
    assert.equal(schedule?.startMs, Date.parse('2030-01-01T00:00:00Z'));
    assert.equal(schedule?.endMs, Date.parse('2031-01-01T00:00:00Z'));
    assert.ok(template.ignoredProperties.some((item) => item.startsWith('FlexibleTimeWindow')));
    assert.ok(template.ignoredProperties.some((item) => item.startsWith('RetryPolicy')));
    assert.equal(template.http.notRun.length, 0);
  });

  it('reads rule and Scheduler resources', () => {
    const file = writeProject(`        Unused:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
            Name: unused-rule`);
    const text = readFileSync(file, 'utf8').replace(
      'Resources:\n',
      `Resources:
  NightlyRule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 2 * * ? *)
      State: ENABLED
      Targets:
        - Id: job
          Arn: !GetAtt Job.Arn
          Input: '{"from": "rule"}'
  OneOff:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: at(2030-06-01T08:00:00)
      ScheduleExpressionTimezone: America/New_York
      FlexibleTimeWindow:
        Mode: 'OFF'
      Target:
        Arn: !GetAtt Job.Arn
        RoleArn: arn:aws:iam::000000000000:role/scheduler
`,
    );
    writeFileSync(file, text);
    const template = load(file);
    assert.deepEqual(template.schedules.errors, []);
    const byName = new Map(template.schedules.schedules.map((item) => [item.name, item]));
    assert.equal(byName.get('NightlyRule')?.functionName, 'job');
    assert.equal(byName.get('NightlyRule')?.input, '{"from": "rule"}');
    assert.equal(byName.get('OneOff')?.kind, 'scheduler');
    assert.equal(byName.get('unused-rule')?.expression, 'rate(1 day)');
    assert.deepEqual(template.notRunResources, []);
  });
});
