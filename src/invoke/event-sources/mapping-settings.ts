/** Where a new mapping starts reading each shard of its stream. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** The accepted configuration of an event source mapping, as Lambda's API names it. */
export interface MappingSettings {
  startingPosition: StartingPosition;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  /**
   * Batches in flight at once per shard, 1 to 10. Records are split into this many lanes
   * by item key, so the records of one item stay in order.
   */
  parallelizationFactor: number;
  /** -1 retries until the records expire. */
  maximumRetryAttempts: number;
  /** -1 keeps records until the stream drops them. */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  /** Always 0: tumbling windows are rejected at create and update. */
  tumblingWindowInSeconds: number;
  /** Empty, or `['ReportBatchItemFailures']`. */
  functionResponseTypes: string[];
  /** The ARN of the function that receives the failure records of discarded batches. */
  onFailureDestination: string | undefined;
  /** FilterCriteria patterns as the client sent them (JSON text). */
  filterPatterns: string[];
}

/** One event source mapping as the state store keeps it. */
export interface EventSourceMapping {
  uuid: string;
  eventSourceArn: string;
  functionName: string;
  qualifier: string | undefined;
  enabled: boolean;
  state: MappingState;
  stateTransitionReason: string;
  lastModifiedMs: number;
  lastProcessingResult: string;
  settings: MappingSettings;
  /**
   * `<function>|<stream ARN>|<event id>` for a mapping a template declares, so that a
   * restart finds it again with its checkpoints; undefined for mappings made through the API.
   */
  templateKey: string | undefined;
}

export type MappingState = 'Creating' | 'Enabled' | 'Disabled' | 'Updating' | 'Deleting';

/** Lambda's defaults for a DynamoDB stream mapping. */
export const DEFAULT_SETTINGS: Omit<MappingSettings, 'startingPosition'> = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  parallelizationFactor: 1,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  tumblingWindowInSeconds: 0,
  functionResponseTypes: [],
  onFailureDestination: undefined,
  filterPatterns: [],
};

/** Ranges of Lambda's API model for the numeric members of a stream mapping. */
export const SETTING_RANGES = {
  batchSize: { min: 1, max: 10_000 },
  maximumBatchingWindowInSeconds: { min: 0, max: 300 },
  parallelizationFactor: { min: 1, max: 10 },
  maximumRetryAttempts: { min: -1, max: 10_000 },
  maximumRecordAgeInSeconds: { min: -1, max: 604_800 },
  tumblingWindowInSeconds: { min: 0, max: 900 },
} as const;

/** Between -1 (no limit) and this, Lambda rejects MaximumRecordAgeInSeconds. */
export const MIN_RECORD_AGE_SECONDS = 60;

/** The ARN of a mapping: `arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>`. */
export function eventSourceMappingArn(
  account: { region: string; accountId: string },
  uuid: string,
): string {
  return `arn:aws:lambda:${account.region}:${account.accountId}:event-source-mapping:${uuid}`;
}
