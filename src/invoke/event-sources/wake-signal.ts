/**
 * Wakes a sleeping poller early. A wake that arrives while the poller is busy is kept, so
 * the next wait returns at once and no appended record waits for the timer.
 */
export class WakeSignal {
  #pending = false;
  #resolve: (() => void) | undefined;

  wake(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#pending = true;
      return;
    }
    this.#resolve = undefined;
    resolve();
  }

  /** Resolves after `timeoutMs` or at the next wake, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#resolve = undefined;
        resolve();
      }, timeoutMs);
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
