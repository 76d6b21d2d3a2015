import type { Database, Statement } from 'better-sqlite3';
import type { Outcome } from '../outcome.js';
import type { WriteObserver } from './health.js';
import { inShortTransactions, type ShortTransactionOptions } from './short-transactions.js';

/**
 * The tap journal: every accepted tap, committed durably before anything else happens to it.
 * `pending` taps wait for delivery, `delivered` ones are MOCO's business now (kept as an audit
 * trail), `failed` ones need an admin and never leave without `queue retry` or `queue drop`.
 */
export type TapState = 'pending' | 'delivered' | 'failed';

/** The outcomes a tap can end with once MOCO has answered (or refused) it. */
export type FinalOutcome = Extract<Outcome, 'clocked_in' | 'clocked_out' | 'locked' | 'rejected' | 'error'>;

export interface NewTap {
  uid: string;
  userId: number | null;
  userName: string | null;
  atMs: number;
  localDate: string;
  localTime: string;
  /** False when the kiosk clock was known not to be synchronised when the tap was taken. */
  clockSynced: boolean;
  /** Monotonic clock reading (ns) and boot id, so an unsynchronised tap's time can be fixed later. */
  monoNs: bigint | null;
  bootId: string | null;
}

export interface Tap extends NewTap {
  id: number;
  /** Taps of one lane (one MOCO user, or one badge where the user is unknown) go out strictly in order. */
  lane: string;
  state: TapState;
  outcome: FinalOutcome | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  /** A touch was sent and no answer came back: reconcile with MOCO before sending it again. */
  uncertain: boolean;
  timeUncertain: boolean;
  deliveredAt: number | null;
}

interface TapRow {
  id: number;
  lane: string;
  uid: string;
  user_id: number | null;
  user_name: string | null;
  at_ms: number;
  local_date: string;
  local_time: string;
  clock_synced: number;
  mono_ns: bigint | null;
  boot_id: string | null;
  state: TapState;
  outcome: FinalOutcome | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  uncertain: number;
  time_uncertain: number;
  delivered_at: number | null;
}

export const JOURNAL_SCHEMA = `
  CREATE TABLE taps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lane TEXT NOT NULL,
    uid TEXT NOT NULL,
    user_id INTEGER,
    user_name TEXT,
    at_ms INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    clock_synced INTEGER NOT NULL DEFAULT 1,
    mono_ns INTEGER,
    boot_id TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    outcome TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,
    time_uncertain INTEGER NOT NULL DEFAULT 0,
    delivered_at INTEGER
  );
  CREATE INDEX taps_by_state ON taps (state, id);
  CREATE INDEX taps_by_lane ON taps (lane, state, id);
  CREATE INDEX taps_by_uid ON taps (uid, at_ms);
`;

/** Rows per statement of the bulk operations: a few milliseconds of work each. */
const BATCH = 500;

export function laneOf(tap: Pick<NewTap, 'userId' | 'uid'>): string {
  return tap.userId === null ? `badge:${tap.uid}` : `user:${tap.userId}`;
}

export interface JournalCounts {
  pending: number;
  failed: number;
}

export class Journal {
  private readonly insert: Statement;
  private readonly byId: Statement;
  private readonly headOfLane: Statement;
  private readonly oldestDueHead: Statement;
  private readonly earliestDue: Statement;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    /** Hears whether each append succeeded: the daemon's idle signal shows a journal that takes no taps. */
    private readonly observer?: WriteObserver,
  ) {
    this.insert = db.prepare(
      `INSERT INTO taps (lane, uid, user_id, user_name, at_ms, local_date, local_time, clock_synced, mono_ns, boot_id,
         uncertain)
       VALUES (@lane, @uid, @userId, @userName, @atMs, @localDate, @localTime, @clockSynced, @monoNs, @bootId,
         @inFlight)`,
    );
    this.byId = db.prepare('SELECT * FROM taps WHERE id = ?');
    this.headOfLane = db.prepare(
      "SELECT * FROM taps WHERE lane = ? AND state = 'pending' ORDER BY id LIMIT 1",
    );
    // The oldest pending tap that is the first pending tap of its lane and is due: drain order is
    // oldest first across users, strictly in order within a user. Walks the (state, id) index, so
    // it streams through a large backlog instead of loading it.
    this.oldestDueHead = db.prepare(
      `SELECT t.* FROM taps t
       WHERE t.state = 'pending' AND t.next_attempt_at <= ?
         AND NOT EXISTS (SELECT 1 FROM taps p WHERE p.lane = t.lane AND p.state = 'pending' AND p.id < t.id)
       ORDER BY t.id LIMIT 1`,
    );
    // Lane heads only: a later tap waiting behind a postponed head is not due before the head is,
    // and counting it would wake the drain loop every millisecond until then.
    this.earliestDue = db.prepare(
      `SELECT MIN(next_attempt_at) AS at FROM taps
       WHERE id IN (SELECT MIN(id) FROM taps WHERE state = 'pending' GROUP BY lane)`,
    );
    for (const statement of [this.byId, this.headOfLane, this.oldestDueHead]) statement.safeIntegers(true);
  }

  /** Prepares each statement once: the courier runs these for every tap of a long backlog. */
  private sql(source: string): Statement {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  /** Appends a tap and commits it; with synchronous=FULL it is on disk when this returns. */
  append(tap: NewTap, options: { inFlight: boolean } = { inFlight: false }): Tap {
    let result: { lastInsertRowid: number | bigint };
    try {
      result = this.insert.run({
        ...tap,
        lane: laneOf(tap),
        clockSynced: tap.clockSynced ? 1 : 0,
        // A tap whose touch goes out right after this commit is journaled uncertain, so a crash in
        // between ends in a reconciliation on restart instead of a blind second touch.
        inFlight: options.inFlight ? 1 : 0,
      });
    } catch (error) {
      this.observer?.failed(error);
      throw error;
    }
    this.observer?.succeeded();
    return this.get(Number(result.lastInsertRowid)) as Tap;
  }

  get(id: number): Tap | null {
    return toTap(this.byId.get(id) as TapRow | undefined);
  }

  laneHead(lane: string): Tap | null {
    return toTap(this.headOfLane.get(lane) as TapRow | undefined);
  }

  nextDue(now: number): Tap | null {
    return toTap(this.oldestDueHead.get(now) as TapRow | undefined);
  }

  /** When the next lane head becomes due, or null when nothing is pending. */
  nextDueAt(): number | null {
    const row = this.earliestDue.get() as { at: number | null };
    return row.at;
  }

  /** False when the row is gone: an admin dropped the tap while it was being delivered. */
  markDelivered(id: number, outcome: FinalOutcome, at: number): boolean {
    return (
      this.sql(
        `UPDATE taps SET state = 'delivered', outcome = ?, delivered_at = ?, attempts = attempts + 1,
         uncertain = 0, last_error = NULL WHERE id = ?`,
      ).run(outcome, at, id).changes > 0
    );
  }

  markFailed(id: number, outcome: FinalOutcome, reason: string): void {
    // Keeps `uncertain`: a failure of the reconciling read says nothing about the lost touch, so a
    // tap an admin retries must be reconciled again before a touch is re-sent.
    this.sql(
      `UPDATE taps SET state = 'failed', outcome = ?, last_error = ?, attempts = attempts + 1
         WHERE id = ?`,
    ).run(outcome, reason, id);
  }

  markAttemptFailed(
    id: number,
    failure: { reason: string; nextAttemptAt: number; uncertain: boolean },
  ): void {
    this.sql(
      // The attempt knows best: it reconciled, or it proved nothing reached MOCO, or it did not.
      `UPDATE taps SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, uncertain = ?
         WHERE id = ?`,
    ).run(failure.reason, failure.nextAttemptAt, failure.uncertain ? 1 : 0, id);
  }

  /** Before a touch is sent: from now until MOCO's definite answer, a restart reconciles first. */
  markInFlight(id: number): void {
    this.sql('UPDATE taps SET uncertain = 1 WHERE id = ? AND uncertain = 0').run(id);
  }

  /** Not an attempt: the tap waits (e.g. for the clock to be synchronised) without counting a failure. */
  postpone(id: number, until: number, reason: string): void {
    this.sql('UPDATE taps SET next_attempt_at = ?, last_error = ? WHERE id = ?').run(until, reason, id);
  }

  /** Every pending tap becomes due now: MOCO is back, the backoff of the outage no longer applies. */
  makePendingDue(): void {
    this.sql("UPDATE taps SET next_attempt_at = 0 WHERE state = 'pending' AND next_attempt_at > 0").run();
  }

  correctTime(
    id: number,
    fix: { atMs: number; localDate: string; localTime: string; clockSynced: boolean; timeUncertain: boolean },
  ): void {
    this.sql(
      `UPDATE taps SET at_ms = ?, local_date = ?, local_time = ?, clock_synced = ?, time_uncertain = ?
         WHERE id = ?`,
    ).run(fix.atMs, fix.localDate, fix.localTime, fix.clockSynced ? 1 : 0, fix.timeUncertain ? 1 : 0, id);
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

  /** The last accepted tap time of each badge since `since`, to restore the repeat guard after a restart. */
  lastTapsSince(since: number): { uid: string; atMs: number }[] {
    return this.sql('SELECT uid, MAX(at_ms) AS atMs FROM taps WHERE at_ms >= ? GROUP BY uid').all(since) as {
      uid: string;
      atMs: number;
    }[];
  }

  /** The last delivered outcome of a lane on a date, to infer a toggle's direction when MOCO did not say. */
  lastOutcomeOn(lane: string, localDate: string, beforeId: number): FinalOutcome | null {
    const row = this.sql(
      `SELECT outcome FROM taps WHERE lane = ? AND local_date = ? AND id < ? AND state = 'delivered'
         AND outcome IN ('clocked_in', 'clocked_out') ORDER BY id DESC LIMIT 1`,
    ).get(lane, localDate, beforeId) as { outcome: FinalOutcome } | undefined;
    return row?.outcome ?? null;
  }

  lastTap(): Tap | null {
    return toTap(
      this.sql('SELECT * FROM taps ORDER BY id DESC LIMIT 1').safeIntegers(true).get() as TapRow | undefined,
    );
  }
}

function openStates(options: { failedOnly?: boolean }): string {
  return options.failedOnly ? "('failed')" : "('pending', 'failed')";
}

function toTap(row: TapRow | undefined): Tap | null {
  if (row === undefined) return null;
  const num = (value: unknown) => (value === null ? null : Number(value));
  return {
    id: Number(row.id),
    lane: row.lane,
    uid: row.uid,
    userId: num(row.user_id),
    userName: row.user_name,
    atMs: Number(row.at_ms),
    localDate: row.local_date,
    localTime: row.local_time,
    clockSynced: Number(row.clock_synced) === 1,
    monoNs: row.mono_ns === null ? null : BigInt(row.mono_ns),
    bootId: row.boot_id,
    state: row.state,
    outcome: row.outcome,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: Number(row.next_attempt_at),
    uncertain: Number(row.uncertain) === 1,
    timeUncertain: Number(row.time_uncertain) === 1,
    deliveredAt: num(row.delivered_at),
  };
}
