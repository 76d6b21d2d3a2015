import { createLogger, type Logger } from '../../src/log.js';
import type { ReaderState } from '../../src/readers/reader.js';
import type { TimerHandle, Timers } from '../../src/time/timers.js';

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

/** Timers that fire only when the test says so, recording every requested delay. */
export class ManualTimers implements Timers {
  readonly delays: number[] = [];
  private pending = new Map<number, () => void>();
  private nextId = 1;

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.delays.push(ms);
    this.pending.set(id, callback);
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Fires the one pending timer. */
  fire(): void {
    const entries = [...this.pending.entries()];
    if (entries.length !== 1) throw new Error(`expected one pending timer, found ${entries.length}`);
    const [id, callback] = entries[0]!;
    this.pending.delete(id);
    callback();
  }
}

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
