#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Command, InvalidArgumentError } from 'commander';

import { MAX_IDLE_TIMEOUT_SECONDS } from '../config-file.js';
import { PACKAGE_ROOT } from '../environments/launch.js';

import { LambdaCraftError, errorMessage } from '../errors.js';
import { runInvoke } from './invoke.js';
import { runLogs } from './logs.js';
import { output } from './output.js';
import { runSchedules, runTrigger } from './schedules.js';
import { runUp } from './up.js';
import { parseSince, runUsage } from './usage.js';

function port(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError(`port '${value}' is not a whole number between 0 and 65535`);
  }
  return parsed;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function count(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`count '${value}' is not a whole number of at least 1`);
  }
  return parsed;
}

/** Parses a positive number of seconds and returns it in milliseconds. */

function secondsToMs(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`'${value}' is not a positive number of seconds`);
  }
  if (parsed > MAX_IDLE_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(
      `${value} seconds is over the longest idle timeout, ${MAX_IDLE_TIMEOUT_SECONDS} seconds (about 24 days)`,
    );
  }
  return Math.round(parsed * 1000);
}

function collectOverride(value: string, previous: Record<string, string>): Record<string, string> {
  const result = { ...previous };
  for (const pair of value.split(/\s+/).filter((item) => item !== '')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      throw new InvalidArgumentError(`parameter override '${pair}' is not in the form Key=Value`);
    }
    result[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return result;
}

const program = new Command('lambdacraft')
  .description('Run AWS Lambda functions from a SAM project on this machine')
  .version(packageVersion())
  .showHelpAfterError();

program
  .command('invoke')
  .description(
    'Invoke one function once, like `sam local invoke`: payload on stdout, log on stderr',
  )
  .argument(
    '<function>',
    'logical id (or FunctionName) of an AWS::Serverless::Function in the template',
  )
  .option('-t, --template <file>', 'SAM template to read', 'template.yaml')
  .option(
    '-e, --event <file>',
    "file holding the JSON event, or '-' for standard input (default: {})",
  )
  .option(
    '--data-dir <dir>',
    'folder for state and temporary files (default: .lambdacraft beside the template)',
  )
  .option('--region <name>', 'AWS region the function sees', 'us-east-1')
  .option('--account-id <id>', 'twelve-digit account id used in ARNs', '000000000000')
  .option(
    '--parameter-overrides <pairs>',
    'template parameter values as Key=Value, space-separated or repeated',
    collectOverride,
    {},
  )
  .action(async (functionId: string, options: Parameters<typeof runInvoke>[1]) => {
    process.exitCode = await runInvoke(functionId, options);
  });

program
  .command('up')
  .description('Start the platform for the SAM project in DIR and serve it until Ctrl-C')
  .argument('[dir]', 'project folder holding template.yaml, or the template file itself', '.')
  .option('-t, --template <file>', 'SAM template to read, relative to DIR', 'template.yaml')
  .option(
    '-p, --port <port>',
    'TCP port of the AWS endpoint (Lambda, S3 and DynamoDB APIs)',
    port,
    4566,
  )
  .option(
    '--http-port <port>',
    'TCP port of the HTTP gateway (API Gateway, function URLs)',
    port,
    3000,
  )
  .option('--host <address>', 'address the endpoints listen on', '127.0.0.1')
  .option(
    '--account-concurrency <count>',
    "the account's limit on concurrent executions (default: 1000, less on a machine with under 24 GB of memory)",
    count,
  )
  .option(
    '--idle-timeout <seconds>',
    'seconds an idle environment lives before it is stopped (default: 300)',
    secondsToMs,
  )
  .option('--data-dir <dir>', 'folder for state and temporary files (default: DIR/.lambdacraft)')
  .option('--region <name>', 'AWS region the platform presents', 'us-east-1')
  .option('--account-id <id>', 'twelve-digit account id used in ARNs', '000000000000')
  .option(
    '--parameter-overrides <pairs>',
    'template parameter values as Key=Value, space-separated or repeated',
    collectOverride,
    {},
  )
  .option(
    '--dev-subminute-schedules',
    'accept rate(N seconds) schedules, which AWS rejects (development and benchmarks only)',
    false,
  )
  .action(async (dir: string, options: Parameters<typeof runUp>[1]) => {
    await runUp(dir, options);
  });

program
  .command('logs')
  .description('Print the logs of recent invocations kept in the state store')
  .argument('[function]', 'function name (default: every function)')
  .option('-t, --template <file>', 'SAM template of the project', 'template.yaml')
  .option(
    '--data-dir <dir>',
    'data folder of the project (default: .lambdacraft beside the template)',
  )
  .option('-n, --number <count>', 'how many of the latest invocations to print', count, 10)
  .option('-f, --follow', 'keep printing invocations as they end, until Ctrl-C', false)
  .action(async (functionName: string | undefined, options: Parameters<typeof runLogs>[1]) => {
    await runLogs(functionName, options);
  });

program
  .command('usage')
  .description(
    'Print invocations, errors, throttles, cold starts, durations, GB-seconds and cost per function',
  )
  .argument(
    '[dir]',
    'project folder (with template.yaml and the optional lambdacraft.json), or its template',
    '.',
  )
  .option('--data-dir <dir>', 'data folder of the project (default: DIR/.lambdacraft)')
  .option(
    '--since <span>',
    'only invocations that started in this span before now: 30s, 15m, 1h, 7d (default: all)',
    parseSince,
  )
  .option('--function <name>', 'only this function (default: every function)')
  .option('--json', 'print the summary as JSON', false)
  .action((dir: string, options: Parameters<typeof runUsage>[1]) => {
    runUsage(dir, options);
  });

const schedules = program
  .command('schedules')
  .description('Print each schedule of the project with its next three fire times and its last run')
  .argument('[dir]', 'project folder holding template.yaml, or the template file itself', '.')
  .option('-t, --template <file>', 'SAM template to read, relative to DIR', 'template.yaml')
  .option('--data-dir <dir>', 'data folder of the project (default: DIR/.lambdacraft)')
  .option('--region <name>', 'AWS region used in ARNs', 'us-east-1')
  .option('--account-id <id>', 'twelve-digit account id used in ARNs', '000000000000')
  .option(
    '--parameter-overrides <pairs>',
    'template parameter values as Key=Value, space-separated or repeated',
    collectOverride,
    {},
  )
  .action((dir: string, options: Parameters<typeof runSchedules>[1]) => {
    runSchedules(dir, options);
  });

schedules
  .command('trigger')
  .description('Fire one schedule of the running platform now, outside its timing')
  .argument('<name>', 'schedule name, as lambdacraft schedules prints it')
  .option('--endpoint <url>', 'AWS endpoint of the running platform', 'http://127.0.0.1:4566')
  .option('--region <name>', 'AWS region the platform presents', 'us-east-1')
  .action(async (name: string, options: Parameters<typeof runTrigger>[1]) => {
    process.exitCode = await runTrigger(name, options);
  });

// A reader such as `head` may close standard output early; that ends the output, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  output.error(error instanceof LambdaCraftError ? error.message : errorMessage(error));
  process.exitCode = 2;
}
