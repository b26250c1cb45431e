import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { ProcessIdentity, TreeSample } from './process-tree.js';

export interface SamplerSetup {
  rootPid: number;
  /** Interval of the VmRSS samples. */
  intervalMs: number;
  /** Every how many samples PSS is read too; snapshots always read it. */
  pssEvery: number;
  /** Every how many samples /proc is scanned for new descendants; snapshots always scan. */
  scanEvery: number;
}

/** Maximum of each figure over every sample of a run; kilobytes. */
export interface MemoryPeaks {
  rootRssKb: number;
  treeRssKb: number;
  /** Highest of the samples that read PSS, so a shorter peak between them can be missed. */
  treePssKb: number;
  /** Processes in the tree at the sample with the highest summed RSS. */
  processesAtTreeRssPeak: number;
  maxProcesses: number;
  samples: number;
  /** Mean time one sample took to read /proc, a measure of the sampler's own cost. */
  meanSampleMs: number;
}

export type SamplerRequest = { type: 'snapshot' } | { type: 'stop' };
export type SamplerReply =
  | { type: 'snapshot'; sample: TreeSample }
  | { type: 'stopped'; peaks: MemoryPeaks; seen: ProcessIdentity[] };

/**
 * Samples the resident memory of a process tree at a fixed interval in a worker thread,
 * keeping the peaks and every process it saw (for the check that none outlives the target).
 */
export class MemorySampler {
  readonly #worker: Worker;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static start(setup: SamplerSetup): MemorySampler {
    const worker = new Worker(new URL('./memory-worker.js', import.meta.url), {
      workerData: setup,
    });
    return new MemorySampler(worker);
  }

  /** Takes one sample now, outside the interval. */
  async snapshot(): Promise<TreeSample> {
    const reply = await this.#request({ type: 'snapshot' });
    if (reply.type !== 'snapshot') throw new Error(`memory sampler replied '${reply.type}'`);
    return reply.sample;
  }

  /** Takes a last sample, stops the worker and returns the peaks and the processes seen. */
  async stop(): Promise<{ peaks: MemoryPeaks; seen: ProcessIdentity[] }> {
    // Listen first: when the worker ends before this thread reads its reply, Node 20 emits
    // the reply and 'exit' in one synchronous call (Worker's kOnExit in
    // lib/internal/worker.js), before an await here could add the listener.
    const exited = once(this.#worker, 'exit');
    const reply = await this.#request({ type: 'stop' });
    if (reply.type !== 'stopped') throw new Error(`memory sampler replied '${reply.type}'`);
    await exited;
    return { peaks: reply.peaks, seen: reply.seen };
  }

  async #request(request: SamplerRequest): Promise<SamplerReply> {
    const reply = once(this.#worker, 'message') as Promise<[SamplerReply]>;
    this.#worker.postMessage(request);
    const [message] = await reply;
    return message;
  }
}
