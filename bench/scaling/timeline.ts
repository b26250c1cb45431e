import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { ProcessIdentity, TreeSample } from '../process-tree.js';

export interface TimelineSetup {
  rootPid: number;
  /** Interval of the process count samples. */
  intervalMs: number;
  /** Every how many samples the RSS of every process in the tree is read too. */
  treeRssEvery: number;
  /** Every how many samples PSS is read too. Snapshots always read it. */
  pssEvery: number;
}

/** Child processes of the root at one moment. */
export interface CountSample {
  /** Milliseconds since the Unix epoch, from `performance.timeOrigin + performance.now()`. */
  atMs: number;
  descendants: number;
}

/** Maximum of each figure over the samples, in kilobytes. */
export interface TimelinePeaks {
  rootRssKb: number;
  /** Highest RSS summed over the tree, from the samples that read it and the snapshots. */
  treeRssKb: number;
  /** Highest PSS summed over the tree, from the samples that read it and the snapshots. */
  treePssKb: number;
  maxDescendants: number;
  samples: number;
  /** Mean time one sample took to read /proc, a measure of the sampler's own cost. */
  meanSampleMs: number;
}

export type TimelineRequest = { type: 'snapshot' } | { type: 'stop' };
export type TimelineReply =
  | { type: 'snapshot'; sample: TreeSample }
  | { type: 'stopped'; counts: CountSample[]; peaks: TimelinePeaks; seen: ProcessIdentity[] };

/** Returns the clock both threads share: milliseconds since the Unix epoch, sub-millisecond. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Counts the child processes of a root at a fixed interval in a worker thread and keeps
 * every count with its time, so that the harness can tell how fast a platform starts
 * environments. It reads the root's RSS at every sample, the tree's RSS every
 * `treeRssEvery` samples, and PSS every `pssEvery` samples and in snapshots. PSS is read
 * rarely because smaps_rollup walks the page tables of each process. That took about
 * 0.64 ms per idle Python process on a shared 2-CPU VM, so about 640 ms for 1,000.
 */
export class TreeTimeline {
  readonly #worker: Worker;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static start(setup: TimelineSetup): TreeTimeline {
    const worker = new Worker(new URL('./timeline-worker.js', import.meta.url), {
      workerData: setup,
    });
    return new TreeTimeline(worker);
  }

  /** Takes one full sample now, PSS included. */
  async snapshot(): Promise<TreeSample> {
    const reply = await this.#request({ type: 'snapshot' });
    if (reply.type !== 'snapshot') throw new Error(`timeline sampler replied '${reply.type}'`);
    return reply.sample;
  }

  /** Stops the worker and returns the counts, the peaks and every process seen. */
  async stop(): Promise<{ counts: CountSample[]; peaks: TimelinePeaks; seen: ProcessIdentity[] }> {
    // Listen first: Node 20 may emit the reply and 'exit' in one synchronous call.
    const exited = once(this.#worker, 'exit');
    const reply = await this.#request({ type: 'stop' });
    if (reply.type !== 'stopped') throw new Error(`timeline sampler replied '${reply.type}'`);
    await exited;
    return { counts: reply.counts, peaks: reply.peaks, seen: reply.seen };
  }

  async #request(request: TimelineRequest): Promise<TimelineReply> {
    const reply = once(this.#worker, 'message') as Promise<[TimelineReply]>;
    this.#worker.postMessage(request);
    const [message] = await reply;
    return message;
  }
}
