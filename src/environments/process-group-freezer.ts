/**
 * Stops and resumes the process group of a runtime, so that threads and timers a handler
 * left running do not run while its environment is idle, as Lambda freezes idle
 * environments. SIGSTOP cannot be caught or ignored, so a handler cannot opt out.
 *
 * A stopped process still dies from SIGKILL and can still be read in /proc, but any other
 * signal (SIGTERM included) stays pending until SIGCONT. Code that ends an environment
 * with a catchable signal must call `thaw` first.
 */
export class ProcessGroupFreezer {
  #pid: number | undefined;

  /** True between a successful `freeze` and the next `thaw`. */
  get frozen(): boolean {
    return this.#pid !== undefined;
  }

  /** Sends SIGSTOP to the process group led by `pid`, and returns false when the group is gone. */
  freeze(pid: number): boolean {
    if (this.#pid !== undefined) return true;

    try {
      process.kill(-pid, 'SIGSTOP');
    } catch {
      return false;
    }
    this.#pid = pid;
    return true;
  }

  /** Sends SIGCONT to the frozen process group, if there is one. */
  thaw(): void {
    const pid = this.#pid;
    if (pid === undefined) return;

    this.#pid = undefined;
    try {
      process.kill(-pid, 'SIGCONT');
    } catch {
      // The group is already gone, and the environment learns so from the exit event.
    }
  }
}
