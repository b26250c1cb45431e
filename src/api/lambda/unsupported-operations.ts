/**
 * Lambda API operations the endpoint does not serve, by method and path as Lambda's API model
 * (2015-03-31) defines them, each with the reason or the alternative. A request to one of them
 * gets an error that names the operation, where any other path gets a generic one.
 */

const FROM_TEMPLATE = 'functions come from the SAM template';
const ALIASES = 'aliases come from AutoPublishAlias in the SAM template';
const POLICIES = 'LambdaCraft does not check resource-based policies';
const TAGS = 'LambdaCraft keeps no tags';
const LAYERS = 'LambdaCraft does not run layers';
const URLS =
  'function URLs come from FunctionUrlConfig in the SAM template and are served by the HTTP gateway';
const CODE_SIGNING = 'LambdaCraft does not check code signatures';
const NOT_IMPLEMENTED = 'LambdaCraft does not implement it';

/** Method, path with `{label}` placeholders, operation name, reason. */
const OPERATIONS: [string, string, string, string][] = [
  ['POST', '/2015-03-31/functions', 'CreateFunction', FROM_TEMPLATE],
  ['DELETE', '/2015-03-31/functions/{FunctionName}', 'DeleteFunction', FROM_TEMPLATE],
  ['PUT', '/2015-03-31/functions/{FunctionName}/code', 'UpdateFunctionCode', FROM_TEMPLATE],
  [
    'PUT',
    '/2015-03-31/functions/{FunctionName}/configuration',
    'UpdateFunctionConfiguration',
    FROM_TEMPLATE,
  ],
  [
    'GET',
    '/2015-03-31/functions/{FunctionName}/versions',
    'ListVersionsByFunction',
    'ListFunctions with FunctionVersion=ALL lists every published version',
  ],
  [
    'POST',
    '/2015-03-31/functions/{FunctionName}/versions',
    'PublishVersion',
    'versions come from AutoPublishAlias in the SAM template',
  ],
  ['POST', '/2015-03-31/functions/{FunctionName}/aliases', 'CreateAlias', ALIASES],
  ['GET', '/2015-03-31/functions/{FunctionName}/aliases', 'ListAliases', ALIASES],
  ['GET', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 'GetAlias', ALIASES],
  ['PUT', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 'UpdateAlias', ALIASES],
  ['DELETE', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 'DeleteAlias', ALIASES],
  ['POST', '/2015-03-31/functions/{FunctionName}/policy', 'AddPermission', POLICIES],
  ['GET', '/2015-03-31/functions/{FunctionName}/policy', 'GetPolicy', POLICIES],
  [
    'DELETE',
    '/2015-03-31/functions/{FunctionName}/policy/{StatementId}',
    'RemovePermission',
    POLICIES,
  ],
  ['GET', '/2017-03-31/tags/{Resource}', 'ListTags', TAGS],
  ['POST', '/2017-03-31/tags/{Resource}', 'TagResource', TAGS],
  ['DELETE', '/2017-03-31/tags/{Resource}', 'UntagResource', TAGS],
  ['GET', '/2018-10-31/layers', 'ListLayers', LAYERS],
  ['GET', '/2018-10-31/layers/{LayerName}/versions', 'ListLayerVersions', LAYERS],
  ['POST', '/2018-10-31/layers/{LayerName}/versions', 'PublishLayerVersion', LAYERS],
  ['GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', 'GetLayerVersion', LAYERS],
  [
    'DELETE',
    '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}',
    'DeleteLayerVersion',
    LAYERS,
  ],
  [
    'GET',
    '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy',
    'GetLayerVersionPolicy',
    LAYERS,
  ],
  [
    'POST',
    '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy',
    'AddLayerVersionPermission',
    LAYERS,
  ],
  [
    'DELETE',
    '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}',
    'RemoveLayerVersionPermission',
    LAYERS,
  ],
  ['POST', '/2021-10-31/functions/{FunctionName}/url', 'CreateFunctionUrlConfig', URLS],
  ['GET', '/2021-10-31/functions/{FunctionName}/url', 'GetFunctionUrlConfig', URLS],
  ['PUT', '/2021-10-31/functions/{FunctionName}/url', 'UpdateFunctionUrlConfig', URLS],
  ['DELETE', '/2021-10-31/functions/{FunctionName}/url', 'DeleteFunctionUrlConfig', URLS],
  ['GET', '/2021-10-31/functions/{FunctionName}/urls', 'ListFunctionUrlConfigs', URLS],
  ['POST', '/2020-04-22/code-signing-configs', 'CreateCodeSigningConfig', CODE_SIGNING],
  ['GET', '/2020-04-22/code-signing-configs', 'ListCodeSigningConfigs', CODE_SIGNING],
  [
    'GET',
    '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}',
    'GetCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'PUT',
    '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}',
    'UpdateCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'DELETE',
    '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}',
    'DeleteCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'GET',
    '/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions',
    'ListFunctionsByCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'GET',
    '/2020-06-30/functions/{FunctionName}/code-signing-config',
    'GetFunctionCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'PUT',
    '/2020-06-30/functions/{FunctionName}/code-signing-config',
    'PutFunctionCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'DELETE',
    '/2020-06-30/functions/{FunctionName}/code-signing-config',
    'DeleteFunctionCodeSigningConfig',
    CODE_SIGNING,
  ],
  [
    'GET',
    '/2021-07-20/functions/{FunctionName}/runtime-management-config',
    'GetRuntimeManagementConfig',
    NOT_IMPLEMENTED,
  ],
  [
    'PUT',
    '/2021-07-20/functions/{FunctionName}/runtime-management-config',
    'PutRuntimeManagementConfig',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2021-11-15/functions/{FunctionName}/response-streaming-invocations',
    'InvokeWithResponseStream',
    'use Invoke, which returns the whole response at once',
  ],
  [
    'GET',
    '/2024-08-31/functions/{FunctionName}/recursion-config',
    'GetFunctionRecursionConfig',
    NOT_IMPLEMENTED,
  ],
  [
    'PUT',
    '/2024-08-31/functions/{FunctionName}/recursion-config',
    'PutFunctionRecursionConfig',
    NOT_IMPLEMENTED,
  ],
  ['POST', '/2025-11-30/capacity-providers', 'CreateCapacityProvider', NOT_IMPLEMENTED],
  ['GET', '/2025-11-30/capacity-providers', 'ListCapacityProviders', NOT_IMPLEMENTED],
  [
    'GET',
    '/2025-11-30/capacity-providers/{CapacityProviderName}',
    'GetCapacityProvider',
    NOT_IMPLEMENTED,
  ],
  [
    'PUT',
    '/2025-11-30/capacity-providers/{CapacityProviderName}',
    'UpdateCapacityProvider',
    NOT_IMPLEMENTED,
  ],
  [
    'DELETE',
    '/2025-11-30/capacity-providers/{CapacityProviderName}',
    'DeleteCapacityProvider',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions',
    'ListFunctionVersionsByCapacityProvider',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-11-30/functions/{FunctionName}/function-scaling-config',
    'GetFunctionScalingConfig',
    NOT_IMPLEMENTED,
  ],
  [
    'PUT',
    '/2025-11-30/functions/{FunctionName}/function-scaling-config',
    'PutFunctionScalingConfig',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-12-01/functions/{FunctionName}/durable-executions',
    'ListDurableExecutionsByFunction',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-12-01/durable-executions/{DurableExecutionArn}',
    'GetDurableExecution',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-12-01/durable-executions/{DurableExecutionArn}/history',
    'GetDurableExecutionHistory',
    NOT_IMPLEMENTED,
  ],
  [
    'GET',
    '/2025-12-01/durable-executions/{DurableExecutionArn}/state',
    'GetDurableExecutionState',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint',
    'CheckpointDurableExecution',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2025-12-01/durable-executions/{DurableExecutionArn}/stop',
    'StopDurableExecution',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed',
    'SendDurableExecutionCallbackSuccess',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2025-12-01/durable-execution-callbacks/{CallbackId}/fail',
    'SendDurableExecutionCallbackFailure',
    NOT_IMPLEMENTED,
  ],
  [
    'POST',
    '/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat',
    'SendDurableExecutionCallbackHeartbeat',
    NOT_IMPLEMENTED,
  ],
];

interface UnsupportedOperation {
  method: string;
  path: RegExp;
  operation: string;
  reason: string;
}

const UNSUPPORTED: UnsupportedOperation[] = OPERATIONS.map(
  ([method, template, operation, reason]) => ({
    method,
    path: pathPattern(template),
    operation,
    reason,
  }),
);

/** Turns `/a/{Label}/b` into a pattern with one path segment per label and an optional `/`. */
function pathPattern(template: string): RegExp {
  const segments = template
    .split(/\{[A-Za-z]+\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${segments.join('[^/]+')}/?$`);
}

/**
 * Returns the message for a request to a Lambda operation the endpoint does not serve, such
 * as `CreateFunction is not supported by LambdaCraft; functions come from the SAM template`,
 * or undefined when the request matches no Lambda operation.
 */
export function unsupportedOperationMessage(
  method: string,
  pathname: string,
  query: URLSearchParams,
): string | undefined {
  const match = UNSUPPORTED.find(
    (candidate) => candidate.method === method && candidate.path.test(pathname),
  );
  if (match === undefined) return undefined;

  // GetLayerVersionByArn shares ListLayers' path; `?find=LayerVersion` distinguishes it.
  const operation =
    match.operation === 'ListLayers' && query.get('find') === 'LayerVersion'
      ? 'GetLayerVersionByArn'
      : match.operation;
  return `${operation} is not supported by LambdaCraft; ${match.reason}`;
}
