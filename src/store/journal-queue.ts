import type { Database, Statement } from 'better-sqlite3';
import { type TapRow, toTap } from './journal-rows.js';
import type { JournalCounts, Tap, TapState } from './journal-types.js';
import { inShortTransactions, type ShortTransactionOptions } from './short-transactions.js';

/** Rows per statement of the bulk operations: a few milliseconds of work each. */
const BATCH = 500;

/**
 * The admin's view of the journal: what is undelivered and why (`status`, `queue list`, the web
 * status page), and the only ways a tap leaves it or goes back in the queue (retry, drop, prune).
 * The courier's Journal builds on it.
 */
export class JournalQueue {
  private readonly byId: Statement;
  private readonly statements = new Map<string, Statement>();

  constructor(protected readonly db: Database) {
    this.byId = db.prepare('SELECT * FROM taps WHERE id = ?');
    this.byId.safeIntegers(true);
  }

  /** Prepares each statement once: the courier runs these for every tap of a long backlog. */
  protected sql(source: string): Statement {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  get(id: number): Tap | null {
    return toTap(this.byId.get(id) as TapRow | undefined);
  }

  /** Whether any tap needs an admin; asked after every tap, so it stops at the first one found. */
  hasFailed(): boolean {
    return this.sql("SELECT 1 FROM taps WHERE state = 'failed' LIMIT 1").get() !== undefined;
  }

  counts(): JournalCounts {
    const rows = this.sql(
      "SELECT state, COUNT(*) AS n FROM taps WHERE state IN ('pending', 'failed') GROUP BY state",
    ).all() as { state: TapState; n: number }[];
    const count = (state: TapState) => rows.find((r) => r.state === state)?.n ?? 0;
    return { pending: count('pending'), failed: count('failed') };
  }

  /** How many of a badge's taps are undelivered (pending or failed, or failed only). */
  countOpenOf(uid: string, options: { failedOnly?: boolean } = {}): number {
    const row = this.sql(
      `SELECT COUNT(*) AS n FROM taps WHERE uid = ? AND state IN ${openStates(options)}`,
    ).get(uid) as {
      n: number;
    };
    return row.n;
  }

  /**
   * Undelivered taps (pending and failed), oldest first, one at a time: `queue list` streams a
   * backlog of any size in constant memory. The connection serves nothing else until it is done.
   */
  *openTaps(options: { failedOnly?: boolean; afterId?: number } = {}): Generator<Tap> {
    const rows = this.sql(`SELECT * FROM taps WHERE state IN ${openStates(options)} AND id > ? ORDER BY id`)
      .safeIntegers(true)
      .iterate(options.afterId ?? 0) as IterableIterator<TapRow>;
    for (const row of rows) yield toTap(row) as Tap;
  }

  /** How many undelivered taps there are after `afterId`. */
  countOpen(options: { failedOnly?: boolean; afterId?: number } = {}): number {
    const row = this.sql(
      `SELECT COUNT(*) AS n FROM taps WHERE state IN ${openStates(options)} AND id > ?`,
    ).get(options.afterId ?? 0) as { n: number };
    return row.n;
  }

  /** Failure reasons with their counts, for `status`. */
  failureReasons(): { reason: string; count: number }[] {
    return this.sql(
      `SELECT COALESCE(last_error, 'unknown') AS reason, COUNT(*) AS count FROM taps
         WHERE state = 'failed' GROUP BY reason ORDER BY count DESC`,
    ).all() as { reason: string; count: number }[];
  }

  /** Puts failed taps back in the queue (after an admin fixed a key). Returns how many. */
  retry(ids: number[]): number {
    const statement = this.sql(
      "UPDATE taps SET state = 'pending', outcome = NULL, next_attempt_at = 0 WHERE id = ? AND state = 'failed'",
    );
    return this.db.transaction(() => ids.reduce((n, id) => n + statement.run(id).changes, 0))();
  }

  /**
   * Puts every failed tap back in the queue, a batch per short transaction: after a long outage
   * with a wrong key there may be thousands, and the daemon must get its taps in meanwhile.
   * Each tap stands on its own, so an interrupted run is finished by running it again.
   */
  async retryAllFailed(options?: ShortTransactionOptions): Promise<number> {
    const batch = this.sql(
      `UPDATE taps SET state = 'pending', outcome = NULL, next_attempt_at = 0
         WHERE id IN (SELECT id FROM taps WHERE state = 'failed' ORDER BY id LIMIT ${BATCH})`,
    );
    let count = 0;
    await inShortTransactions(
      this.db,
      () => {
        const changed = batch.run().changes;
        count += changed;
        return changed > 0;
      },
      options,
    );
    return count;
  }

  /** The only way an undelivered tap leaves the journal. */
  drop(id: number): Tap | null {
    const tap = this.get(id);
    if (tap === null || tap.state === 'delivered') return null;
    this.sql('DELETE FROM taps WHERE id = ?').run(id);
    return tap;
  }

  /**
   * Deletes delivered taps older than `before`, a batch per short transaction, so the daemon's
   * event loop (and the next tap) never waits for all of them; undelivered taps are never pruned.
   */
  async pruneDelivered(before: number, options?: ShortTransactionOptions): Promise<number> {
    const batch = this.sql(
      `DELETE FROM taps WHERE id IN
         (SELECT id FROM taps WHERE state = 'delivered' AND at_ms < ? ORDER BY id LIMIT ${BATCH})`,
    );
    let count = 0;
    await inShortTransactions(
      this.db,
      () => {
        const changed = batch.run(before).changes;
        count += changed;
        return changed > 0;
      },
      options,
    );
    return count;
  }
}

function openStates(options: { failedOnly?: boolean }): string {
  return options.failedOnly ? "('failed')" : "('pending', 'failed')";
}
