import type { Database } from 'better-sqlite3';
import type { Uid } from '../readers/uid.js';
import type { Clock } from '../time/clock.js';
import type { WriteObserver } from './health.js';

export interface UnknownScan {
  uid: Uid;
  at: number;
}

/** Enough to enrol the last few people without the table growing on a reader that sees strangers. */
export const UNKNOWN_SCANS_KEPT = 100;

/**
 * UIDs tapped that map to no badge, newest last, so `badge add --last-unknown` can enrol a badge by
 * tapping it instead of typing its UID.
 */
export class UnknownScans {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #kept: number;
  readonly #observer: WriteObserver | undefined;

  /** `observer` hears whether each record succeeded: it is a write on the tap path. */
  constructor(db: Database, clock: Clock, kept = UNKNOWN_SCANS_KEPT, observer?: WriteObserver) {
    this.#db = db;
    this.#clock = clock;
    this.#kept = kept;
    this.#observer = observer;
  }

  record(uid: Uid, at: number = this.#clock.now()): void {
    try {
      this.#insert(uid, at);
    } catch (error) {
      this.#observer?.failed(error);
      throw error;
    }
    this.#observer?.succeeded();
  }

  #insert(uid: Uid, at: number): void {
    this.#db
      .transaction(() => {
        const { lastInsertRowid } = this.#db
          .prepare('INSERT INTO unknown_scans (uid, at) VALUES (?, ?)')
          .run(uid, at);
        this.#db
          .prepare('DELETE FROM unknown_scans WHERE id <= ?')
          .run(BigInt(lastInsertRowid) - BigInt(this.#kept));
      })
      .immediate();
  }

  /** The most recent unknown tap, whether or not its UID was enrolled since. */
  last(): UnknownScan | null {
    return (
      this.#db
        .prepare<[], UnknownScan>('SELECT uid, at FROM unknown_scans ORDER BY at DESC, id DESC LIMIT 1')
        .get() ?? null
    );
  }
}
