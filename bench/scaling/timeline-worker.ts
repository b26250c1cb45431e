// Worker thread of TreeTimeline: reads /proc every interval off the harness's event loop,
// so sampling does not delay the requests the harness times.
import { readdirSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

import {
  identifyProcess,
  sampleProcesses,
  type ProcessIdentity,
  type TreeSample,
} from '../process-tree.js';
import {
  epochMs,
  type CountSample,
  type TimelinePeaks,
  type TimelineReply,
  type TimelineRequest,
  type TimelineSetup,
} from './timeline.js';

const { rootPid, intervalMs, treeRssEvery, pssEvery } = workerData as TimelineSetup;
const seen = new Map<number, ProcessIdentity>();
const counts: CountSample[] = [];
const peaks: TimelinePeaks = {
  rootRssKb: 0,
  treeRssKb: 0,
  treePssKb: 0,
  maxDescendants: 0,
  samples: 0,
  meanSampleMs: 0,
};
let totalSampleMs = 0;

/**
 * Lists the root's children from /proc/<pid>/task/<tid>/children, one small file per
 * thread of the root. The platform spawns every runtime process itself, so its children are
 * the whole tree. Scanning all of /proc instead reads one file per process on the machine,
 * which takes tens of milliseconds per sample with 1,000 environments.
 */
function childPids(): number[] {
  const pids: number[] = [];
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${rootPid}/task`);
  } catch {
    return pids;
  }
  for (const thread of threads) {
    for (const item of readChildren(thread).split(' ')) {
      const pid = Number(item);
      if (item.trim() !== '' && Number.isInteger(pid)) pids.push(pid);
    }
  }
  return pids;
}

/** Reads one thread's children file; a thread that has ended has none. */
function readChildren(thread: string): string {
  try {
    return readFileSync(`/proc/${rootPid}/task/${thread}/children`, 'latin1');
  } catch {
    return '';
  }
}

/** Lists the root's children, records their count, and reads the memory `options` selects. */
function takeSample(options: { treeRss: boolean; pss: boolean }): TreeSample {
  const started = epochMs();
  const descendants = childPids();
  for (const pid of descendants) {
    if (seen.has(pid)) continue;
    const identity = identifyProcess(pid);
    if (identity !== undefined) seen.set(pid, identity);
  }
  counts.push({ atMs: started, descendants: descendants.length });

  // Without treeRss only the root is read: an empty descendant list keeps the sample cheap.
  const { sample } = sampleProcesses(rootPid, options.treeRss ? descendants : [], options);
  peaks.rootRssKb = Math.max(peaks.rootRssKb, sample.rootRssKb);
  if (options.treeRss) peaks.treeRssKb = Math.max(peaks.treeRssKb, sample.treeRssKb);
  peaks.treePssKb = Math.max(peaks.treePssKb, sample.treePssKb ?? 0);
  peaks.maxDescendants = Math.max(peaks.maxDescendants, descendants.length);
  peaks.samples += 1;
  totalSampleMs += epochMs() - started;
  peaks.meanSampleMs = totalSampleMs / peaks.samples;
  return sample;
}

const timer = setInterval(() => {
  const count = peaks.samples;
  const pss = count % pssEvery === 0;
  takeSample({ treeRss: pss || count % treeRssEvery === 0, pss });
}, intervalMs);
takeSample({ treeRss: true, pss: true });

parentPort?.on('message', (message: TimelineRequest) => {
  let reply: TimelineReply;
  if (message.type === 'snapshot') {
    reply = { type: 'snapshot', sample: takeSample({ treeRss: true, pss: true }) };
  } else {
    clearInterval(timer);
    takeSample({ treeRss: true, pss: false });
    reply = { type: 'stopped', counts, peaks, seen: [...seen.values()] };
  }
  parentPort?.postMessage(reply);
  if (message.type === 'stop') parentPort?.close();
});
