import type { Database, Statement } from 'better-sqlite3';
import type { UncertainRequest } from '../courier/uncertain.js';
import type { WriteObserver } from './health.js';
import { JournalQueue } from './journal-queue.js';
import { type OpenPresenceRow, type TapRow, toOpenPresence, toTap } from './journal-rows.js';
import {
  type Booked,
  type FinalOutcome,
  laneOf,
  type NewTap,
  type OpenPresence,
  type Tap,
  type Verification,
} from './journal-types.js';

export type {
  Booked,
  FinalOutcome,
  JournalCounts,
  NewTap,
  OpenPresence,
  Tap,
  TapState,
  Verification,
} from './journal-types.js';
export { laneOf, userOfLane } from './journal-types.js';

/** What a request that may be out there was meant to do stays only as long as it may be out there. */
const KEEP_INTENT_IF_UNCERTAIN = `uncertain = @uncertain,
  intent = CASE WHEN @uncertain = 1 THEN intent END, sent_at = CASE WHEN @uncertain = 1 THEN sent_at END`;

/** The courier's journal: taps in, due taps out, and what each delivery did and booked. */
export class Journal extends JournalQueue {
  private readonly insert: Statement;
  private readonly headOfLane: Statement;
  private readonly oldestDueHead: Statement;
  private readonly earliestDue: Statement;

  constructor(
    db: Database,
    /** Hears whether each append succeeded: the daemon's idle signal shows a journal that takes no taps. */
    private readonly observer?: WriteObserver,
  ) {
    super(db);
    this.insert = db.prepare(
      `INSERT INTO taps (lane, uid, user_id, user_name, at_ms, local_date, local_time, clock_synced, mono_ns, boot_id,
         uncertain, intent, sent_at)
       VALUES (@lane, @uid, @userId, @userName, @atMs, @localDate, @localTime, @clockSynced, @monoNs, @bootId,
         @uncertain, @intent, @sentAt)`,
    );
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
      `SELECT MIN(at) AS at FROM (
         SELECT MIN(next_attempt_at) AS at FROM taps
           WHERE id IN (SELECT MIN(id) FROM taps WHERE state = 'pending' GROUP BY lane)
         UNION ALL SELECT MIN(verify_at) FROM taps WHERE verify_at IS NOT NULL)`,
    );
    for (const statement of [this.headOfLane, this.oldestDueHead]) statement.safeIntegers(true);
  }

  /**
   * Appends a tap and commits it; with synchronous=FULL it is on disk when this returns. A tap whose
   * touch goes out right after this commit is journaled with it, so a crash in between ends in a
   * reconciliation on restart instead of a blind second touch, at no extra fsync.
   */
  append(tap: NewTap, options: { uncertain?: UncertainRequest | null } = {}): Tap {
    const uncertain = options.uncertain ?? null;
    let result: { lastInsertRowid: number | bigint };
    try {
      result = this.insert.run({
        ...tap,
        lane: laneOf(tap),
        clockSynced: tap.clockSynced ? 1 : 0,
        uncertain: uncertain === null ? 0 : 1,
        intent: uncertain === null ? null : JSON.stringify(uncertain.intent),
        sentAt: uncertain?.at ?? null,
      });
    } catch (error) {
      this.observer?.failed(error);
      throw error;
    }
    this.observer?.succeeded();
    return this.get(Number(result.lastInsertRowid)) as Tap;
  }

  /** Whether the lane has a tap waiting: a new tap of it is late and goes behind, by explicit writes. */
  hasPending(lane: string): boolean {
    return (
      this.sql("SELECT 1 FROM taps WHERE lane = ? AND state = 'pending' LIMIT 1").get(lane) !== undefined
    );
  }

  laneHead(lane: string): Tap | null {
    return toTap(this.headOfLane.get(lane) as TapRow | undefined);
  }

  nextDue(now: number): Tap | null {
    return toTap(this.oldestDueHead.get(now) as TapRow | undefined);
  }

  /** When the next lane head or verification becomes due, or null when there is none. */
  nextDueAt(): number | null {
    const row = this.earliestDue.get() as { at: number | null };
    return row.at;
  }

  /**
   * False when the row is gone: an admin dropped the tap while it was being delivered. What the
   * delivery booked keeps the kiosk's list of open presences, in the same commit.
   */
  markDelivered(
    id: number,
    outcome: FinalOutcome,
    at: number,
    options: {
      booked?: Booked | null;
      /** Where MOCO's clock booked it (a touch): the tap's date and minute from now on. */
      at?: { date: string; time: string };
      verify?: { at: number; what: Verification } | null;
    } = {},
  ): boolean {
    const booked = options.booked ?? null;
    return this.db.transaction(() => {
      const changed =
        this.sql(
          `UPDATE taps SET state = 'delivered', outcome = @outcome, delivered_at = @at, attempts = attempts + 1,
           uncertain = 0, intent = NULL, sent_at = NULL, last_error = NULL, presence_id = @presenceId,
           verify_at = @verifyAt, verify = @verify, local_date = COALESCE(@date, local_date),
           local_time = COALESCE(@time, local_time) WHERE id = @id`,
        ).run({
          id,
          outcome,
          at,
          date: options.at?.date ?? null,
          time: options.at?.time ?? null,
          presenceId: booked?.id ?? null,
          verifyAt: options.verify?.at ?? null,
          verify:
            options.verify === undefined || options.verify === null
              ? null
              : JSON.stringify(options.verify.what),
        }).changes > 0;
      if (changed && booked !== null) this.recordBooked(id, outcome, booked);
      return changed;
    })();
  }

  private recordBooked(id: number, outcome: FinalOutcome, booked: Booked): void {
    if (outcome === 'clocked_out') {
      this.forgetOpen(booked.id);
    } else if (outcome === 'clocked_in') {
      this.sql(
        `INSERT OR REPLACE INTO open_presences (presence_id, lane, uid, user_name, date, from_time)
         SELECT ?, lane, uid, user_name, ?, ? FROM taps WHERE id = ?`,
      ).run(booked.id, booked.date, booked.from, id);
    }
  }

  /** The lane's latest presence that this kiosk opened and has not seen closed. */
  openPresenceOf(lane: string): OpenPresence | null {
    const row = this.sql(
      'SELECT * FROM open_presences WHERE lane = ? ORDER BY date DESC, from_time DESC LIMIT 1',
    ).get(lane) as OpenPresenceRow | undefined;
    return row === undefined ? null : toOpenPresence(row);
  }

  /** Open presences of dates before `date`: forgotten clock-outs, or night shifts. */
  openBefore(date: string): OpenPresence[] {
    return (
      this.sql('SELECT * FROM open_presences WHERE date < ? ORDER BY date, from_time').all(
        date,
      ) as OpenPresenceRow[]
    ).map(toOpenPresence);
  }

  forgetOpen(presenceId: number): void {
    this.sql('DELETE FROM open_presences WHERE presence_id = ?').run(presenceId);
  }

  /** The open presence was looked up in MOCO and is still open: next look after a while. */
  markOpenChecked(presenceId: number, at: number): void {
    this.sql('UPDATE open_presences SET checked_at = ? WHERE presence_id = ?').run(at, presenceId);
  }

  /** The delivered tap whose re-send is due to be verified first, if any. */
  nextVerification(now: number): Tap | null {
    return toTap(
      this.sql(
        "SELECT * FROM taps WHERE verify_at IS NOT NULL AND verify_at <= ? AND state = 'delivered' ORDER BY verify_at LIMIT 1",
      )
        .safeIntegers(true)
        .get(now) as TapRow | undefined,
    );
  }

  /** The verification is done; `booked` when a repair re-booked the tap's presence. */
  verified(id: number, booked?: Booked): void {
    this.db.transaction(() => {
      const tap = this.get(id);
      this.sql(
        'UPDATE taps SET verify_at = NULL, verify = NULL, presence_id = COALESCE(?, presence_id) WHERE id = ?',
      ).run(booked?.id ?? null, id);
      if (booked !== undefined && tap?.presenceId !== null && tap !== null) {
        this.forgetOpen(tap.presenceId as number);
        if (tap.outcome !== null) this.recordBooked(id, tap.outcome, booked);
      }
    })();
  }

  /**
   * `uncertain` as the attempt left it: a definite refusal of the tap's own request clears it, while a
   * failed reconciling read says nothing about the lost request, so a tap an admin retries must be
   * reconciled again before anything is re-sent.
   */
  markFailed(id: number, failure: { outcome: FinalOutcome; reason: string; uncertain: boolean }): void {
    this.sql(
      `UPDATE taps SET state = 'failed', outcome = @outcome, last_error = @reason, attempts = attempts + 1,
         ${KEEP_INTENT_IF_UNCERTAIN} WHERE id = @id`,
    ).run({ id, outcome: failure.outcome, reason: failure.reason, uncertain: failure.uncertain ? 1 : 0 });
  }

  markAttemptFailed(
    id: number,
    failure: { reason: string; nextAttemptAt: number; uncertain: boolean; serverError?: boolean },
  ): void {
    this.sql(
      // The attempt knows best: it reconciled, or it proved nothing reached MOCO, or it did not.
      `UPDATE taps SET attempts = attempts + 1, last_error = @reason, next_attempt_at = @nextAttemptAt,
         server_errors = server_errors + @serverError, ${KEEP_INTENT_IF_UNCERTAIN} WHERE id = @id`,
    ).run({
      id,
      reason: failure.reason,
      nextAttemptAt: failure.nextAttemptAt,
      uncertain: failure.uncertain ? 1 : 0,
      serverError: failure.serverError ? 1 : 0,
    });
  }

  /** Before a request is sent: from now until MOCO's definite answer, a restart reconciles first. */
  markUncertain(id: number, request: UncertainRequest): void {
    this.sql('UPDATE taps SET uncertain = 1, intent = ?, sent_at = ? WHERE id = ?').run(
      JSON.stringify(request.intent),
      request.at,
      id,
    );
  }

  /** The clock went back since the request went out: its settle time counts from `at`. */
  markSentAt(id: number, at: number): void {
    this.sql('UPDATE taps SET sent_at = ? WHERE id = ?').run(at, id);
  }

  postponeVerification(id: number, until: number): void {
    this.sql('UPDATE taps SET verify_at = ? WHERE id = ?').run(until, id);
  }

  /** Whether a delivery of this kiosk booked the presence. */
  openedHere(presenceId: number): boolean {
    return this.sql('SELECT 1 FROM taps WHERE presence_id = ? LIMIT 1').get(presenceId) !== undefined;
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

  /** The last accepted tap time of each person since `since`, to restore the repeat guard after a restart. */
  lastTapsSince(since: number): { lane: string; atMs: number }[] {
    return this.sql('SELECT lane, MAX(at_ms) AS atMs FROM taps WHERE at_ms >= ? GROUP BY lane').all(
      since,
    ) as {
      lane: string;
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
}
