/** Gives a slot back; call it once. */
export type ReleaseSlot = () => void;

/**
 * A first-come, first-served limit on environments starting at once across the platform.
 * Starting a runtime is CPU work (spawning, importing, initialising the handler). When a
 * burst needs hundreds of environments on a machine with two CPUs, starting them all at
 * once makes every one of them slow: late ones overrun Lambda's Init limit and their
 * requests fail. With a few starts at a time, each start is quick, environments come up at
 * the rate the CPUs allow, and requests that a started environment can serve sooner no
 * longer need a start of their own.
 */
export class StartSlots {
  readonly capacity: number;
  readonly #waiting: ((release: ReleaseSlot) => void)[] = [];
  #inUse = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`start slots need a whole capacity of at least 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Starts waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(): Promise<ReleaseSlot> {
    if (this.#inUse < this.capacity) {
      this.#inUse += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#inUse -= 1;
      else next(this.#releaser());
    };
  }
}
