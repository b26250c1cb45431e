/**
 * The one error type of the platform. `code` is the AWS wire name where the error is an
 * AWS one (`ResourceNotFoundException`), so that front doors map it without reading the
 * message; `userFault` separates bad input (HTTP 4xx, `Type: User`) from our own failures.
 */
export class LambdaCraftError extends Error {
  readonly code: string;
  readonly status: number;
  readonly userFault: boolean;
  readonly details: Record<string, string>;

  constructor(
    code: string,
    message: string,
    options: {
      status?: number;
      userFault?: boolean;
      cause?: unknown;
      details?: Record<string, string>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'LambdaCraftError';
    this.code = code;
    this.status = options.status ?? 400;
    this.userFault = options.userFault ?? this.status < 500;
    this.details = options.details ?? {};
  }
}

/** A configuration value outside what Lambda accepts; the message names the value and the fix. */
export function invalidConfig(message: string): LambdaCraftError {
  return new LambdaCraftError('InvalidConfiguration', message);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
