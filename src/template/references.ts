/**
 * `Ref` to resources and `Fn::GetAtt`: the local values of the template's resources.
 *
 * A function's name is its FunctionName, or its logical id when FunctionName is absent (the
 * name the platform runs it under). Every other resource is named by its logical id, which is
 * what the platform keys APIs by. `Ref` returns that name for every type except the
 * SAM-generated alias, whose `Ref` is the alias ARN as on AWS, and `AWS::S3::Bucket`, whose
 * `Ref` is its bucket name (src/template/bucket-names.ts).
 * NOTE: on AWS, `Ref` to most other types returns a generated physical id (a queue URL, an
 * API id, a bucket name with a random suffix), so code that parses those values gets other
 * text here.
 *
 * `Fn::GetAtt` values are built from that name, the account and the region, in the formats
 * AWS documents for each type (`ATTRIBUTES` below). Attributes that AWS generates when it
 * creates the resource (a role id, a stream label, an API id) have no local value, and asking
 * for one is an error that names it.
 */
import { resolveBucketName } from './bucket-names.js';
import { resolveTableName } from './table-names.js';
import type { IntrinsicContext } from './intrinsics.js';
import { describeValue, scopeError, type Scope } from './resolve-scope.js';

type Json = Record<string, unknown>;

/** One resource of the template, or one that SAM generates from it. */
export interface ResourceSymbol {
  logicalId: string;
  type: string;
  /** The resource's properties with Globals merged, before intrinsics are resolved. */
  properties: Json;
  /** The resource-level `Condition`, when there is one. */
  condition: string | undefined;
  /** False when `condition` is false, so the stack has no such resource. */
  created: boolean;
  /** True for resources SAM generates (`HelloRole`, `ServerlessRestApi`), absent from the file. */
  generated: boolean;
  /** For a resource SAM generates from a function (`HelloRole`), the function's logical id. */
  sourceFunction: string | undefined;
}

/** The names intrinsics can refer to besides parameters: resources, conditions and mappings. */
export interface TemplateSymbols {
  resources: ReadonlyMap<string, ResourceSymbol>;
  conditions: ReadonlyMap<string, boolean>;
  mappings: Json;
  /** Declared parameters without a value, each with how to give it one. */
  unsetParameters: ReadonlyMap<string, string>;
  /** Function names resolved so far, by logical id. */
  functionNames: Map<string, string>;
  /** Functions whose FunctionName is being resolved, to report a reference cycle. */
  resolvingNames: Set<string>;
}

/** The resolver, passed in so that this module and intrinsics.ts do not import each other. */
export type Resolve = (value: unknown, context: IntrinsicContext) => unknown;

export const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

/** The partition a region belongs to, as `AWS::Partition` returns it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The domain suffix of a region's endpoints, as `AWS::URLSuffix` returns it. */
export function urlSuffixOf(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Resolves `Ref` to a resource, or to a SAM referable property such as `MyFunction.Alias`. */
export function resolveResourceRef(name: string, scope: Scope, resolve: Resolve): string {
  const { symbols, resources } = scope.context;
  const dot = name.indexOf('.');
  const logicalId = dot > 0 ? name.slice(0, dot) : name;
  if (
    scope.context.inConditions &&
    (symbols?.resources.has(logicalId) || resources?.has(logicalId))
  ) {
    throw scopeError(
      scope,
      `Ref '${name}' refers to a resource, but CloudFormation evaluates Conditions before it creates resources; compare parameters, pseudo parameters or mappings instead`,
    );
  }
  if (symbols === undefined) {
    if (resources?.has(name)) return name;
    throw noSuchReference(name, scope);
  }
  if (!symbols.resources.has(logicalId)) throw noSuchReference(name, scope);
  if (dot > 0) return referableProperty(logicalId, name.slice(dot + 1), scope, resolve);

  const resource = findReferencedResource(logicalId, scope, `Ref '${name}'`);
  if (FUNCTION_TYPES.has(resource.type)) return resolveFunctionName(resource, scope, resolve);
  if (resource.type === 'AWS::Lambda::Alias' && resource.sourceFunction !== undefined) {
    return aliasArn(resource.sourceFunction, scope, resolve);
  }
  if (resource.type === 'AWS::S3::Bucket') return resolveBucketName(resource, scope, resolve);
  if (resource.type === 'AWS::DynamoDB::Table') return resolveTableName(resource, scope, resolve);
  return resource.logicalId;
}

function noSuchReference(name: string, scope: Scope): Error {
  return scopeError(
    scope,
    `Ref '${name}' names no parameter or resource; declare it under Parameters or Resources, or pass --parameter-overrides ${name}=VALUE`,
  );
}

/**
 * Finds a resource an intrinsic refers to. It must exist, be created (its condition true) and
 * not be the resource whose properties are resolved, which CloudFormation rejects as a
 * circular dependency.
 */
function findReferencedResource(
  logicalId: string,
  scope: Scope,
  reference: string,
): ResourceSymbol {
  const resource = scope.context.symbols?.resources.get(logicalId);
  if (resource === undefined) {
    throw scopeError(
      scope,
      `${reference} names no resource; declare '${logicalId}' under Resources or fix the name`,
    );
  }
  if (!resource.created) {
    const condition = resource.condition ?? '';
    throw scopeError(
      scope,
      `${reference} refers to resource '${logicalId}', which is not created because its condition '${condition}' is false; guard the reference with Fn::If [${condition}, ..., ...]`,
    );
  }
  if (logicalId === scope.context.selfLogicalId) {
    throw scopeError(
      scope,
      `${reference} refers to resource '${logicalId}' itself, which CloudFormation rejects as a circular dependency; read the value at run time instead (AWS_LAMBDA_FUNCTION_NAME, or the function ARN on the context object)`,
    );
  }
  return resource;
}

/**
 * Resolves a function's name: its FunctionName, or its logical id without one. Each name is
 * resolved once and cached, so that every reference gets the same name.
 */
export function resolveFunctionName(
  resource: ResourceSymbol,
  scope: Scope,
  resolve: Resolve,
): string {
  const { logicalId } = resource;
  const symbols = scope.context.symbols;
  const cached = symbols?.functionNames.get(logicalId);
  if (cached !== undefined) return cached;
  const raw = resource.properties.FunctionName;
  if (raw === undefined || symbols === undefined) return logicalId;

  if (symbols.resolvingNames.has(logicalId)) {
    throw scopeError(
      scope,
      `FunctionName values refer to each other in a cycle (${[...symbols.resolvingNames, logicalId].join(' -> ')}); give one of the functions a literal FunctionName`,
    );
  }
  symbols.resolvingNames.add(logicalId);
  let value: unknown;
  try {
    value = resolve(raw, {
      ...scope.context,
      location: `resource '${logicalId}'`,
      propertyPath: 'FunctionName',
      selfLogicalId: logicalId,
    });
  } finally {
    symbols.resolvingNames.delete(logicalId);
  }
  if (value !== undefined && typeof value !== 'string') {
    throw scopeError(
      { context: { ...scope.context, location: `resource '${logicalId}'` }, path: 'FunctionName' },
      `FunctionName resolves to ${describeValue(value)}, not a string; set FunctionName to a name`,
    );
  }
  const name = value ?? logicalId;
  symbols.functionNames.set(logicalId, name);
  return name;
}

function functionArn(name: string, context: IntrinsicContext): string {
  const { region, accountId } = context.account;
  return `arn:${partitionOf(region)}:lambda:${region}:${accountId}:function:${name}`;
}

function aliasArn(functionLogicalId: string, scope: Scope, resolve: Resolve): string {
  const resource = findReferencedResource(
    functionLogicalId,
    scope,
    `Ref '${functionLogicalId}.Alias'`,
  );
  const alias = resolve(resource.properties.AutoPublishAlias, {
    ...scope.context,
    location: `resource '${functionLogicalId}'`,
    propertyPath: 'AutoPublishAlias',
  });
  if (typeof alias !== 'string') {
    throw scopeError(
      scope,
      `Ref '${functionLogicalId}.Alias' needs AutoPublishAlias on resource '${functionLogicalId}', because SAM creates the alias only then; set AutoPublishAlias (for example live)`,
    );
  }
  const name = resolveFunctionName(resource, scope, resolve);
  return `${functionArn(name, scope.context)}:${alias}`;
}

/** SAM's referable properties: `Function.Alias`, `Function.Version` and `Api.Stage`. */
function referableProperty(
  logicalId: string,
  property: string,
  scope: Scope,
  resolve: Resolve,
): string {
  const reference = `Ref '${logicalId}.${property}'`;
  const resource = findReferencedResource(logicalId, scope, reference);
  if (resource.type === 'AWS::Serverless::Function') {
    if (property === 'Alias') return aliasArn(logicalId, scope, resolve);
    if (property === 'Version') {
      throw scopeError(
        scope,
        `${reference} is the ARN of a version number Lambda assigns when SAM publishes it, and the platform runs $LATEST; refer to ${logicalId}.Alias instead`,
      );
    }
  }
  if (
    (resource.type === 'AWS::Serverless::Api' || resource.type === 'AWS::Serverless::HttpApi') &&
    property === 'Stage'
  ) {
    const stage = resolve(resource.properties.StageName, {
      ...scope.context,
      location: `resource '${logicalId}'`,
      propertyPath: 'StageName',
    });
    if (typeof stage === 'string') return stage;
    return resource.type === 'AWS::Serverless::Api' ? 'Prod' : '$default';
  }
  throw scopeError(
    scope,
    `${reference} is not a referable property of ${resource.type}; SAM offers Alias and Version on functions and Stage on APIs, so write Ref: ${logicalId} or !GetAtt ${logicalId}.${property}`,
  );
}

/** The names, account and region an attribute value is built from. */
interface LocalResource {
  /** The function name for functions, the logical id for every other type. */
  name: string;
  region: string;
  accountId: string;
  partition: string;
  urlSuffix: string;
  properties: Json;
}

interface AttributeTable {
  values: Record<string, (resource: LocalResource) => string>;
  /** Attributes AWS generates when it creates the resource; none has a local value. */
  generated: string[];
  /** True when `values` and `generated` list every attribute the type has. */
  complete: boolean;
}

function arn(service: string, resource: LocalResource, rest: string): string {
  const { partition, region, accountId } = resource;
  return `arn:${partition}:${service}:${region}:${accountId}:${rest}`;
}

const FUNCTION_ATTRIBUTES: AttributeTable = {
  values: {
    Arn: (resource) => arn('lambda', resource, `function:${resource.name}`),
    'SnapStartResponse.ApplyOn': (resource) => {
      const snapStart = resource.properties.SnapStart;
      const applyOn = isPlainObject(snapStart) ? snapStart.ApplyOn : undefined;
      return typeof applyOn === 'string' ? applyOn : 'None';
    },
    // The platform takes no snapshots, so SnapStart is never active for a version it runs.
    'SnapStartResponse.OptimizationStatus': () => 'Off',
  },
  generated: [],
  complete: true,
};

const TABLE_ATTRIBUTES: AttributeTable = {
  values: { Arn: (resource) => arn('dynamodb', resource, `table/${resource.name}`) },
  generated: ['StreamArn'],
  complete: true,
};

const STATE_MACHINE_ATTRIBUTES: AttributeTable = {
  values: {
    Arn: (resource) => arn('states', resource, `stateMachine:${resource.name}`),
    Name: (resource) => resource.name,
  },
  generated: ['StateMachineRevisionId'],
  complete: true,
};

const REST_API_ATTRIBUTES: AttributeTable = {
  values: {},
  generated: ['RestApiId', 'RootResourceId'],
  complete: false,
};

const HTTP_API_ATTRIBUTES: AttributeTable = {
  values: {},
  generated: ['ApiEndpoint', 'ApiId'],
  complete: false,
};

/** Attribute values by resource type, in the formats AWS documents for each. */
const ATTRIBUTES: Record<string, AttributeTable> = {
  'AWS::Serverless::Function': FUNCTION_ATTRIBUTES,
  'AWS::Lambda::Function': FUNCTION_ATTRIBUTES,
  'AWS::IAM::Role': {
    values: {
      Arn: ({ partition, accountId, name }) => `arn:${partition}:iam::${accountId}:role/${name}`,
    },
    generated: ['RoleId'],
    complete: true,
  },
  'AWS::S3::Bucket': {
    values: {
      Arn: ({ partition, name }) => `arn:${partition}:s3:::${name}`,
      DomainName: ({ name, urlSuffix }) => `${name}.s3.${urlSuffix}`,
      RegionalDomainName: ({ name, region, urlSuffix }) => `${name}.s3.${region}.${urlSuffix}`,
      DualStackDomainName: ({ name, region, urlSuffix }) =>
        `${name}.s3.dualstack.${region}.${urlSuffix}`,
      // NOTE: some older regions write the website host as `s3-website.REGION` instead.
      WebsiteURL: ({ name, region, urlSuffix }) =>
        `http://${name}.s3-website-${region}.${urlSuffix}`,
    },
    generated: [],
    complete: false,
  },
  'AWS::SQS::Queue': {
    values: {
      Arn: (resource) => arn('sqs', resource, resource.name),
      QueueName: (resource) => resource.name,
      QueueUrl: ({ region, urlSuffix, accountId, name }) =>
        `https://sqs.${region}.${urlSuffix}/${accountId}/${name}`,
    },
    generated: [],
    complete: true,
  },
  'AWS::SNS::Topic': {
    values: {
      TopicArn: (resource) => arn('sns', resource, resource.name),
      TopicName: (resource) => resource.name,
    },
    generated: [],
    complete: true,
  },
  'AWS::DynamoDB::Table': TABLE_ATTRIBUTES,
  'AWS::Serverless::SimpleTable': TABLE_ATTRIBUTES,
  'AWS::Events::Rule': {
    values: { Arn: (resource) => arn('events', resource, `rule/${resource.name}`) },
    generated: [],
    complete: true,
  },
  'AWS::Logs::LogGroup': {
    values: { Arn: (resource) => arn('logs', resource, `log-group:${resource.name}:*`) },
    generated: [],
    complete: true,
  },
  'AWS::Kinesis::Stream': {
    values: { Arn: (resource) => arn('kinesis', resource, `stream/${resource.name}`) },
    generated: [],
    complete: true,
  },
  'AWS::StepFunctions::StateMachine': STATE_MACHINE_ATTRIBUTES,
  'AWS::Serverless::StateMachine': STATE_MACHINE_ATTRIBUTES,
  'AWS::Serverless::Api': REST_API_ATTRIBUTES,
  'AWS::ApiGateway::RestApi': REST_API_ATTRIBUTES,
  'AWS::Serverless::HttpApi': HTTP_API_ATTRIBUTES,
  'AWS::ApiGatewayV2::Api': HTTP_API_ATTRIBUTES,
};

/** Resolves `Fn::GetAtt [logicalId, attribute]` from the table above. */
export function resolveAttribute(
  logicalId: string,
  attribute: string,
  scope: Scope,
  resolve: Resolve,
): string {
  const reference = `Fn::GetAtt '${logicalId}.${attribute}'`;
  if (scope.context.inConditions) {
    throw scopeError(
      scope,
      `${reference} refers to a resource, but CloudFormation evaluates Conditions before it creates resources; compare parameters, pseudo parameters or mappings instead`,
    );
  }
  const resource = findReferencedResource(logicalId, scope, reference);
  const table = ATTRIBUTES[resource.type];
  const value = table?.values[attribute];
  if (value !== undefined) {
    const { region, accountId } = scope.context.account;
    const name = FUNCTION_TYPES.has(resource.type)
      ? resolveFunctionName(resource, scope, resolve)
      : resource.type === 'AWS::S3::Bucket'
        ? resolveBucketName(resource, scope, resolve)
        : resource.type === 'AWS::DynamoDB::Table'
          ? resolveTableName(resource, scope, resolve)
          : resource.logicalId;
    return value({
      name,
      region,
      accountId,
      partition: partitionOf(region),
      urlSuffix: urlSuffixOf(region),
      properties: resource.properties,
    });
  }
  throw scopeError(scope, unknownAttribute(reference, resource.type, attribute, table));
}

function unknownAttribute(
  reference: string,
  type: string,
  attribute: string,
  table: AttributeTable | undefined,
): string {
  if (table?.generated.includes(attribute)) {
    return `${reference}: AWS generates ${attribute} when it creates the ${type}, so it has no local value; pass the value as a parameter and use Ref`;
  }
  if (table?.complete) {
    const known = [...Object.keys(table.values), ...table.generated].join(', ');
    const hint = FUNCTION_TYPES.has(type) && attribute === 'Name' ? '; for the name, use Ref' : '';
    return `${reference}: ${type} has no attribute '${attribute}'; its attributes are ${known}${hint}`;
  }
  return `${reference}: LambdaCraft has no local value for attribute '${attribute}' of ${type} resources; pass the value as a parameter and use Ref`;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
