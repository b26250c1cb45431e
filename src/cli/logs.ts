import { existsSync } from 'node:fs';
import path from 'node:path';

import { invalidConfig } from '../errors.js';
import { silentLogger } from '../log.js';
import { StateStore, type InvocationRecord } from '../state/store.js';
import { output } from './output.js';

export interface LogsOptions {
  template: string;
  dataDir?: string;
  number: number;
  follow: boolean;
}

/** How often `--follow` looks for new invocations in the state store. */
const FOLLOW_INTERVAL_MS = 500;

/** Prints the logs of the last invocations, then with --follow each new one as it ends. */
export async function runLogs(
  functionName: string | undefined,
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
    const recent = store.recentInvocations(functionName, options.number);
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
