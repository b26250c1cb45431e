import { createRequire } from 'node:module';

import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// pino-pretty is a CommonJS module whose `module.exports` is its stream factory.
const prettyStream = createRequire(import.meta.url)('pino-pretty') as (
  options: Record<string, unknown>,
) => DestinationStream;

/**
 * Creates the platform's logger: human-readable lines on a terminal, JSON lines otherwise.
 * LAMBDACRAFT_LOG_LEVEL sets the level (default info).
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.LAMBDACRAFT_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? process.stderr.isTTY;
  if (!pretty) {
    return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: false }));
  }

  return pino(
    { level, base: undefined },
    prettyStream({
      destination: 2,
      sync: true,
      ignore: 'pid,hostname',
      translateTime: 'HH:MM:ss.l',
    }),
  );
}

/** Creates a logger that drops everything, for tests and commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
