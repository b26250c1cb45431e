import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { errorMessage, invalidConfig } from '../errors.js';
import { silentLogger } from '../log.js';
import { DEFAULT_ACCOUNT } from '../platform.js';
import { loadTemplate } from '../template/load.js';
import { StateStore, type InvocationRecord } from '../state/store.js';
import { output } from './output.js';
import { templateFunctionName } from './project.js';

export interface LogsOptions {
  template: string;
  dataDir?: string;
  number: number;
  follow: boolean;
}

/** How often `--follow` looks for new invocations in the state store. */
const FOLLOW_INTERVAL_MS = 500;

/**
 * Prints the logs of the last invocations, then with --follow each new one as it ends. A
 * function name with no recorded invocations must be a function of the template (by
 * FunctionName or logical id), or it is not found.
 */
export async function runLogs(
  requestedName: string | undefined,
  options: LogsOptions,
): Promise<void> {
  const dataDir = path.resolve(
    options.dataDir ?? path.join(path.dirname(path.resolve(options.template)), '.lambdacraft'),
  );
  if (!existsSync(path.join(dataDir, 'state.db'))) {
    throw invalidConfig(
      `no LambdaCraft state in '${dataDir}'; run this in the project folder, or pass -t with the project's template or --data-dir`,
    );
  }
  const store = StateStore.open(dataDir, silentLogger());
  try {
    let functionName = requestedName;
    let recent = store.recentInvocations(functionName, options.number);
    if (recent.length === 0 && functionName !== undefined) {
      functionName = findTemplateFunction(functionName, options.template, dataDir);
      recent = store.recentInvocations(functionName, options.number);
    }
    if (recent.length === 0 && !options.follow) {
      output.error(
        `no invocations${functionName === undefined ? '' : ` of '${functionName}'`} recorded in ${dataDir}`,
      );
    }
    let lastStartedAtMs = printAll(recent, functionName === undefined);
    while (options.follow) {
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
      lastStartedAtMs = Math.max(
        lastStartedAtMs,
        printAll(
          store.invocationsSince(functionName, lastStartedAtMs, 1000),
          functionName === undefined,
        ),
      );
    }
  } finally {
    store.close();
  }
}

/**
 * Returns the function name that `name` (a FunctionName or a logical id) has in the template,
 * and throws when the template defines no such function. When the template cannot be read,
 * the name is returned as it is, with a message that it was not checked.
 */
function findTemplateFunction(name: string, templateFile: string, dataDir: string): string {
  // InlineCode is written to a scratch folder, so that the running platform's stays as it is.
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'lambdacraft-logs-'));
  let template: ReturnType<typeof loadTemplate>;
  try {
    // NOTE: without --parameter-overrides here, a FunctionName built from a parameter
    // resolves with the parameter's Default.
    template = loadTemplate(templateFile, {
      account: DEFAULT_ACCOUNT,
      parameterOverrides: {},
      dataDir: scratchDir,
    });
  } catch (error) {
    output.error(
      `cannot check that function '${name}' exists, because the template ${templateFile} cannot be read: ${errorMessage(error)}`,
    );
    return name;
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }

  if (template.invalid.has(name)) return name;
  const functionName = templateFunctionName(template, name);
  if (functionName !== undefined) return functionName;
  const known = [...template.functions.keys(), ...template.invalid.keys()].join(', ') || 'none';
  throw invalidConfig(
    `function '${name}' not found: ${template.file} does not define it and ${dataDir} has no recorded invocations of it; functions in the template: ${known}`,
  );
}

function printAll(records: InvocationRecord[], withName: boolean): number {
  let last = 0;
  for (const record of records) {
    const prefix = withName ? `${record.functionName}: ` : '';
    // Lambda separates the lines of one log message, such as a traceback, with a carriage
    // return. Printed as is, each one moves a terminal's cursor back over the line before.
    const log = record.log.replaceAll('\r', '\n');
    output.result(prefix === '' ? log : log.replace(/^(?=.)/gm, prefix));
    last = Math.max(last, record.startedAtMs);
  }
  return last;
}
