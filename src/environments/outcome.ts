/** How an invocation ended, as far as the execution environment is concerned. */
export type OutcomeKind =
  | 'success'
  | 'function-error'
  | 'response-too-large'
  | 'timeout'
  | 'exit'
  | 'out-of-memory'
  | 'init-error';

export interface InvocationOutcome {
  kind: OutcomeKind;
  payload: Buffer;
  contentType: string;
  /** The error type for metering and logs; undefined on success. */
  errorType: string | undefined;
  durationMs: number;
  /** Present on the first invocation of an environment (a cold start). */
  initDurationMs: number | undefined;
  maxMemoryUsedMb: number;
  /** Output written before this invocation began (during Init, or after the last one ended). */
  preambleLines: string[];
  /** Function output of this invocation, one entry per line, without the newline. */
  logLines: string[];
  /** Lines the platform writes for this invocation (timeout notice), placed before END. */
  platformLines: string[];
  /** Lines written after REPORT, as Lambda does for a runtime that exited. */
  trailingLines: string[];
}

/**
 * The outcome rule: a function error, handled or not, keeps the environment warm for the
 * next event; a timeout, a crash or exit of the runtime (an out-of-memory kill included), or
 * a failed init destroys it.
 */
export function keepsEnvironment(kind: OutcomeKind): boolean {
  return kind === 'success' || kind === 'function-error' || kind === 'response-too-large';
}

export function isFunctionError(kind: OutcomeKind): boolean {
  return kind !== 'success';
}
