import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A shell that keeps the registered process group ids and kills those groups when its
 * standard input closes. The pipe closes when the platform's process ends in any way,
 * SIGKILL included.
 */
const GUARD_SCRIPT = `
groups=" "
while read -r change group; do
  case "$change$groups" in
    "+"*) groups="$groups$group " ;;
    "-"*" $group "*) groups="\${groups%% $group *} \${groups#* $group }" ;;
  esac
done
for group in $groups; do kill -s KILL -- "-$group" 2>/dev/null; done
`;

/**
 * Kills the runtimes of the platform's environments once the platform's process is gone.
 * Each runtime leads a process group in a session of its own, so no signal reaches it when
 * the platform dies. A frozen runtime cannot even notice that its Runtime API connection
 * closed, so it would stay stopped for good.
 *
 * NOTE: if the guard's shell is killed, the groups registered until then are no longer
 * guarded; the next registration starts a new shell.
 */
export class ProcessGroupGuard {
  #shell: ChildProcess | undefined;

  /** Registers the process group led by `pid`. */
  add(pid: number): void {
    this.#send(`+ ${pid}\n`);
  }

  /** Removes a process group that has ended, so its id is never killed once reused. */
  remove(pid: number): void {
    this.#send(`- ${pid}\n`);
  }

  #send(line: string): void {
    this.#shell ??= this.#startShell();
    this.#shell.stdin?.write(line);
  }

  #startShell(): ChildProcess {
    const shell = spawn('/bin/sh', ['-c', GUARD_SCRIPT], {
      stdio: ['pipe', 'ignore', 'ignore'],
      // A session of its own, so a Ctrl-C meant for the platform leaves the guard running.
      detached: true,
    });
    shell.unref();
    // Writes after the shell died fail with EPIPE; the next write starts a new shell.
    shell.stdin?.on('error', () => undefined);
    shell.once('error', () => undefined);
    shell.once('exit', () => {
      if (this.#shell === shell) this.#shell = undefined;
    });
    return shell;
  }
}

/** The guard of every environment in this process. */
export const processGroupGuard = new ProcessGroupGuard();
