import { errorMessage } from '../error-message.js';
import type { CredentialsFor } from '../identity/credentials.js';
import type { Logger } from '../log.js';
import type { MocoClient } from '../moco/client.js';
import type { MocoWatch } from '../moco/watch.js';
import type { Outcome } from '../outcome.js';
import { storageFault } from '../store/errors.js';
import type { Journal, OpenPresence, Tap, Verification } from '../store/journal.js';
import type { Clock } from '../time/clock.js';
import { localParts } from '../time/local.js';
import type { TimerHandle, Timers } from '../time/timers.js';
import { type AttemptResult, attemptDelivery } from './attempt.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { DayViews } from './day-views.js';
import { dayBefore, mocoToday } from './open-presences.js';
import type { Priority, RateLimiter } from './rate-limiter.js';
import { type CourierStatus, Reachability } from './reachability.js';
import type { TimeTrust } from './time-trust.js';
import type { UncertainRequest } from './uncertain.js';
import { verifyResend } from './verify.js';

/** How long a tap whose time cannot be trusted yet waits before the clock is asked again. */
const HOLD_MS = 30_000;
/** How often an idle courier looks for work that another process put into the journal. */
const IDLE_POLL_MS = 5_000;
/**
 * A request MOCO keeps answering with 5xx while it answers others (the live probe saw `from: "8"`
 * answered 500) will not go through by waiting: after this many such answers the tap fails.
 */
const MAX_SERVER_ERRORS = 5;
/** "While it answers others": MOCO answered something with success within this time. */
const ANSWERING_MS = 10 * 60_000;
/** How long the courier trusts its own view of a user's day between two taps of a drain. */
const DAY_VIEW_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

export type { CourierStatus } from './reachability.js';

export interface CourierDeps {
  journal: Journal;
  client: MocoClient;
  credentialsFor: CredentialsFor;
  limiter: RateLimiter;
  timeTrust: TimeTrust;
  /** Whether MOCO answers at all, whoever asked, and its clock. */
  watch: MocoWatch;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  timeZone: string;
  feedbackTimeoutMs: number;
  /**
   * How long a request that got no answer may still land at MOCO. Nothing concludes "not applied"
   * before then, so a slow MOCO applying it late cannot be answered with a second one.
   */
  settleMs: number;
  /** `split`: a tap of a person whose presence is open since yesterday ends a night shift. */
  nightShift?: 'off' | 'split';
  backoff?: BackoffOptions;
  random?: () => number;
  /** Called when connectivity or the set of failed taps changed, so the kiosk's idle state follows. */
  onChange?: () => void;
}

/**
 * Delivers journaled taps to MOCO: the live tap of the person at the door first, then the backlog,
 * oldest first across users and strictly in order within a user (a lane). MOCO is one server, so
 * a transient failure pauses all deliveries with backoff; taps keep their own attempt count.
 */
export class Courier {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly waiters = new Map<number, (outcome: Outcome) => void>();
  /**
   * Taps journaled by this process and not attempted yet: no request of theirs can be out there,
   * though a touch journaled with the tap already reads as uncertain in the journal.
   */
  private readonly unsent = new Set<number>();
  private readonly reach: Reachability;
  private readonly days: DayViews;

  constructor(private readonly deps: CourierDeps) {
    this.days = new DayViews(deps.clock, DAY_VIEW_MS);
    this.reach = new Reachability(deps.clock, deps.backoff ?? DEFAULT_BACKOFF, deps.random ?? Math.random);
  }

  /** Starts draining what is pending, including taps left by an earlier run. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // The backoff of an earlier run's outage is not this run's: after a power cut the backlog
    // goes out now, not when a retry time persisted minutes ago comes round.
    try {
      this.deps.journal.makePendingDue();
    } catch (error) {
      // A full disk or a held lock: the backlog then goes out at its retry times, which is no loss.
      this.deps.logger.warn({ err: error }, 'could not make the backlog due now');
    }
    this.loop = this.drain();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.allSettled([...this.lanes.values()]);
    for (const [id, resolve] of this.waiters) {
      this.waiters.delete(id);
      resolve('queued');
    }
  }

  status(): CourierStatus {
    return this.reach.status();
  }

  /** Wakes the drain loop: new work, or an admin put failed taps back in the queue. */
  kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Connectivity may be back (the network came up): try now instead of waiting out the backoff. */
  probeNow(): void {
    this.reach.resume();
    this.deps.journal.makePendingDue();
    this.kick();
  }

  /** Whether a tap journaled now is sent at once. */
  sendsNow(): boolean {
    return this.running && this.reach.online;
  }

  /**
   * Opens the connection to MOCO, or finds it open, when a request will follow: connecting sends
   * nothing about a tap, so it may start before the tap's commit. True when it started.
   */
  warmUp(): boolean {
    if (!this.sendsNow()) return false;
    try {
      // Nothing of a connection made early may cost the tap its commit.
      this.deps.client.warm().catch(() => false);
    } catch (error) {
      this.deps.logger.debug({ err: error }, 'could not open a connection to MOCO ahead of a tap');
    }
    return true;
  }

  /**
   * The touch a tap of this lane journaled now goes out with, or null when the tap is to be
   * written at its minute later: MOCO is not known to answer, something older of the person is
   * pending, or the person has a presence open from an earlier date (what touch does with one is
   * documented nowhere). The touch is journaled with the tap, so a crash before MOCO's answer is
   * recorded ends in a reconciliation; it names what it will change, as this kiosk knows the person.
   */
  touchFor(lane: string, localDate: string): UncertainRequest | null {
    if (!this.sendsNow() || this.deps.journal.hasPending(lane)) return null;
    const open = this.deps.journal.openPresenceOf(lane);
    if (open !== null && open.date < localDate) return null;
    return { intent: { op: 'touch', closes: open?.presenceId ?? null }, at: this.deps.clock.now() };
  }

  /**
   * Delivers a tap that was just journaled and answers within the feedback budget: the outcome
   * MOCO gave, or `queued` when MOCO is slow, unreachable, or known to be unreachable.
   */
  deliverLive(tap: Tap, onOutcome: (outcome: Outcome) => void = () => {}): Promise<Outcome> {
    this.unsent.add(tap.id);
    if (!this.sendsNow()) {
      // The person is answered at once; a tap is still a reason to look whether MOCO is back,
      // rather than leave it waiting out a backoff of minutes.
      if (this.reach.slowedDown) this.kick();
      else this.probeNow();
      onOutcome('queued');
      return Promise.resolve('queued');
    }
    return new Promise<Outcome>((resolve) => {
      const budget = this.deps.timers.setTimeout(() => settle('queued'), this.deps.feedbackTimeoutMs);
      // Synchronous, so the person hears the answer before the journal's fsync that records it.
      const settle = (outcome: Outcome) => {
        if (this.waiters.get(tap.id) !== settle) return;
        this.waiters.delete(tap.id);
        this.deps.timers.clearTimeout(budget);
        onOutcome(outcome);
        resolve(outcome);
      };
      this.waiters.set(tap.id, settle);
      // A local failure (the journal busy or full) leaves the tap pending for the drain; it must
      // not become an unhandled rejection that takes the daemon down.
      this.runLaneUntil(tap).catch((error: unknown) => {
        this.deps.logger.error({ tapId: tap.id, err: error }, 'live delivery failed locally');
        this.waiters.get(tap.id)?.('queued');
      });
    });
  }

  /** Delivers the lane's earlier taps and then this one, in order, while MOCO answers. */
  private async runLaneUntil(tap: Tap): Promise<void> {
    for (;;) {
      const result = await this.processHead(tap.lane, 'live', tap.id);
      if (result === null || result.kind === 'transient' || result.kind === 'hold' || !this.running) break;
      if (this.deps.journal.get(tap.id)?.state !== 'pending') break;
    }
    this.waiters.get(tap.id)?.('queued');
  }

  private async drain(): Promise<void> {
    while (this.running) {
      try {
        await this.drainStep();
      } catch (error) {
        // A local failure (database busy or disk full) must not end background delivery for good.
        this.deps.logger.error({ err: error }, 'delivery loop failed locally; trying again');
        await this.sleep(IDLE_POLL_MS);
      }
    }
  }

  private async drainStep(): Promise<void> {
    const now = this.deps.clock.now();
    const paused = this.reach.pausedFor(now);
    if (paused > 0) return this.sleep(paused);
    const tap = this.deps.journal.nextDue(now);
    if (tap !== null) {
      await this.processHead(tap.lane, 'drain', null);
      return;
    }
    const check = this.deps.journal.nextVerification(now);
    if (check !== null) {
      await this.inLane(check.lane, () => this.verify(check));
      return;
    }
    // Bounded, so taps an admin put back with `queue retry` are seen without a restart.
    const nextAt = this.deps.journal.nextDueAt();
    return this.sleep(nextAt === null ? IDLE_POLL_MS : Math.min(Math.max(nextAt - now, 1), IDLE_POLL_MS));
  }

  /** Sleeps until `ms` passed or someone kicks the loop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | null = null;
      this.wake = () => {
        if (timer !== null) this.deps.timers.clearTimeout(timer);
        resolve();
      };
      if (!this.running) return this.kick();
      timer = this.deps.timers.setTimeout(() => this.kick(), ms);
    });
  }

  /** Runs `work` after whatever the lane is doing: one person's requests never overtake each other. */
  private inLane<T>(lane: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.catch(() => undefined);
    this.lanes.set(lane, tail);
    void tail.then(() => {
      if (this.lanes.get(lane) === tail) this.lanes.delete(lane);
    });
    return run;
  }

  /** One attempt at the first pending tap of a lane; lanes are locked so a tap is never sent twice at once. */
  private processHead(
    lane: string,
    priority: Priority,
    liveTapId: number | null,
  ): Promise<AttemptResult | null> {
    return this.inLane(lane, () => this.attemptHead(lane, priority, liveTapId));
  }

  private async attemptHead(
    lane: string,
    priority: Priority,
    liveTapId: number | null,
  ): Promise<AttemptResult | null> {
    const { journal, clock } = this.deps;
    const head = journal.laneHead(lane);
    if (head === null || !this.running) return null;
    const now = clock.now();
    if (priority === 'drain' && (head.nextAttemptAt > now || this.reach.pausedFor(now) > 0)) return null;
    if (this.unsettled(head, now)) return null;
    const result = await this.attempt(head, priority, head.id === liveTapId);
    this.apply(head, result);
    return result;
  }

  /**
   * A request of the tap got no answer and may still land: it waits out the settle time, counted
   * from when it went out (persisted, so a quick restart waits too) before MOCO's day is read.
   */
  private unsettled(tap: Tap, now: number): boolean {
    if (!this.uncertain(tap) || tap.sentAt === null) return false;
    // A clock that went back since: the time it went out is unknown, so the wait starts now.
    const sentAt = Math.min(tap.sentAt, now);
    if (tap.sentAt > now) this.deps.journal.markSentAt(tap.id, now);
    const settledAt = sentAt + this.deps.settleMs;
    if (now >= settledAt) return false;
    this.deps.journal.postpone(tap.id, settledAt, 'waiting for MOCO to settle a request that got no answer');
    return true;
  }

  private async attempt(tap: Tap, priority: Priority, live: boolean): Promise<AttemptResult> {
    const { journal, clock, timeTrust } = this.deps;
    const uncertain = this.uncertain(tap);
    const unsent = this.unsent.delete(tap.id);
    try {
      return await attemptDelivery(
        tap,
        { live, uncertain },
        {
          client: this.deps.client,
          credentialsFor: this.deps.credentialsFor,
          previousOutcome: (t) => journal.lastOutcomeOn(t.lane, t.localDate, t.id),
          beforeRequest: () => this.deps.limiter.acquire(priority),
          markUncertain: (intent) => journal.markUncertain(tap.id, { intent, at: clock.now() }),
          // Read again: the minute may have been corrected just now.
          timed: (t) => (timeTrust.prepare(t, false) === 'hold' ? 'hold' : (journal.get(t.id) ?? t)),
          mocoClockKnown: () => this.deps.watch.offsetMs() !== null,
          mocoDatesOf: (t) => this.mocoDatesOf(t),
          nightShiftOf: (t) => this.nightShiftOf(t),
          days: this.days,
          logger: this.deps.logger,
        },
      );
    } catch (error) {
      // The journal cannot be written (disk full, locked): the tap stays pending, untouched, and
      // goes out when the storage works again. Failing it would leave it for an admin for good.
      if (storageFault(error) !== null) throw error;
      this.deps.logger.error({ tapId: tap.id, err: error }, 'delivery failed with a local error');
      return {
        kind: 'failed',
        outcome: 'error',
        reason: `local error: ${errorMessage(error)}`,
        // A local failure can come after the request went out; only a reconciliation can tell.
        uncertain: !unsent || tap.uncertain,
      };
    }
  }

  /** Whether a request of the tap may be out there: the one answer to it, for every step of the courier. */
  private uncertain(tap: Tap): boolean {
    return tap.uncertain && !this.unsent.has(tap.id);
  }

  private nightShiftOf(tap: Tap): OpenPresence | null {
    if (this.deps.nightShift !== 'split') return null;
    const open = this.deps.journal.openPresenceOf(tap.lane);
    return open !== null && open.date === dayBefore(tap.localDate) ? open : null;
  }

  /**
   * MOCO's local dates a touch sent at the tap's `sentAt` can have landed on, by MOCO's clock as
   * measured now: the date at sending when that moment is known on this boot's clock, and MOCO's
   * today (after a reboot the kiosk's clock of the earlier boot cannot be related to MOCO's).
   */
  private mocoDatesOf(tap: Tap): string[] {
    const offset = this.deps.watch.offsetMs();
    if (offset === null) return [];
    const { timeZone, clock } = this.deps;
    const dates = [mocoToday(clock.now(), offset, timeZone)];
    if (tap.sentAt !== null) dates.push(localParts(tap.sentAt + offset, timeZone).date);
    return [...new Set(dates)];
  }

  private apply(tap: Tap, result: AttemptResult): void {
    const { journal, clock } = this.deps;
    const now = clock.now();
    switch (result.kind) {
      // The answer goes out before the journal records it: the tap is flagged uncertain until then,
      // so a crash in between ends in a reconciliation, never in a second request.
      case 'delivered': {
        this.settle(tap, result.outcome);
        const verify = result.resent === true && result.booked ? this.verification(tap, result, now) : null;
        if (
          !journal.markDelivered(tap.id, result.outcome, now, {
            booked: result.booked,
            at: result.at,
            verify,
          })
        ) {
          this.deps.logger.warn(
            { tapId: tap.id, uid: tap.uid, outcome: result.outcome },
            'a dropped tap reached MOCO: it was dropped while its request was on the way',
          );
        }
        this.reached(true);
        break;
      }
      case 'failed':
        this.fail(tap, result);
        // MOCO answered (or the failure was local): MOCO is not the problem.
        this.reached(result.outcome !== 'error' || this.reach.online);
        break;
      case 'hold':
        journal.postpone(tap.id, now + HOLD_MS, 'waiting for the system clock to be synchronised');
        break;
      case 'transient': {
        if (this.exhausted(tap, result)) {
          const reason = `refused with server errors: MOCO answered ${MAX_SERVER_ERRORS} requests of this tap with a server error while answering others; the last: ${result.reason}`;
          this.fail(tap, { kind: 'failed', outcome: 'error', reason, uncertain: result.uncertain });
          this.reached(true);
          break;
        }
        const { pauseMs: pause, retryInMs } = this.reach.failed(result, tap.attempts, now);
        journal.markAttemptFailed(tap.id, {
          reason: result.reason,
          nextAttemptAt: now + retryInMs,
          uncertain: result.uncertain,
          serverError: this.countsAsServerError(result),
        });
        this.deps.logger.warn(
          { tapId: tap.id, reason: result.reason, retryInMs: pause, uncertain: result.uncertain },
          'delivery postponed',
        );
        this.reached(false);
        this.waiters.get(tap.id)?.('queued');
        this.kick();
        break;
      }
    }
  }

  /**
   * When and in which of MOCO's minutes to look again after a re-send: the touch given up on went out
   * at `sentAt` and can land until the settle time after the re-send has passed.
   */
  private verification(
    tap: Tap,
    result: Extract<AttemptResult, { kind: 'delivered' }>,
    now: number,
  ): { at: number; what: Verification } | null {
    const booked = result.booked;
    if (booked === null || booked === undefined || result.outcome === 'locked') return null;
    const offset = this.deps.watch.offsetMs() ?? 0;
    const minute = (ms: number) => {
      const parts = localParts(ms, this.deps.timeZone);
      if (parts.date < booked.date) return '00:00';
      return parts.date > booked.date ? '23:59' : parts.time;
    };
    const settledAt = now + this.deps.settleMs;
    const window = {
      from: minute((tap.sentAt ?? now) + offset - MINUTE_MS),
      to: minute(settledAt + offset + MINUTE_MS),
    };
    return { at: settledAt, what: { effect: result.outcome, booked, window } };
  }

  private async verify(tap: Tap): Promise<void> {
    const { journal, logger } = this.deps;
    try {
      const credentials = this.deps.credentialsFor(tap);
      if (credentials === null) {
        journal.verified(tap.id);
        return;
      }
      const user = this.deps.client.forKey(credentials.apiKey, {
        impersonateUserId: credentials.impersonateUserId,
      });
      const result = await verifyResend(user, tap, {
        beforeRequest: () => this.deps.limiter.acquire('drain'),
        keptOpen: (id) => journal.openPresenceOf(tap.lane)?.presenceId === id,
        openedHere: (id) => journal.openedHere(id),
      });
      journal.verified(tap.id, result.repaired === null ? undefined : result.booked);
      if (result.repaired !== null) this.days.forget(tap.lane);
      if (result.repaired !== null) {
        logger.warn({ tapId: tap.id, uid: tap.uid, what: result.repaired }, 'repaired');
      }
    } catch (error) {
      // Looked at again after another settle time: a repair is made of state, not of steps.
      journal.postponeVerification(tap.id, this.deps.clock.now() + this.deps.settleMs);
      logger.warn({ tapId: tap.id, err: errorMessage(error) }, 'could not verify a re-sent tap yet');
    }
  }

  private fail(tap: Tap, result: Extract<AttemptResult, { kind: 'failed' }>): void {
    this.settle(tap, result.outcome);
    this.deps.journal.markFailed(tap.id, result);
    this.deps.logger.warn({ tapId: tap.id, uid: tap.uid, reason: result.reason }, 'tap failed');
    this.deps.onChange?.();
  }

  /** A 5xx counts against the tap only while MOCO answers other requests: an outage is not the tap's fault. */
  private countsAsServerError(result: Extract<AttemptResult, { kind: 'transient' }>): boolean {
    return result.serverError === true && this.deps.watch.answeredWithin(ANSWERING_MS);
  }

  private exhausted(tap: Tap, result: Extract<AttemptResult, { kind: 'transient' }>): boolean {
    return this.countsAsServerError(result) && tap.serverErrors + 1 >= MAX_SERVER_ERRORS;
  }

  /** The outcome goes to the person still waiting at the door, or else into a `delivered` log line. */
  private settle(tap: Tap, outcome: Outcome): void {
    const waiter = this.waiters.get(tap.id);
    if (waiter !== undefined) {
      waiter(outcome);
      return;
    }
    this.deps.logger.info(
      {
        tapId: tap.id,
        uid: tap.uid,
        userId: tap.userId ?? undefined,
        outcome,
        at: `${tap.localDate} ${tap.localTime}`,
      },
      'delivered',
    );
  }

  private reached(reachable: boolean): void {
    const connectivity = this.reach.reached(reachable);
    if (connectivity === null) return;
    this.deps.logger.info({ connectivity }, reachable ? 'MOCO reachable' : 'MOCO unreachable');
    this.deps.onChange?.();
    // Back online: the backlog goes out now, not after each tap's backoff runs out.
    if (reachable) {
      this.deps.journal.makePendingDue();
      this.kick();
    }
  }
}
