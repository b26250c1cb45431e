import { readFileSync } from 'node:fs';

import { MAX_SYNC_REQUEST_BYTES } from '../api/lambda/invoke.js';
import { invalidConfig } from '../errors.js';
import { createLogger } from '../log.js';
import { Platform } from '../platform.js';
import { output } from './output.js';
import { openProject, templateFunctionName, type ProjectOptions } from './project.js';

export interface InvokeCommandOptions extends ProjectOptions {
  event?: string;
}

/** Runs one invocation; returns the exit status: 0 on success, 1 on a function error. */
export async function runInvoke(
  functionId: string,
  options: InvokeCommandOptions,
): Promise<number> {
  const project = openProject(options.template, options);
  const functionName = findFunctionName(project.template, functionId);
  const payload = readEvent(options.event);

  const platform = await Platform.start({
    spares: false,
    asyncDispatch: false,
    dataDir: project.dataDir,
    account: project.account,
    functions: [...project.template.functions.values()],
    logger: createLogger({ level: 'warn', pretty: true }),
  });
  // Environments run in process groups of their own, which a terminal's Ctrl-C does not
  // reach: stop them here before exiting.
  const stop = (signal: NodeJS.Signals) => {
    void platform.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await platform.invoker.invoke(functionName, payload, {
      qualifier: undefined,
      tailLog: false,
      clientContext: undefined,
      source: 'cli',
    });
    output.log(result.log);
    output.result(result.payload);
    if (process.stdout.isTTY) output.result('\n');
    return result.functionError === undefined ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await platform.close();
  }
}

function findFunctionName(
  template: ReturnType<typeof openProject>['template'],
  id: string,
): string {
  const reason = template.invalid.get(id);
  if (reason !== undefined) throw invalidConfig(reason);

  const functionName = templateFunctionName(template, id);
  if (functionName !== undefined) return functionName;
  const known = [...template.logicalIds.values()].join(', ') || 'none';
  throw invalidConfig(
    `no function '${id}' in ${template.file}; functions in the template: ${known}`,
  );
}

function readEvent(source: string | undefined): Buffer {
  if (source === undefined) return Buffer.from('{}');

  let text: Buffer;
  try {
    text = readFileSync(source === '-' ? 0 : source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw invalidConfig(`event file '${source}' not found; pass -e with the path of a JSON file`);
    }
    throw invalidConfig(`cannot read event file '${source}': ${code ?? String(error)}`);
  }
  try {
    JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw invalidConfig(`event in '${source}' is not valid JSON: ${(error as Error).message}`);
  }
  if (text.length > MAX_SYNC_REQUEST_BYTES) {
    throw invalidConfig(
      `event in '${source}' has ${text.length} bytes, over Lambda's limit of ${MAX_SYNC_REQUEST_BYTES} for a synchronous invocation`,
    );
  }
  return text.length === 0 ? Buffer.from('{}') : text;
}
