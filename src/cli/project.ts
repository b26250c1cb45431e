import path from 'node:path';

import { invalidConfig } from '../errors.js';
import type { AccountContext } from '../functions/arn.js';
import { loadTemplate, type LoadedTemplate } from '../template/load.js';

export interface ProjectOptions {
  template: string;
  dataDir?: string;
  region: string;
  accountId: string;
  parameterOverrides: Record<string, string>;
}

export interface Project {
  template: LoadedTemplate;
  account: AccountContext;
  dataDir: string;
}

/** Reads the template and settles the account and the data folder, as every command needs. */
export function openProject(templateFile: string, options: ProjectOptions): Project {
  if (!/^\d{12}$/.test(options.accountId)) {
    throw invalidConfig(
      `account id '${options.accountId}' is not twelve digits; pass --account-id 123456789012`,
    );
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(options.region)) {
    throw invalidConfig(`region '${options.region}' is not an AWS region name such as us-east-1`);
  }
  const account = { accountId: options.accountId, region: options.region };
  const dataDir = path.resolve(
    options.dataDir ?? path.join(path.dirname(path.resolve(templateFile)), '.lambdacraft'),
  );
  const template = loadTemplate(templateFile, {
    account,
    parameterOverrides: options.parameterOverrides,
    dataDir,
  });
  return { template, account, dataDir };
}

/**
 * Returns the FunctionName of the template's function that `id` names by FunctionName or by
 * logical id, or undefined when no loaded function has either.
 */
export function templateFunctionName(template: LoadedTemplate, id: string): string | undefined {
  for (const [functionName, logicalId] of template.logicalIds) {
    if (logicalId === id || functionName === id) return functionName;
  }
  return undefined;
}
