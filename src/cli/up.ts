import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { loadProjectConfig } from '../config-file.js';
import { invalidConfig } from '../errors.js';

import { FUNCTION_URL_PREFIX } from '../gateway/server.js';
import { createLogger, type Logger } from '../log.js';
import { Platform } from '../platform.js';
import type { FunctionSettings } from '../template/function-properties.js';
import { claimDataFolder } from './data-folder-lock.js';
import { output } from './output.js';
import { openProject, type Project, type ProjectOptions } from './project.js';
import { scheduleLines } from './schedules.js';
import { ProjectWatcher, type WatchTargets } from './watch.js';

export interface UpOptions extends ProjectOptions {
  port: number;
  httpPort: number;
  host: string;
  /** Milliseconds from `--idle-timeout`, or undefined for the platform's default. */
  idleTimeout: number | undefined;
  accountConcurrency: number | undefined;
  /** Accept `rate(N seconds)` schedules (`--dev-subminute-schedules`). */
  devSubminuteSchedules?: boolean;
}

/** `up DIR` takes a project folder; a path to the template file itself works too. */
function templatePath(dir: string, template: string): string {
  const resolved = path.resolve(dir);
  return existsSync(resolved) && statSync(resolved).isFile()
    ? resolved
    : path.join(resolved, template);
}

async function listening<T>(started: Promise<T>, port: number, option: string): Promise<T> {
  try {
    return await started;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw invalidConfig(
        `port ${port} is already in use; stop the program using it or pass ${option} with another port`,
      );
    }
    throw error;
  }
}

/**
 * How long a stop lets work in flight finish before the environments end. It stays
 * under the 10 s that `docker stop` waits after SIGTERM before it kills.
 */
const STOP_DRAIN_MS = 5_000;

/** Starts the platform for a project and serves until SIGINT or SIGTERM. */
export async function runUp(dir: string, options: UpOptions): Promise<void> {
  // Set in the environment so that template reloads read schedules the same way.
  if (options.devSubminuteSchedules === true) process.env.LAMBDACRAFT_DEV_SUBMINUTE_SCHEDULES = '1';
  const project = openProject(templatePath(dir, options.template), options);
  const logger = createLogger();
  const config = loadProjectConfig(path.dirname(project.template.file));
  const releaseDataFolder = claimDataFolder(project.dataDir);
  try {
    await serve(project, options, logger, config);
  } finally {
    releaseDataFolder();
  }
}

async function serve(
  project: Project,
  options: UpOptions,
  logger: Logger,
  config: ReturnType<typeof loadProjectConfig>,
): Promise<void> {
  const platform = await Platform.start({
    dataDir: project.dataDir,
    account: project.account,
    functions: [...project.template.functions.values()],
    invalidFunctions: project.template.invalid,
    functionSettings: project.template.functionSettings,
    eventInvokeConfigs: project.template.eventInvokeConfigs,
    schedules: project.template.schedules.schedules,
    buckets: project.template.s3,
    tables: project.template.dynamodb.tables,
    streamMappings: project.template.dynamodbEvents.mappings,
    accountConcurrencyLimit: options.accountConcurrency ?? config.accountConcurrencyLimit,
    idleTimeoutMs:
      options.idleTimeout ??
      (config.idleTimeoutSeconds === undefined ? undefined : config.idleTimeoutSeconds * 1000),
    logger,
    // A plain line, because the fix it names (LAMBDACRAFT_PYTHON) is for the user to apply.
    onRuntimeWarning: (message) => output.line(`warning: ${message}`),
  });
  const { http } = project.template;
  let endpoint: string;
  let gateway: Awaited<ReturnType<Platform['listenGateway']>>;
  try {
    endpoint = await listening(platform.listen(options.port, options.host), options.port, '--port');
    gateway = await listening(
      platform.listenGateway(http, options.httpPort, options.host),
      options.httpPort,
      '--http-port',
    );
  } catch (error) {
    await platform.close();
    throw error;
  }

  output.line(`LambdaCraft is running the project in ${path.dirname(project.template.file)}`);
  output.line(`  AWS endpoint (Lambda, S3, DynamoDB and DynamoDB Streams APIs): ${endpoint}`);
  output.line(`  Prometheus metrics: ${endpoint}/metrics`);
  output.line(`  HTTP gateway: ${gateway.url}`);
  for (const route of gateway.routes.routes) {
    const target =
      route.path === '$default' ? `${gateway.url}/* ($default)` : `${gateway.url}${route.path}`;
    output.line(`    ${route.method} ${target} -> ${route.functionName}`);
  }
  for (const url of http.functionUrls) {
    output.line(
      `    function URL ${gateway.url}${FUNCTION_URL_PREFIX}${url.functionName}/ -> ${url.functionName}`,
    );
  }
  for (const problem of [...http.errors, ...gateway.routes.conflicts]) {
    output.line(`    NOT SERVED: ${problem}`);
  }
  for (const bucket of project.template.s3.buckets) {
    output.line(`  bucket ${bucket.name}`);
    for (const notification of project.template.s3.notifications) {
      if (notification.bucket !== bucket.name) continue;
      const { prefix, suffix } = notification.filter;
      const filter = [prefix && `prefix ${prefix}`, suffix && `suffix ${suffix}`].filter(Boolean);
      output.line(
        `    ${notification.events.join(', ')}${filter.length > 0 ? ` (${filter.join(', ')})` : ''} -> ${notification.functionName ?? notification.functionArn ?? ''}`,
      );
    }
  }
  for (const problem of [...project.template.s3.errors, ...platform.bucketProblems]) {
    output.line(`    NOT RUN: ${problem}`);
  }
  for (const table of project.template.dynamodb.tables) {
    output.line(`  table ${table.name}`);
  }
  for (const problem of [...project.template.dynamodb.errors, ...platform.tableProblems]) {
    output.line(`    NOT RUN: ${problem}`);
  }
  for (const mapping of platform.eventSourceMappings.list()) {
    output.line(
      `  event source mapping ${mapping.uuid}: ${mapping.eventSourceArn} -> ${mapping.functionName} (batch size ${mapping.settings.batchSize}${mapping.enabled ? '' : ', disabled'})`,
    );
  }
  for (const problem of [...project.template.dynamodbEvents.errors, ...platform.mappingProblems]) {
    output.line(`    NOT RUN: ${problem}`);
  }
  for (const item of [...http.notRun, ...project.template.notRunResources]) {
    output.line(`  not run yet: ${item}`);
  }
  for (const item of project.template.notCreatedResources) {
    output.line(`  not created: ${item}`);
  }
  for (const item of project.template.ignoredProperties) {
    output.line(`  ignored property: ${item}`);
  }
  const { schedules } = platform;
  for (const line of scheduleLines(
    schedules.list(),
    project.template.schedules.errors,
    schedules.missedFireGraceMs,
  )) {
    output.line(line);
  }
  output.line(`  data folder: ${project.dataDir}`);
  const { limits } = platform;
  output.line(
    `  concurrency: account limit ${limits.accountLimit} (--account-concurrency), ${limits.unreservedLimit} unreserved, at least ${limits.unreservedMinimum} kept unreserved`,
  );
  output.line('  functions:');
  for (const [functionName, config] of project.template.functions) {
    const refused = platform.registry.findInvalid(functionName);
    if (refused !== undefined) {
      output.line(`    ${functionName}  NOT STARTED: ${refused}`);
      continue;
    }
    const settings = project.template.functionSettings.get(functionName);
    output.line(
      `    ${functionName}  ${config.runtime.id}  ${config.handler || 'bootstrap'}  ${config.memorySizeMb} MB  ${config.timeoutSeconds} s${describeSettings(settings)}`,
    );
  }
  for (const [logicalId, reason] of project.template.invalid) {
    output.line(`    ${logicalId}  NOT STARTED: ${reason}`);
  }
  output.line(
    `Invoke one: aws lambda invoke --endpoint-url ${endpoint} --function-name NAME out.json`,
  );
  output.line(
    'Press Ctrl-C to stop. Edits to the template or to handler code apply on the next invocation.',
  );

  const watcher = watchProject(project, platform, options);
  await nextStopSignal(logger, 'stopping').signalled;
  watcher.close();
  const invocations = platform.invoker.running;
  const requests = platform.endpointRequestsInFlight;
  if (invocations > 0 || requests > 0) {
    output.line(
      `Waiting up to ${STOP_DRAIN_MS / 1000} s for ${invocations} invocation(s) and ${requests} AWS endpoint request(s) in flight; press Ctrl-C again to end them now.`,
    );
  }
  const secondSignal = nextStopSignal(logger, 'ending invocations in flight now');
  try {
    await platform.close({ drainMs: STOP_DRAIN_MS, interrupt: secondSignal.signalled });
  } finally {
    // A later signal then ends the process at once, as Node.js does by default.
    secondSignal.cancel();
  }
  logger.info('stopped; every environment has exited');
}

/** Waits for the next SIGINT or SIGTERM; `cancel` stops waiting. */
function nextStopSignal(
  logger: Logger,
  message: string,
): { signalled: Promise<void>; cancel: () => void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const cancel = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  const signalled = new Promise<void>((resolve) => {
    stop = (signal) => {
      cancel();
      logger.info({ signal }, message);
      resolve();
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { signalled, cancel };
}

function describeSettings(settings: FunctionSettings | undefined): string {
  if (settings === undefined) return '';
  let text = '';
  if (settings.reservedConcurrentExecutions !== undefined) {
    text += `  reserved concurrency ${settings.reservedConcurrentExecutions}`;
  }
  if (settings.autoPublishAlias !== undefined) {
    text += `  alias ${settings.autoPublishAlias} -> version 1`;
  }
  if (settings.provisionedConcurrentExecutions !== undefined) {
    text += ` (provisioned concurrency ${settings.provisionedConcurrentExecutions})`;
  }
  return text;
}

function watchTargets(project: Project): WatchTargets {
  const codeFolders = new Map(
    [...project.template.functions.values()].map((config) => [
      config.functionName,
      config.codePath,
    ]),
  );
  return { templateFile: project.template.file, codeFolders, dataDir: project.dataDir };
}

/** Hot reload: a changed template is loaded again; changed code retires its environments. */
function watchProject(project: Project, platform: Platform, options: UpOptions): ProjectWatcher {
  const watcher = new ProjectWatcher(watchTargets(project), (changes) => {
    if (changes.template) {
      let reloaded: Project;
      try {
        reloaded = openProject(project.template.file, options);
      } catch (error) {
        output.line(
          `reload failed, the previous template stays in use: ${(error as Error).message}`,
        );
        return;
      }
      const { template } = reloaded;
      const lines = platform.applyTemplate({
        ...template,
        functions: [...template.functions.values()],
      });
      watcher.update(watchTargets(reloaded));
      output.line(
        `reloaded ${path.basename(template.file)}: ${lines.join('; ') || 'nothing changed'}`,
      );
    }
    // One line for every function of a shared code folder, since one edit changed them all.
    const missing: string[] = [];
    for (const functionName of changes.functions) {
      platform.retireFunction(functionName);
      const codePath = platform.registry.find(functionName)?.codePath;
      if (codePath !== undefined && !existsSync(codePath)) missing.push(codePath);
    }
    if (changes.functions.size > 0) {
      const missingNotes = [...new Set(missing)].map(
        (folder) => `; code folder ${folder} is missing, so invocations fail until it is back`,
      );
      const names = [...changes.functions].join(', ');
      output.line(`reloaded ${names}: code changed${missingNotes.join('')}`);
    }
  });
  return watcher;
}
