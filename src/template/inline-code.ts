import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { RuntimeFamily } from '../functions/runtimes.js';

/**
 * The file CloudFormation writes a function's inline code to (AWS::Lambda::Function
 * Code.ZipFile): `index.py` for Python and `index.js`, a CommonJS module, for Node.js. Other
 * runtimes have no inline code.
 */
export const INLINE_CODE_FILES: Partial<Record<RuntimeFamily, string>> = {
  python: 'index.py',
  nodejs: 'index.js',
};

/**
 * Writes a function's InlineCode to its own folder under `<dataDir>/inline-code` and returns
 * the folder. The folder name ends with a hash of the code, so edited code gets a new code
 * path and the platform replaces the function's environments. Folders of earlier code of the
 * same function are removed.
 */
export function writeInlineCode(
  dataDir: string,
  logicalId: string,
  family: RuntimeFamily,
  code: string,
): string {
  const file = INLINE_CODE_FILES[family];
  if (file === undefined) throw new Error(`no inline code file for runtime family ${family}`);
  const root = path.join(dataDir, 'inline-code');
  const hash = createHash('sha256').update(`${file}\n${code}`).digest('hex').slice(0, 12);
  const folder = path.join(root, `${logicalId}-${hash}`);

  if (!existsSync(folder)) {
    // Written beside the target and renamed, so a concurrent `invoke` never reads half a file.
    const staging = `${folder}.${process.pid}.tmp`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, file), code);
    if (family === 'nodejs') {
      // The Node.js runtime reads "type" from the nearest package.json above the code, and
      // the data folder can sit in a project whose package.json sets "module".
      writeFileSync(path.join(staging, 'package.json'), '{ "type": "commonjs" }\n');
    }
    try {
      renameSync(staging, folder);
    } catch (error) {
      // Another process renamed the same code into place first.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(folder)) throw error;
    }
  }
  removeEarlierCode(root, logicalId, folder);
  return folder;
}

function removeEarlierCode(root: string, logicalId: string, current: string): void {
  const prefix = `${logicalId}-`;
  for (const entry of readdirSync(root)) {
    const folder = path.join(root, entry);
    const isEarlier = entry.startsWith(prefix) && /^[0-9a-f]{12}$/.test(entry.slice(prefix.length));
    if (isEarlier && folder !== current) rmSync(folder, { recursive: true, force: true });
  }
}
