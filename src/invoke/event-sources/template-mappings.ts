import { errorMessage } from '../../errors.js';
import type { TemplateStreamMapping } from '../../template/dynamodb-events.js';
import type { EventSourceMappings } from './event-source-mappings.js';
import type { MappingSettings } from './mapping-settings.js';

/** The result of applying a template's DynamoDB events, one line each, for `up` to print. */
export interface AppliedTemplateMappings {
  changes: string[];
  /** Events that do not run, each with the reason. */
  problems: string[];
}

/**
 * Makes the template's DynamoDB events the platform's template mappings. A mapping is found
 * again by function, stream ARN and event id, so a restart keeps it and its checkpoints.
 * Changed events update their mapping, and mappings of events the template dropped are
 * deleted. Mappings created through the API are left alone.
 */
export function applyTemplateMappings(
  mappings: EventSourceMappings,
  declared: TemplateStreamMapping[],
): AppliedTemplateMappings {
  const applied: AppliedTemplateMappings = { changes: [], problems: [] };
  const keys = new Set<string>();
  for (const event of declared) {
    try {
      const key = applyOne(mappings, event, applied.changes);
      if (key !== undefined) keys.add(key);
      else applied.problems.push(`${event.source}: ${missingStream(event)}`);
    } catch (error) {
      applied.problems.push(`${event.source}: ${errorMessage(error)}`);
    }
  }
  for (const mapping of mappings.list()) {
    if (mapping.templateKey === undefined || keys.has(mapping.templateKey)) continue;
    if (mapping.state === 'Deleting') continue;
    mappings.delete(mapping.uuid);
    applied.changes.push(`event source mapping ${mapping.uuid} removed`);
  }
  return applied;
}

/** Creates or updates the mapping of one event; returns its key, or undefined without a stream. */
function applyOne(
  mappings: EventSourceMappings,
  event: TemplateStreamMapping,
  changes: string[],
): string | undefined {
  const streamArn =
    'tableName' in event.stream
      ? mappings.findStreamArn(event.stream.tableName)
      : event.stream.streamArn;
  if (streamArn === undefined) return undefined;

  const key = `${event.functionName}|${streamArn}|${event.eventId}`;
  const existing = mappings.findByTemplateKey(key);
  if (existing === undefined) {
    const created = mappings.create({
      eventSourceArn: streamArn,
      functionName: event.functionName,
      qualifier: undefined,
      enabled: event.enabled,
      settings: event.settings,
      templateKey: key,
    });
    changes.push(`${event.source} event source mapping ${created.uuid} created`);
    return key;
  }

  if (existing.enabled === event.enabled && sameSettings(existing.settings, event.settings)) {
    return key;
  }
  // StartingPosition applies only when a mapping is created, as UpdateEventSourceMapping has no such member.
  mappings.update(existing.uuid, {
    enabled: event.enabled,
    settings: withoutStartingPosition(event.settings),
    clearOnFailureDestination: event.settings.onFailureDestination === undefined,
  });
  changes.push(`${event.source} event source mapping ${existing.uuid} updated`);
  return key;
}

/** Compares every setting except StartingPosition, which only a new mapping uses. */
function sameSettings(stored: MappingSettings, declared: MappingSettings): boolean {
  return (Object.keys(declared) as (keyof MappingSettings)[]).every(
    (name) =>
      name === 'startingPosition' ||
      JSON.stringify(stored[name]) === JSON.stringify(declared[name]),
  );
}

function withoutStartingPosition(
  settings: MappingSettings,
): Omit<MappingSettings, 'startingPosition'> {
  return Object.fromEntries(
    Object.entries(settings).filter(([name]) => name !== 'startingPosition'),
  ) as Omit<MappingSettings, 'startingPosition'>;
}

function missingStream(event: TemplateStreamMapping): string {
  return 'tableName' in event.stream
    ? `table '${event.stream.tableName}' has no stream; set StreamSpecification.StreamViewType on the table`
    : `Stream not found: ${event.stream.streamArn}`;
}
