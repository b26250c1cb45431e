// Tables, goal verdicts and problems of the object store benchmark.
import { formatNumber, type Goal } from '../report.js';
import { markdownTable } from '../tables.js';
import { stopProblems } from '../problems.js';
import { megabytesPerSecond } from './file-floor.js';
import { HTTP_FLOOR_LABEL, type ObjectsResult } from './measure.js';
import type { Transfer } from './large-object.js';

/** The goals of the section. */
const SMALL_PUT_GOAL_PER_SECOND = 2_000;
const RAW_SPEED_SHARE_GOAL = 0.5;
const HANDLER_P50_GOAL_MS = 10;
/**
 * The harness's own bound for "the platform streams, it does not buffer": a quarter of the
 * default 256 MiB object. Buffering a whole object would add at least its size.
 */
const RSS_GROWTH_GOAL_MB = 64;

const KB_PER_MB = 1024;

export function objectsTables(result: ObjectsResult): string {
  return [
    `Small objects (${result.settings.smallRequests} requests of 4 KiB per row; one SDK client and one Node http agent, one socket per concurrent request):`,
    smallTable(result),
    `Large object (${result.settings.largeMegabytes} MiB, MB = 2^20 bytes; platform RSS: VmRSS of the \`lambdacraft up\` process, ${formatMb(result.rootRssBeforeLargeKb)} MB before the phase):`,
    largeTable(result),
    'Upload to handler start (PutObject response to time.time() on entry of a Python handler):',
    notificationTable(result),
  ].join('\n\n');
}

function smallTable(result: ObjectsResult): string {
  return markdownTable(
    [
      'side and operation',
      'concurrency',
      'ops/s',
      'p50 ms',
      'p99 ms',
      'client CPU ms/op',
      'server CPU ms/op',
      'errors',
    ],
    result.small.map((phase) => [
      phase.label,
      String(phase.concurrency),
      formatNumber(phase.perSecond),
      formatNumber(phase.p50Ms),
      formatNumber(phase.p99Ms),
      formatNumber(phase.clientCpuMsPerOperation),
      formatNumber(phase.serverCpuMsPerOperation),
      String(phase.errors),
    ]),
  );
}

function largeTable(result: ObjectsResult): string {
  const floor = result.largeFloor;
  const speed = (seconds: number | undefined) =>
    floor === undefined || seconds === undefined
      ? Number.NaN
      : megabytesPerSecond(floor.bytes, seconds);
  const rawWrite = speed(floor?.writeSeconds);
  const rawRead = speed(floor?.readSeconds);
  const floorRow = (label: string, seconds: number | undefined, megabytes: number) => [
    label,
    formatNumber(seconds ?? Number.NaN),
    formatNumber(megabytes),
    '1',
    'n/a',
    'n/a',
    'n/a',
  ];
  const rows = [
    floorRow('floor: file write + fsync', floor?.writeSeconds, rawWrite),
    floorRow('floor: file read', floor?.readSeconds, rawRead),
    ...result.transfers.map((transfer) => {
      return [
        transfer.label,
        formatNumber(transfer.seconds),
        formatNumber(transfer.megabytesPerSecond),
        formatNumber(shareOfRaw(floor, transfer)),
        formatMb(transfer.peakRootRssKb),
        formatNumber(transfer.clientCpuSeconds),
        formatNumber(transfer.serverCpuSeconds),
      ];
    }),
  ];
  return markdownTable(
    [
      'transfer',
      'seconds',
      'MB/s',
      'share of raw',
      'platform RSS peak MB',
      'client CPU s',
      'platform CPU s',
    ],
    rows,
  );
}

/**
 * Returns a transfer's speed over the raw file speed in its direction: the raw read for a
 * download, the raw write for an upload. It is NaN when the file floor was not measured.
 */
function shareOfRaw(floor: ObjectsResult['largeFloor'], transfer: Transfer): number {
  const rawSeconds = transfer.direction === 'download' ? floor?.readSeconds : floor?.writeSeconds;
  return floor === undefined || rawSeconds === undefined
    ? Number.NaN
    : transfer.megabytesPerSecond / megabytesPerSecond(floor.bytes, rawSeconds);
}

function notificationTable(result: ObjectsResult): string {
  const notifications = result.notifications;
  if (notifications === undefined) return 'not measured: the phase failed (see Problems)';
  if (notifications.skipped !== undefined) return `not measured: ${notifications.skipped}`;
  return markdownTable(
    ['uploads', 'handler starts recorded', 'p50 ms', 'p99 ms', 'min ms', 'max ms'],
    [
      [
        String(notifications.uploads),
        String(notifications.recorded),
        formatNumber(notifications.p50Ms),
        formatNumber(notifications.p99Ms),
        formatNumber(notifications.minMs),
        formatNumber(notifications.maxMs),
      ],
    ],
  );
}

export function objectsGoals(result: ObjectsResult | undefined): Goal[] {
  const at32 = (label: string) =>
    result?.small.find((phase) => phase.label === label && phase.concurrency === 32)?.perSecond;
  const putGoal = (description: string, value: number | undefined) =>
    goal(
      description,
      `>= ${SMALL_PUT_GOAL_PER_SECOND.toLocaleString('en-US')} /s`,
      value,
      '/s',
      (perSecond) => perSecond >= SMALL_PUT_GOAL_PER_SECOND,
    );
  const goals: Goal[] = [
    putGoal(
      'object store: 4 KiB SDK PutObject at concurrency 32',
      at32('LambdaCraft: SDK PutObject'),
    ),
    putGoal(
      'object store: 4 KiB unsigned PUT (Node http client) at concurrency 32',
      at32('LambdaCraft: unsigned PUT, Node http'),
    ),
  ];

  const floor = result?.largeFloor;
  const transfers = result?.transfers ?? [];
  const isFloor = (transfer: Transfer) => transfer.label.startsWith(HTTP_FLOOR_LABEL);
  const platformTransfers = transfers.filter((transfer) => !isFloor(transfer));
  for (const transfer of platformTransfers) {
    const entry = goal(
      `object store: large ${transfer.label} vs raw file ${transfer.direction === 'download' ? 'read' : 'write'}`,
      `>= ${RAW_SPEED_SHARE_GOAL}x`,
      shareOfRaw(floor, transfer),
      'x',
      (value) => value >= RAW_SPEED_SHARE_GOAL,
    );
    // The bare HTTP server's share in the same direction is the highest any store can reach with
    // this client on the machine.
    const bare = transfers.find(
      (other) => isFloor(other) && other.direction === transfer.direction,
    );
    const bareShare = bare === undefined ? Number.NaN : shareOfRaw(floor, bare);
    if (entry.verdict !== 'not measured' && Number.isFinite(bareShare)) {
      entry.measured += `; bare HTTP floor ${formatNumber(bareShare)} x`;
    }
    goals.push(entry);
  }

  const peakKb = Math.max(...platformTransfers.map((transfer) => transfer.peakRootRssKb));
  const growthMb = (peakKb - (result?.rootRssBeforeLargeKb ?? Number.NaN)) / KB_PER_MB;
  goals.push(
    goal(
      'object store: platform RSS growth during large transfers',
      `< ${RSS_GROWTH_GOAL_MB} MB`,
      growthMb,
      'MB',
      (value) => value < RSS_GROWTH_GOAL_MB,
    ),
    goal(
      'object store: upload to handler start p50',
      `< ${HANDLER_P50_GOAL_MS} ms`,
      result?.notifications?.p50Ms,
      'ms',
      (value) => value < HANDLER_P50_GOAL_MS,
    ),
  );
  return goals;
}

export function objectsProblems(result: ObjectsResult): string[] {
  const lines = result.failures.map((failure) => `objects: phase failed: ${failure}`);
  for (const phase of result.small) {
    if (phase.errors > 0) {
      lines.push(
        `objects, ${phase.label} at concurrency ${phase.concurrency}: ${phase.errors} failed requests, first: ${phase.errorExcerpt.join('; ')}`,
      );
    }
  }
  for (const transfer of result.transfers) {
    if (transfer.error !== undefined) lines.push(`objects, ${transfer.label}: ${transfer.error}`);
  }
  const notifications = result.notifications;
  if (notifications !== undefined && notifications.skipped === undefined) {
    const missing = notifications.uploads - notifications.recorded;
    if (missing > 0)
      lines.push(`objects, upload to handler: ${missing} handler starts not recorded`);
  }
  lines.push(...stopProblems(result.platformStop, 'objects, LambdaCraft'));
  lines.push(...stopProblems(result.floorStop, 'objects, HTTP floor'));
  lines.push(...stopProblems(result.largeFloorStop, 'objects, HTTP floor of the large upload'));
  return lines;
}

function goal(
  description: string,
  target: string,
  value: number | undefined,
  unit: string,
  passes: (value: number) => boolean,
): Goal {
  if (value === undefined || !Number.isFinite(value)) {
    return { description, target, measured: 'n/a', verdict: 'not measured' };
  }
  return {
    description,
    target,
    measured: `${formatNumber(value)} ${unit}`,
    verdict: passes(value) ? 'met' : 'not met',
  };
}

function formatMb(kilobytes: number): string {
  return formatNumber(kilobytes / KB_PER_MB);
}
