import type { IntrinsicContext } from './intrinsics.js';
import type { ResourceSymbol } from './references.js';
import { describeValue, scopeError, type Scope } from './resolve-scope.js';

type Resolve = (value: unknown, context: IntrinsicContext) => unknown;

/** S3 bucket names are 3 to 63 characters long. */
const MAX_BUCKET_NAME_LENGTH = 63;

/**
 * The name of an `AWS::S3::Bucket`: its BucketName, or the name the platform generates
 * without one. CloudFormation generates `<stack>-<logical id>-<random suffix>` in lowercase;
 * the platform leaves out the random suffix, so each project's name stays the same between
 * runs, and it truncates the name to S3's 63 characters.
 */
export function resolveBucketName(
  resource: ResourceSymbol,
  scope: Scope,
  resolve: Resolve,
): string {
  const raw = resource.properties.BucketName;
  if (raw === undefined) return generatedBucketName(scope.context.stackName, resource.logicalId);

  const value = resolve(raw, {
    ...scope.context,
    location: `resource '${resource.logicalId}'`,
    propertyPath: 'BucketName',
    selfLogicalId: resource.logicalId,
  });
  if (typeof value !== 'string') {
    throw scopeError(
      {
        context: { ...scope.context, location: `resource '${resource.logicalId}'` },
        path: 'BucketName',
      },
      `BucketName resolves to ${describeValue(value)}, not a string; set BucketName to a bucket name`,
    );
  }
  return value;
}

/** `<stack>-<logical id>` in lowercase, with characters S3 rejects replaced by `-`. */
export function generatedBucketName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, MAX_BUCKET_NAME_LENGTH)
    .replace(/^-+|-+$/g, '');
}
