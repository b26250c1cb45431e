import { parseFunctionReference } from '../functions/arn.js';
import type { ScheduleDefinition } from '../services/schedules/definition.js';
import {
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../services/schedules/expression.js';
import { isTimeZone } from '../services/schedules/zoned-time.js';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics.js';

/** The schedules of a template, with the ones that could not be read. */
export interface ScheduleEvents {
  schedules: ScheduleDefinition[];
  /** Invalid schedules, each naming the resource, the property, the value and the fix. */
  errors: string[];
  /**
   * Properties accepted without effect, as `DeadLetterConfig (resource 'Fn' event 'Daily'):
   * reason`; each appears once per event or resource.
   */
  ignoredProperties: string[];
  /** Logical ids of the AWS::Events::Rule and AWS::Scheduler::Schedule resources that run. */
  runResources: Set<string>;
}

export interface ScheduleReadOptions {
  /** Accept `rate(N seconds)`, which AWS rejects (development and benchmarks only). */
  allowSubminute: boolean;
}

type Json = Record<string, unknown>;

/** A schedule not yet given its target, as each form of declaration reads it. */
type ScheduleFields = Omit<ScheduleDefinition, 'functionName' | 'qualifier'>;

class ScheduleReadError extends Error {}

/** Properties of each form that only matter on AWS, with what LambdaCraft does instead. */
const IGNORED: Record<string, string> = {
  DeadLetterConfig:
    'no queue service runs here; a failed event follows the function EventInvokeConfig',
  RetryPolicy:
    "applies to EventBridge's delivery to Lambda, which cannot fail here; the async invocation's own retries apply",
  FlexibleTimeWindow:
    'every schedule fires at its scheduled time, as Mode OFF does; a window is not spread',
  RoleArn: 'no IAM role is assumed here',
  PermissionsBoundary: 'no IAM role is created here',
  KmsKeyArn: 'inputs are not encrypted here',
  GroupName: 'all schedules share one group here',
  EventBusName: 'scheduled rules run on the default event bus',
};

/**
 * Reads the `Schedule` and `ScheduleV2` events of the template's functions and its
 * `AWS::Events::Rule` and `AWS::Scheduler::Schedule` resources that target those functions.
 */
export function readScheduleEvents(
  resources: Json,
  functionNames: Map<string, string>,
  context: IntrinsicContext,
  options: ScheduleReadOptions,
): ScheduleEvents {
  const events: ScheduleEvents = {
    schedules: [],
    errors: [],
    ignoredProperties: [],
    runResources: new Set(),
  };
  const targets = new Set(functionNames.values());
  for (const [logicalId, resource] of Object.entries(resources)) {
    const { Type: type, Properties: properties } = asObject(resource);
    const location = `resource '${logicalId}'`;
    try {
      if (type === 'AWS::Serverless::Function') {
        const functionName = functionNames.get(logicalId);
        if (functionName !== undefined) {
          readFunctionEvents(
            logicalId,
            functionName,
            asObject(properties),
            context,
            options,
            events,
          );
        }
      } else if (type === 'AWS::Events::Rule' || type === 'AWS::Scheduler::Schedule') {
        const props = asObject(resolveIntrinsics(properties, { ...context, location }));
        const read = type === 'AWS::Events::Rule' ? readRuleResource : readSchedulerResource;
        if (read(logicalId, props, targets, options, events)) events.runResources.add(logicalId);
      }
    } catch (error) {
      if (!(error instanceof ScheduleReadError)) throw error;
      events.errors.push(error.message);
    }
  }
  rejectDuplicateNames(events);
  return events;
}

function readFunctionEvents(
  logicalId: string,
  functionName: string,
  properties: Json,
  context: IntrinsicContext,
  options: ScheduleReadOptions,
  events: ScheduleEvents,
): void {
  for (const [eventId, event] of Object.entries(asObject(properties.Events))) {
    const { Type: type, Properties: raw } = asObject(event);
    if (type !== 'Schedule' && type !== 'ScheduleV2') continue;

    const source = `resource '${logicalId}' event '${eventId}'`;
    try {
      const props = asObject(resolveIntrinsics(raw, { ...context, location: source }));
      // SAM names the generated rule or schedule `<FunctionLogicalId><EventLogicalId>`.
      const generatedName = `${logicalId}${eventId}`;
      const fields =
        type === 'Schedule'
          ? scheduleEventFields(props, generatedName, source, options)
          : scheduleV2EventFields(props, generatedName, source, options);
      events.schedules.push({ ...fields, functionName, qualifier: undefined });
      listIgnored(props, source, events);
    } catch (error) {
      if (!(error instanceof ScheduleReadError)) throw error;
      events.errors.push(error.message);
    }
  }
}

/** Reads a `Schedule` event, the EventBridge rule SAM generates. */
function scheduleEventFields(
  props: Json,
  generatedName: string,
  source: string,
  options: ScheduleReadOptions,
): ScheduleFields {
  const expression = requiredString(props, 'Schedule', source, 'rate(5 minutes)');
  if (props.Enabled !== undefined && props.State !== undefined) {
    throw new ScheduleReadError(
      `${source}: Enabled and State are both set; keep one of them (State: ENABLED or DISABLED)`,
    );
  }
  const enabled =
    props.State !== undefined
      ? ruleState(props.State, source)
      : booleanProperty(props, 'Enabled', source, true);
  return {
    name: optionalString(props, 'Name', source) ?? generatedName,
    kind: 'rule',
    expression,
    parsed: parseExpression(expression, 'Schedule', source, { allowAt: false, ...options }),
    timeZone: 'UTC',
    startMs: undefined,
    endMs: undefined,
    enabled,
    input: jsonInput(props, 'Input', source),
    source,
  };
}

/** Reads a `ScheduleV2` event, the EventBridge Scheduler schedule SAM generates. */
function scheduleV2EventFields(
  props: Json,
  generatedName: string,
  source: string,
  options: ScheduleReadOptions,
): ScheduleFields {
  const name = optionalString(props, 'Name', source);
  if (props.OmitName === true && name !== undefined) {
    throw new ScheduleReadError(
      `${source}: Name '${name}' is set while OmitName is true; remove one of them`,
    );
  }
  return {
    ...schedulerFields(props, source, options),
    // NOTE: with OmitName, CloudFormation would generate a name with a random suffix; the
    // generated logical id keeps the name stable across runs here.
    name: name ?? generatedName,
    input: jsonInput(props, 'Input', source),
  };
}

/** Reads the timing properties that ScheduleV2 events and AWS::Scheduler::Schedule share. */
function schedulerFields(
  props: Json,
  source: string,
  options: ScheduleReadOptions,
): Omit<ScheduleFields, 'name' | 'input'> {
  const expression = requiredString(props, 'ScheduleExpression', source, 'rate(5 minutes)');
  const timeZone = optionalString(props, 'ScheduleExpressionTimezone', source) ?? 'UTC';
  if (!isTimeZone(timeZone)) {
    throw new ScheduleReadError(
      `${source}: ScheduleExpressionTimezone '${timeZone}' is not an IANA time zone; write one such as America/New_York or UTC`,
    );
  }
  const startMs = dateProperty(props, 'StartDate', source);
  const endMs = dateProperty(props, 'EndDate', source);
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    throw new ScheduleReadError(`${source}: EndDate must be after StartDate`);
  }
  return {
    kind: 'scheduler',
    expression,
    parsed: parseExpression(expression, 'ScheduleExpression', source, {
      allowAt: true,
      ...options,
    }),
    timeZone,
    startMs,
    endMs,
    enabled: props.State === undefined ? true : ruleState(props.State, source),
    source,
  };
}

/**
 * Reads an AWS::Events::Rule; returns false, leaving it not run, when it has no
 * ScheduleExpression (an event-pattern rule).
 */
function readRuleResource(
  logicalId: string,
  props: Json,
  functions: Set<string>,
  options: ScheduleReadOptions,
  events: ScheduleEvents,
): boolean {
  if (props.ScheduleExpression === undefined) return false;

  const source = `resource '${logicalId}'`;
  const expression = requiredString(props, 'ScheduleExpression', source, 'rate(5 minutes)');
  const parsed = parseExpression(expression, 'ScheduleExpression', source, {
    allowAt: false,
    ...options,
  });
  const ruleName = optionalString(props, 'Name', source) ?? logicalId;
  const targets = Array.isArray(props.Targets) ? props.Targets.map(asObject) : [];
  if (targets.length === 0) {
    throw new ScheduleReadError(
      `${source}: Targets is empty; add a target with Arn: !GetAtt MyFunction.Arn`,
    );
  }
  targets.forEach((target, index) => {
    const targetSource = `${source} Targets[${index}]`;
    const reference = functionTarget(target.Arn, functions, targetSource);
    events.schedules.push({
      // A rule with several targets fires each under its own name; the event names the rule.
      name: targets.length === 1 ? ruleName : `${ruleName}/${targetId(target.Id, index)}`,
      ruleName,
      kind: 'rule',
      expression,
      parsed,
      timeZone: 'UTC',
      startMs: undefined,
      endMs: undefined,
      enabled: props.State === undefined ? true : ruleState(props.State, source),
      functionName: reference.functionName,
      qualifier: reference.qualifier,
      input: jsonInput(target, 'Input', targetSource),
      source,
    });
    listIgnored(target, targetSource, events);
  });
  listIgnored(props, source, events);
  return true;
}

/** Reads an AWS::Scheduler::Schedule whose Target is a function of the template. */
function readSchedulerResource(
  logicalId: string,
  props: Json,
  functions: Set<string>,
  options: ScheduleReadOptions,
  events: ScheduleEvents,
): boolean {
  const source = `resource '${logicalId}'`;
  const target = asObject(props.Target);
  const reference = functionTarget(target.Arn, functions, `${source} Target`);
  events.schedules.push({
    ...schedulerFields(props, source, options),
    name: optionalString(props, 'Name', source) ?? logicalId,
    functionName: reference.functionName,
    qualifier: reference.qualifier,
    input: jsonInput(target, 'Input', `${source} Target`),
  });
  listIgnored(props, source, events);
  listIgnored(target, `${source} Target`, events);
  return true;
}

/** Reads a target's Arn (`!GetAtt Fn.Arn`, an alias ARN, or `!Ref Fn`) as a template function. */
function functionTarget(
  arn: unknown,
  functions: Set<string>,
  source: string,
): { functionName: string; qualifier: string | undefined } {
  const reference = typeof arn === 'string' ? parseFunctionReference(arn) : undefined;
  if (reference === undefined || !functions.has(reference.functionName)) {
    throw new ScheduleReadError(
      `${source}: Arn ${JSON.stringify(arn)} is not a function of this template; only function targets run here, so write Arn: !GetAtt MyFunction.Arn`,
    );
  }
  return { functionName: reference.functionName, qualifier: reference.qualifier };
}

function parseExpression(
  expression: string,
  property: string,
  source: string,
  options: { allowAt: boolean; allowSubminute: boolean },
): ScheduleDefinition['parsed'] {
  try {
    return parseScheduleExpression(expression, options);
  } catch (error) {
    if (!(error instanceof ScheduleExpressionError)) throw error;
    throw new ScheduleReadError(`${source}: ${property} '${expression}' ${error.message}`);
  }
}

function listIgnored(props: Json, source: string, events: ScheduleEvents): void {
  for (const [property, reason] of Object.entries(IGNORED)) {
    if (props[property] !== undefined) {
      events.ignoredProperties.push(`${property} (${source}): ${reason}`);
    }
  }
}

function rejectDuplicateNames(events: ScheduleEvents): void {
  const seen = new Map<string, string>();
  events.schedules = events.schedules.filter((schedule) => {
    const first = seen.get(schedule.name);
    if (first === undefined) {
      seen.set(schedule.name, schedule.source);
      return true;
    }
    events.errors.push(
      `${schedule.source}: schedule name '${schedule.name}' is already used by ${first}; give each schedule its own Name`,
    );
    return false;
  });
}

function ruleState(value: unknown, source: string): boolean {
  if (value === 'ENABLED') return true;
  if (value === 'DISABLED') return false;
  throw new ScheduleReadError(
    `${source}: State ${JSON.stringify(value)} is not ENABLED or DISABLED; write one of them`,
  );
}

function requiredString(props: Json, property: string, source: string, example: string): string {
  const value = props[property];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ScheduleReadError(
      `${source}: ${property} is ${value === undefined ? 'missing' : `${JSON.stringify(value)}, not a string`}; set it, for example ${property}: ${example}`,
    );
  }
  return value.trim();
}

function optionalString(props: Json, property: string, source: string): string | undefined {
  const value = props[property];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ScheduleReadError(
      `${source}: ${property} ${JSON.stringify(value)} is not a non-empty string; write a string or remove it`,
    );
  }
  return value;
}

function booleanProperty(
  props: Json,
  property: string,
  source: string,
  fallback: boolean,
): boolean {
  const value = props[property];
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  throw new ScheduleReadError(
    `${source}: ${property} ${JSON.stringify(value)} is not true or false; write one of them`,
  );
}

/** Reads an Input property: JSON text, which replaces the whole event. */
function jsonInput(props: Json, property: string, source: string): string | undefined {
  const value = optionalString(props, property, source);
  if (value === undefined) return undefined;
  try {
    JSON.parse(value);
  } catch (error) {
    throw new ScheduleReadError(
      `${source}: ${property} ${JSON.stringify(value)} is not valid JSON (${(error as Error).message}); write JSON text such as '{"key": "value"}'`,
    );
  }
  return value;
}

/** Reads StartDate or EndDate, ISO 8601; a time without an offset is UTC, as Scheduler reads it. */
function dateProperty(props: Json, property: string, source: string): number | undefined {
  const value = props[property];
  if (value === undefined) return undefined;
  let text = typeof value === 'string' ? value : '';
  if (value instanceof Date) text = value.toISOString();
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const epochMs = Date.parse(withZone);
  if (Number.isNaN(epochMs)) {
    throw new ScheduleReadError(
      `${source}: ${property} ${JSON.stringify(value)} is not a date; write ISO 8601 such as 2030-01-31T09:00:00Z`,
    );
  }
  return epochMs;
}

function targetId(id: unknown, index: number): string {
  return typeof id === 'string' || typeof id === 'number' ? String(id) : String(index);
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
