import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Changes closer together than this are handled as one reload. */
const SETTLE_MS = 150;
/** Folders whose changes never change a function: state, dependencies' caches, VCS. */
const IGNORED = /(^|\/)(\.lambdacraft|\.git|__pycache__|\.pytest_cache)(\/|$)/;

export interface WatchTargets {
  templateFile: string;
  /** Code folders of the functions, by function name. */
  codeFolders: Map<string, string>;
  dataDir: string;
}

export interface WatchChanges {
  template: boolean;
  /** Functions with a changed file under their code folder. */
  functions: Set<string>;
}

/**
 * Watches a project's template and its functions' code folders, and calls back once per
 * burst of changes (an editor's save often writes several times).
 */
export class ProjectWatcher {
  readonly #watchers: FSWatcher[] = [];
  readonly #onChange: (changes: WatchChanges) => void;
  #targets: WatchTargets;
  #pending: WatchChanges = { template: false, functions: new Set() };
  #timer: NodeJS.Timeout | undefined;

  constructor(targets: WatchTargets, onChange: (changes: WatchChanges) => void) {
    this.#targets = targets;
    this.#onChange = onChange;
    for (const folder of rootFolders(targets)) {
      const watcher = watch(folder, { recursive: true }, (_event, name) => {
        if (name !== null) this.#record(path.join(folder, name.toString()));
      });
      watcher.on('error', () => watcher.close());
      this.#watchers.push(watcher);
    }
  }

  /** Takes the code folders of a reloaded template. */
  update(targets: WatchTargets): void {
    this.#targets = targets;
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
  }

  #record(file: string): void {
    const { templateFile, codeFolders, dataDir } = this.#targets;
    if (file.startsWith(dataDir + path.sep) || IGNORED.test(file)) return;

    if (file === templateFile) this.#pending.template = true;
    for (const [functionName, folder] of codeFolders) {
      if (file.startsWith(folder + path.sep)) this.#pending.functions.add(functionName);
    }
    if (!this.#pending.template && this.#pending.functions.size === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const changes = this.#pending;
      this.#pending = { template: false, functions: new Set() };
      this.#onChange(changes);
    }, SETTLE_MS);
  }
}

/** The template's folder and every code folder outside it, without nested repeats. */
function rootFolders(targets: WatchTargets): string[] {
  const folders = [path.dirname(targets.templateFile), ...targets.codeFolders.values()].sort();
  return folders.filter(
    (folder, index) =>
      !folders
        .slice(0, index)
        .some((other) => folder === other || folder.startsWith(other + path.sep)),
  );
}
