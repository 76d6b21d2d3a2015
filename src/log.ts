import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Every path under which a key or an auth header can appear in a log object. */
export const REDACT_PATHS = [
  'key',
  'apiKey',
  '*.key',
  '*.apiKey',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.headers.Authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
