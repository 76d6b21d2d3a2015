import { createLogger, type Logger } from '../../src/log.js';

/** One parsed JSON log line. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino Logger (src/log.ts) whose lines, written synchronously, a test reads back parsed. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  /** The lines as written, before parsing hides a key written twice. */
  readonly written: string[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    this.logger = createLogger(level, {
      write: (line: string) => {
        this.written.push(line);
        this.lines.push(JSON.parse(line));
      },
    });
  }

  withMsg(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}

/** The same as a pair, for tests that destructure it. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const capture = new LogCapture();
  return { logger: capture.logger, lines: capture.lines };
}
