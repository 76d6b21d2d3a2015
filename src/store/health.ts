import { errorMessage } from '../error-message.js';
import type { Logger } from '../log.js';
import { faultAt, storageError } from './errors.js';

/** Told about every write whose failure the kiosk must show: the tap path's. */
export interface WriteObserver {
  succeeded(): void;
  failed(error: unknown): void;
}

/**
 * Whether the database takes writes, as the daemon last found out. A failing write is logged when
 * the state changes (working -> failing, one fault -> another, failing -> working), not on every
 * heartbeat, and the idle signal shows `attention` while writes fail, because taps then cannot be
 * stored. Writes outside the tap path go through `attempt`, which never throws: a full disk or a
 * held lock must not take the daemon down, and when space returns the next write succeeds.
 */
export class StorageHealth implements WriteObserver {
  private fault: string | null = null;
  private since = 0;

  constructor(
    private readonly deps: {
      path: string;
      logger: Logger;
      now: () => number;
      /** The state changed: the daemon refreshes the idle signal. */
      onChange?: () => void;
    },
  ) {}

  get failing(): boolean {
    return this.fault !== null;
  }

  /** Runs a write that is not on the tap path; true when it succeeded. */
  attempt(what: string, write: () => void): boolean {
    try {
      write();
    } catch (error) {
      this.failed(error, what);
      return false;
    }
    this.succeeded();
    return true;
  }

  succeeded(): void {
    if (this.fault === null) return;
    this.deps.logger.info(
      { was: this.fault, forMs: this.deps.now() - this.since },
      'database writes work again',
    );
    this.fault = null;
    this.deps.onChange?.();
  }

  failed(error: unknown, what = 'tap'): void {
    const code = (error as { code?: unknown } | null)?.code;
    // By kind, not by code: a held lock answers SQLITE_BUSY to one write and SQLITE_BUSY_SNAPSHOT
    // to the next, and that is no news.
    const fault = faultAt(error, this.deps.path) ?? 'other';
    if (fault === this.fault) return;
    const wasWorking = this.fault === null;
    this.fault = fault;
    if (wasWorking) this.since = this.deps.now();
    const described = storageError(error, this.deps.path);
    this.deps.logger.error(
      {
        what,
        fault,
        code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown',
        reason: described?.message ?? errorMessage(error),
      },
      'database writes failing',
    );
    this.deps.onChange?.();
  }
}
