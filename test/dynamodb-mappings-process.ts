/**
 * Starts a platform with one python-stream-recorder function, `recorder`, on the data folder
 * given as the first argument; the function writes its batches to the file given as the
 * second. Prints the AWS endpoint URL as one line on stdout and runs until it is killed.
 * Tests start it as a child process when they need to kill the platform abruptly.
 */
import { validateFunctionConfig } from '../src/functions/function-config.js';
import { Platform } from '../src/platform.js';
import { testFunction } from './helpers.js';

const [dataDir, recordFile] = process.argv.slice(2);
if (dataDir === undefined || recordFile === undefined) {
  process.stderr.write('usage: node dynamodb-mappings-process.js DATA_DIR RECORD_FILE\n');
  process.exit(2);
}
const recorder = testFunction('python-stream-recorder', 'python3.11', 'app.handler', {
  functionName: 'recorder',
  environment: { RECORD_FILE: recordFile, SLEEP_SECONDS: '0.2' },
});
const platform = await Platform.start({
  dataDir,
  functions: [validateFunctionConfig(recorder)],
  spares: false,
});
const endpoint = await platform.listen(0, '127.0.0.1');
process.stdout.write(`${endpoint}\n`);
