import { pathToFileURL } from 'node:url';

// `node --test` also runs this file directly as a test file; the guard keeps
// it passing there. Imported as a handler module, its top-level await rejects.
const isRunDirectly = import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isRunDirectly) {
  await Promise.reject(new Error('secret could not be fetched'));
}

export const handler = async () => 'unreachable';
