import type { IntrinsicContext } from './intrinsics.js';
import type { ResourceSymbol } from './references.js';
import { describeValue, scopeError, type Scope } from './resolve-scope.js';

type Resolve = (value: unknown, context: IntrinsicContext) => unknown;

/** DynamoDB table names are 3 to 255 characters of `a-z A-Z 0-9 _ . -`. */
const MAX_TABLE_NAME_LENGTH = 255;

/**
 * The name of an `AWS::DynamoDB::Table`: its TableName, or `<stack>-<logical id>` without
 * one. CloudFormation adds a random suffix, which the platform leaves out so that each
 * project's table keeps its name and data between runs.
 */
export function resolveTableName(resource: ResourceSymbol, scope: Scope, resolve: Resolve): string {
  const raw = resource.properties.TableName;
  if (raw === undefined) return generatedTableName(scope.context.stackName, resource.logicalId);

  const value = resolve(raw, {
    ...scope.context,
    location: `resource '${resource.logicalId}'`,
    propertyPath: 'TableName',
    selfLogicalId: resource.logicalId,
  });
  if (typeof value !== 'string') {
    throw scopeError(
      {
        context: { ...scope.context, location: `resource '${resource.logicalId}'` },
        path: 'TableName',
      },
      `TableName resolves to ${describeValue(value)}, not a string; set TableName to a table name`,
    );
  }
  return value;
}

/** `<stack>-<logical id>` with characters DynamoDB rejects in table names replaced by `-`. */
export function generatedTableName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .slice(0, MAX_TABLE_NAME_LENGTH);
}
