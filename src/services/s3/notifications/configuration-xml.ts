import { notImplemented, s3Error } from '../errors.js';
import { childNamed, childrenNamed, type XmlElement, type XmlNode } from '../xml.js';
import { invalidArgument, type FunctionNotification, type KeyFilter } from './configuration.js';

/** Destinations of a parsed configuration that this platform cannot deliver to. */
export interface UnsupportedDestination {
  arn: string;
  reason: string;
}

/**
 * Reads a `NotificationConfiguration` document. Its `CloudFunctionConfiguration` entries
 * become configurations; queue and topic destinations are returned apart, because there is
 * no SQS or SNS here to validate them against.
 */
export function parseNotificationConfiguration(document: XmlNode | undefined): {
  functions: FunctionNotification[];
  unsupported: UnsupportedDestination[];
} {
  if (document === undefined) return { functions: [], unsupported: [] };
  if (document.name !== 'NotificationConfiguration') throw s3Error('MalformedXML');
  if (childNamed(document, 'EventBridgeConfiguration') !== undefined) {
    throw notImplemented('Delivery of bucket notifications to EventBridge');
  }

  const unsupported: UnsupportedDestination[] = [];
  for (const [element, arnElement, service] of [
    ['QueueConfiguration', 'Queue', 'SQS'],
    ['TopicConfiguration', 'Topic', 'SNS'],
  ] as const) {
    for (const node of childrenNamed(document, element)) {
      unsupported.push({
        arn: requiredText(node, arnElement),
        reason: `LambdaCraft runs no ${service}, so the destination does not exist`,
      });
    }
  }
  const functions = childrenNamed(document, 'CloudFunctionConfiguration').map(readFunction);
  return { functions, unsupported };
}

function readFunction(node: XmlNode): FunctionNotification {
  return {
    id: childNamed(node, 'Id')?.text.trim() ?? '',
    functionArn: requiredText(node, 'CloudFunction'),
    events: childrenNamed(node, 'Event').map((event) => event.text.trim()),
    filter: readFilter(childNamed(node, 'Filter')),
  };
}

function readFilter(node: XmlNode | undefined): KeyFilter {
  const filter: KeyFilter = { prefix: undefined, suffix: undefined };
  const rules =
    node === undefined ? [] : childrenNamed(childNamed(node, 'S3Key') ?? node, 'FilterRule');
  for (const rule of rules) {
    const name = childNamed(rule, 'Name')?.text.trim().toLowerCase();
    const value = childNamed(rule, 'Value')?.text ?? '';
    if (name !== 'prefix' && name !== 'suffix') {
      throw invalidArgument(
        'filter rule name must be either prefix or suffix',
        'FilterRule',
        name ?? '',
      );
    }
    if (filter[name] !== undefined) {
      throw invalidArgument(
        `Cannot specify more than one ${name} rule in a filter.`,
        'FilterRule',
        name,
      );
    }
    filter[name] = value;
  }
  return filter;
}

function requiredText(node: XmlNode, name: string): string {
  const text = childNamed(node, name)?.text.trim();
  if (text === undefined || text === '') throw s3Error('MalformedXML');
  return text;
}

/** The body of GetBucketNotificationConfiguration's `NotificationConfiguration` document. */
export function notificationConfigurationXml(configurations: FunctionNotification[]): XmlElement {
  return {
    CloudFunctionConfiguration: configurations.map((configuration) => ({
      Id: configuration.id,
      CloudFunction: configuration.functionArn,
      Event: configuration.events,
      Filter: filterXml(configuration.filter),
    })),
  };
}

function filterXml(filter: KeyFilter): XmlElement | undefined {
  const rules = (['prefix', 'suffix'] as const)
    .filter((name) => filter[name] !== undefined)
    .map((name) => ({ Name: name, Value: filter[name] }));
  return rules.length === 0 ? undefined : { S3Key: { FilterRule: rules } };
}
