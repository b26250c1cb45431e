import { LambdaCraftError } from '../errors.js';
import type { FunctionConfig } from './function-config.js';

/** The functions the platform runs, by name. */
export class FunctionRegistry {
  readonly #functions = new Map<string, FunctionConfig>();

  put(config: FunctionConfig): void {
    this.#functions.set(config.functionName, config);
  }

  find(functionName: string): FunctionConfig | undefined {
    return this.#functions.get(functionName);
  }

  list(): FunctionConfig[] {
    return [...this.#functions.values()];
  }

  delete(functionName: string): void {
    this.#functions.delete(functionName);
  }
}

export function functionNotFound(arn: string): LambdaCraftError {
  return new LambdaCraftError('ResourceNotFoundException', `Function not found: ${arn}`, {
    status: 404,
  });
}
