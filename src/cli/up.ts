import path from 'node:path';

import { createLogger } from '../log.js';
import { Platform } from '../platform.js';
import { output } from './output.js';
import { openProject, type ProjectOptions } from './project.js';

export interface UpOptions extends ProjectOptions {
  port: number;
  host: string;
}

/** Starts the platform for a project and serves until SIGINT or SIGTERM. */
export async function runUp(dir: string, options: UpOptions): Promise<void> {
  const project = openProject(path.resolve(dir, options.template), options);
  const logger = createLogger();
  const platform = await Platform.start({
    dataDir: project.dataDir,
    account: project.account,
    functions: [...project.template.functions.values()],
    invalidFunctions: project.template.invalid,
    logger,
  });
  const endpoint = await platform.listen(options.port, options.host);

  output.line(`LambdaCraft is running the project in ${path.dirname(project.template.file)}`);
  output.line(`  AWS endpoint (Lambda API): ${endpoint}`);
  output.line(`  data folder: ${project.dataDir}`);
  output.line('  functions:');
  for (const [functionName, config] of project.template.functions) {
    output.line(
      `    ${functionName}  ${config.runtime.id}  ${config.handler || 'bootstrap'}  ${config.memorySizeMb} MB  ${config.timeoutSeconds} s`,
    );
  }
  output.line(
    `Invoke one: aws lambda invoke --endpoint-url ${endpoint} --function-name NAME out.json`,
  );
  output.line('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await platform.close();
  logger.info('stopped; every environment has exited');
}
