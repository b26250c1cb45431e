/**
 * Starts a platform without functions on the data folder given as the first argument, then
 * prints its AWS endpoint URL as one line on stdout and runs until it is killed. Tests start
 * it as a child process when they need to kill the platform abruptly.
 */
import { Platform } from '../src/platform.js';

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write('usage: node s3-platform-process.js DATA_DIR\n');
  process.exit(2);
}
const platform = await Platform.start({ dataDir, functions: [], spares: false });
const endpoint = await platform.listen(0, '127.0.0.1');
process.stdout.write(`${endpoint}\n`);
