import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Changes closer together than this are handled as one reload. */
const SETTLE_MS = 150;
/**
 * Folders that are not watched: the platform's own state (written on every invocation),
 * version control, bytecode caches and installed packages. NOTE: so an `npm install` or a
 * vendored package update needs an edit of the handler (or a restart) to be picked up.
 */
const IGNORED_NAMES = new Set([
  '.lambdacraft',
  '.git',
  '__pycache__',
  '.pytest_cache',
  'node_modules',
  '.aws-sam',
]);
/** More folders than this are not watched, so a huge tree cannot exhaust inotify watches. */
const MAX_WATCHED_FOLDERS = 5000;

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
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #onChange: (changes: WatchChanges) => void;
  #targets: WatchTargets;
  #pending: WatchChanges = { template: false, functions: new Set() };
  #timer: NodeJS.Timeout | undefined;

  constructor(targets: WatchTargets, onChange: (changes: WatchChanges) => void) {
    this.#targets = targets;
    this.#onChange = onChange;
    for (const folder of rootFolders(targets)) this.#watchTree(folder);
  }

  /** Takes the code folders of a reloaded template. */
  update(targets: WatchTargets): void {
    this.#targets = targets;
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /**
   * Watches a folder and its subfolders, one watcher each: Node's recursive mode on Linux
   * rescans the whole tree on every change, and the data folder changes on every invocation.
   */
  #watchTree(folder: string): void {
    const name = path.basename(folder);
    if (IGNORED_NAMES.has(name) || folder === this.#targets.dataDir) return;
    if (this.#watchers.has(folder) || this.#watchers.size >= MAX_WATCHED_FOLDERS) return;

    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (event, file) => {
        if (file === null) return;
        const changed = path.join(folder, file.toString());
        if (event === 'rename' && isFolder(changed)) this.#watchTree(changed);
        this.#record(changed);
      });
    } catch {
      return;
    }
    watcher.on('error', () => {
      watcher.close();
      this.#watchers.delete(folder);
    });
    this.#watchers.set(folder, watcher);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) this.#watchTree(path.join(folder, entry.name));
    }
  }

  #record(file: string): void {
    const { templateFile, codeFolders } = this.#targets;

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

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Lists the template's folder and every code folder outside it, without nested repeats. */
function rootFolders(targets: WatchTargets): string[] {
  const folders = [path.dirname(targets.templateFile), ...targets.codeFolders.values()].sort();
  return folders.filter(
    (folder, index) =>
      !folders
        .slice(0, index)
        .some((other) => folder === other || folder.startsWith(other + path.sep)),
  );
}
