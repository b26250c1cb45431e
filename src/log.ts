import { pino, type Logger } from 'pino';

export type { Logger };

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

  return pino({
    level,
    base: undefined,
    transport: {
      target: 'pino-pretty',
      options: { destination: 2, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' },
    },
  });
}

/** A logger that drops everything, for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
