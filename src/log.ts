import { type DestinationStream, type Logger, pino } from 'pino';
import { type KeyScrubber, REDACTED } from './key-scrubber.js';
import { stdoutDestination } from './log-destination.js';

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

/**
 * Field paths that can hold a key are redacted by name; with a `scrubber`, the keys it knows are
 * also taken out of whatever a line says, in any of their common encodings (an echo in a message).
 */
export function createLogger(level: string, destination?: DestinationStream, scrubber?: KeyScrubber): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      ...(scrubber === undefined ? {} : { hooks: { streamWrite: (line: string) => scrubber.scrub(line) } }),
    },
    destination ?? stdoutDestination(),
  );
}
