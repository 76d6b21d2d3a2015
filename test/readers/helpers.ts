import { createLogger, type Logger } from '../../src/log.js';
import type { ReaderState } from '../../src/readers/reader.js';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (text: string) => lines.push(JSON.parse(text)) });
  return { logger, lines };
}

export const WARN = 40;
export const DEBUG = 20;

/** What a reader reported, in order. */
export function recorder() {
  const uids: string[] = [];
  const states: ReaderState[] = [];
  return {
    uids,
    states,
    onUid: (uid: string) => uids.push(uid),
    onState: (state: ReaderState) => states.push(state),
  };
}
