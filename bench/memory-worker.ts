// Worker thread of MemorySampler: reads /proc every interval off the harness's event loop,
// so sampling does not delay the requests the harness times.
import { parentPort, workerData } from 'node:worker_threads';

import {
  descendantPids,
  identifyProcess,
  sampleProcesses,
  type ProcessIdentity,
  type TreeSample,
} from './process-tree.js';
import type { MemoryPeaks, SamplerReply, SamplerRequest, SamplerSetup } from './memory-sampler.js';

const { rootPid, intervalMs, pssEvery, scanEvery } = workerData as SamplerSetup;
const seen = new Map<number, ProcessIdentity>();
/** Descendants found by the last scan of /proc and still alive at the last sample. */
let descendants: number[] = [];
const peaks: MemoryPeaks = {
  rootRssKb: 0,
  treeRssKb: 0,
  treePssKb: 0,
  processesAtTreeRssPeak: 0,
  maxProcesses: 0,
  samples: 0,
  meanSampleMs: 0,
};
let totalSampleMs = 0;

function takeSample(options: { pss: boolean; scan: boolean }): TreeSample {
  const started = process.hrtime.bigint();
  if (options.scan) {
    descendants = descendantPids(rootPid);
    for (const pid of descendants) {
      if (seen.has(pid)) continue;
      const identity = identifyProcess(pid);
      if (identity !== undefined) seen.set(pid, identity);
    }
  }
  const result = sampleProcesses(rootPid, descendants, options);
  const sample = result.sample;
  descendants = result.liveDescendants;

  peaks.rootRssKb = Math.max(peaks.rootRssKb, sample.rootRssKb);
  peaks.treePssKb = Math.max(peaks.treePssKb, sample.treePssKb ?? 0);
  peaks.maxProcesses = Math.max(peaks.maxProcesses, sample.processes);
  if (sample.treeRssKb > peaks.treeRssKb) {
    peaks.treeRssKb = sample.treeRssKb;
    peaks.processesAtTreeRssPeak = sample.processes;
  }
  peaks.samples += 1;
  totalSampleMs += Number(process.hrtime.bigint() - started) / 1e6;
  peaks.meanSampleMs = totalSampleMs / peaks.samples;
  return sample;
}

const timer = setInterval(() => {
  const count = peaks.samples;
  takeSample({ pss: count % pssEvery === 0, scan: count % scanEvery === 0 });
}, intervalMs);
takeSample({ pss: true, scan: true });

parentPort?.on('message', (message: SamplerRequest) => {
  let reply: SamplerReply;
  if (message.type === 'snapshot') {
    reply = { type: 'snapshot', sample: takeSample({ pss: true, scan: true }) };
  } else {
    clearInterval(timer);
    takeSample({ pss: true, scan: true });
    reply = { type: 'stopped', peaks, seen: [...seen.values()] };
  }
  parentPort?.postMessage(reply);
  if (message.type === 'stop') parentPort?.close();
});
