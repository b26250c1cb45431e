import { randomBytes } from 'node:crypto';

import { itemSize, valuesEqual } from '../attribute-value.js';
import type { ItemChange } from '../item-writer.js';
import type { StreamRecord } from './stream-source.js';

export type StreamViewType = StreamRecord['dynamodb']['StreamViewType'];

/**
 * Digits of a sequence number. DynamoDB's have 21 or more; zero padding keeps ours
 * ordered alike as strings and as numbers.
 */
const SEQUENCE_DIGITS = 21;

/** Formats a stored sequence number as the decimal string records carry. */
export function formatSequence(sequence: number): string {
  return String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

/** Parses a SequenceNumber string; undefined unless it is a decimal integer we could issue. */
export function parseSequence(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,40}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * True when a change writes the item as it was. DynamoDB writes no stream record for a
 * PutItem or UpdateItem that changes no data.
 */
export function changesNothing(change: ItemChange): boolean {
  const { oldImage, newImage } = change;
  if (change.eventName !== 'MODIFY' || oldImage === undefined || newImage === undefined) {
    return false;
  }
  return valuesEqual({ M: oldImage }, { M: newImage });
}

/**
 * Builds the record of one item change. The images present follow the view type, and
 * SizeBytes is the size of the keys plus the images included, each counted as an item:
 * DynamoDB's documented examples (a key `Id` of 101 with one string attribute) add up so.
 */
export function buildStreamRecord(
  change: ItemChange,
  viewType: StreamViewType,
  sequence: number,
  nowMs: number,
  region: string,
): StreamRecord {
  const withNew = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const withOld = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const newImage = withNew ? change.newImage : undefined;
  const oldImage = withOld ? change.oldImage : undefined;
  const sizeBytes = [change.keys, newImage, oldImage].reduce(
    (total, image) => total + (image === undefined ? 0 : itemSize(image)),
    0,
  );
  const record: StreamRecord = {
    eventID: randomBytes(16).toString('hex'),
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(nowMs / 1000),
      Keys: change.keys,
      ...(newImage === undefined ? {} : { NewImage: newImage }),
      ...(oldImage === undefined ? {} : { OldImage: oldImage }),
      SequenceNumber: formatSequence(sequence),
      SizeBytes: sizeBytes,
      StreamViewType: viewType,
    },
  };
  if (change.byService) {
    record.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
  }
  return record;
}
