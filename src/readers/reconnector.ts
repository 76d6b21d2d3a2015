import type { Logger } from '../log.js';
import type { TimerHandle, Timers } from '../time/timers.js';
import { Backoff } from './backoff.js';
import { describeOpenFailure, type OpenFailure } from './open-failure.js';
import type { ReaderState } from './reader.js';

export interface ReconnectorOptions {
  timers: Timers;
  logger: Logger;
  /** Tries to open the device again; reports back through connected() or openFailed(). */
  reopen: () => Promise<void>;
  onOpenFailure?: (failure: OpenFailure) => void;
}

/**
 * The connection bookkeeping the device readers share: state changes reported once, one log line
 * per outage instead of one per retry, and reopening with backoff until stopped.
 */
export class Reconnector {
  private readonly backoff = new Backoff();
  private timer: TimerHandle | null = null;
  private state: ReaderState | null = null;
  private failures = 0;
  private onState: (state: ReaderState) => void = () => {};
  running = false;

  constructor(private readonly options: ReconnectorOptions) {}

  start(onState: (state: ReaderState) => void): void {
    this.onState = onState;
    this.running = true;
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  connected(fields: Record<string, unknown> = {}): void {
    this.backoff.reset();
    this.failures = 0;
    this.options.logger.info(fields, 'reader device opened');
    this.setState('connected');
  }

  openFailed(failure: OpenFailure): void {
    this.failures += 1;
    const fields = { reason: failure.kind, err: failure.message };
    if (this.failures === 1) this.options.logger.warn(fields, describeOpenFailure(failure));
    else this.options.logger.debug({ ...fields, attempt: this.failures }, 'reader still unavailable');
    this.options.onOpenFailure?.(failure);
    this.setState('disconnected');
    this.schedule();
  }

  lost(error: string | undefined): void {
    this.options.logger.warn({ err: error }, 'reader device lost');
    this.setState('disconnected');
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      void this.options.reopen();
    }, this.backoff.next());
  }

  private setState(state: ReaderState): void {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }
}

/** Stops listening to a device object that is done with, without letting a late 'error' crash us. */
export function detach(emitter: {
  removeAllListeners(): unknown;
  on(event: 'error', listener: () => void): unknown;
}): void {
  emitter.removeAllListeners();
  emitter.on('error', () => {});
}
