import { LambdaCraftError } from '../errors.js';
import type { FunctionConfig } from './function-config.js';

/** The functions the platform runs, by name. */
export class FunctionRegistry {
  readonly #functions = new Map<string, FunctionConfig>();
  readonly #invalid = new Map<string, string>();

  /** Records a function the platform could not accept, so that calls to it can report why. */
  putInvalid(functionName: string, reason: string): void {
    this.#functions.delete(functionName);
    this.#invalid.set(functionName, reason);
  }

  findInvalid(functionName: string): string | undefined {
    return this.#invalid.get(functionName);
  }

  put(config: FunctionConfig): void {
    this.#functions.set(config.functionName, config);
    this.#invalid.delete(config.functionName);
  }

  find(functionName: string): FunctionConfig | undefined {
    return this.#functions.get(functionName);
  }

  list(): FunctionConfig[] {
    return [...this.#functions.values()];
  }

  delete(functionName: string): void {
    this.#functions.delete(functionName);
    this.#invalid.delete(functionName);
  }
}

export function functionNotFound(arn: string, reason?: string): LambdaCraftError {
  const message = `Function not found: ${arn}`;
  return new LambdaCraftError(
    'ResourceNotFoundException',
    reason === undefined ? message : `${message} (it was not created: ${reason})`,
    { status: 404 },
  );
}
