import { pathToFileURL } from 'node:url';

// `node --test` also runs this file directly as a test file; the guard keeps
// it passing there. Imported as a handler module, its top-level await waits
// on a Promise that nothing will ever settle.
const isRunDirectly = import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isRunDirectly) {
  await new Promise(() => {});
}

export const handler = async () => 'unreachable';
