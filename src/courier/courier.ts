import type { Logger } from '../log.js';
import type { MocoClient } from '../moco/client.js';
import type { Outcome } from '../outcome.js';
import { storageFault } from '../store/errors.js';
import type { Journal, Tap } from '../store/journal.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle, Timers } from '../time/timers.js';
import { type AttemptResult, attemptDelivery } from './attempt.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { Priority, RateLimiter } from './rate-limiter.js';
import type { TimeTrust } from './time-trust.js';

/** How long a tap whose time cannot be trusted yet waits before the clock is asked again. */
const HOLD_MS = 30_000;
/** How often an idle courier looks for work that another process put into the journal. */
const IDLE_POLL_MS = 5_000;

export type Connectivity = 'online' | 'offline';

export interface CourierStatus {
  connectivity: Connectivity;
  /** Since when MOCO has been reachable or unreachable (ms epoch). */
  since: number;
  consecutiveFailures: number;
  pausedUntil: number;
}

export interface CourierDeps {
  journal: Journal;
  client: MocoClient;
  keyFor(uid: string): string | null;
  limiter: RateLimiter;
  timeTrust: TimeTrust;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  feedbackTimeoutMs: number;
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
  /** Taps journaled by this process and not attempted yet: no touch of theirs can be out there. */
  private readonly fresh = new Set<number>();
  private failures = 0;
  private pausedUntil = 0;
  private connectivity: Connectivity = 'online';
  private since: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;

  constructor(private readonly deps: CourierDeps) {
    this.since = deps.clock.now();
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.random = deps.random ?? Math.random;
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
    return {
      connectivity: this.connectivity,
      since: this.since,
      consecutiveFailures: this.failures,
      pausedUntil: this.pausedUntil,
    };
  }

  /** Wakes the drain loop: new work, or an admin put failed taps back in the queue. */
  kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Connectivity may be back (the network came up): try now instead of waiting out the backoff. */
  probeNow(): void {
    this.pausedUntil = 0;
    this.deps.journal.makePendingDue();
    this.kick();
  }

  /**
   * Whether a tap journaled now is sent at once. Such a tap is journaled in flight, so a crash
   * before MOCO's answer is recorded ends in a reconciliation; a tap that is queued is not, and
   * its flag is set just before it is sent, so a long backlog needs no reconciling reads.
   */
  sendsNow(): boolean {
    return this.running && this.connectivity === 'online';
  }

  /**
   * Delivers a tap that was just journaled and answers within the feedback budget: the outcome
   * MOCO gave, or `queued` when MOCO is slow, unreachable, or known to be unreachable.
   */
  deliverLive(tap: Tap, onOutcome: (outcome: Outcome) => void = () => {}): Promise<Outcome> {
    if (!this.sendsNow()) {
      this.kick();
      onOutcome('queued');
      return Promise.resolve('queued');
    }
    this.fresh.add(tap.id);
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
      if (result === null || result.kind === 'transient' || !this.running) break;
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
    if (now < this.pausedUntil) return this.sleep(this.pausedUntil - now);
    const tap = this.deps.journal.nextDue(now);
    if (tap === null) {
      // Bounded, so taps an admin put back with `queue retry` are seen without a restart.
      const nextAt = this.deps.journal.nextDueAt();
      return this.sleep(nextAt === null ? IDLE_POLL_MS : Math.min(Math.max(nextAt - now, 1), IDLE_POLL_MS));
    }
    await this.processHead(tap.lane, 'drain', null);
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

  /** One attempt at the first pending tap of a lane; lanes are locked so a tap is never sent twice at once. */
  private processHead(
    lane: string,
    priority: Priority,
    liveTapId: number | null,
  ): Promise<AttemptResult | null> {
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const run = previous.then(() => this.attemptHead(lane, priority, liveTapId));
    const tail = run.catch(() => undefined);
    this.lanes.set(lane, tail);
    void tail.then(() => {
      if (this.lanes.get(lane) === tail) this.lanes.delete(lane);
    });
    return run;
  }

  private async attemptHead(
    lane: string,
    priority: Priority,
    liveTapId: number | null,
  ): Promise<AttemptResult | null> {
    const { journal, clock } = this.deps;
    let head = journal.laneHead(lane);
    if (head === null || !this.running) return null;
    if (priority === 'drain' && (head.nextAttemptAt > clock.now() || clock.now() < this.pausedUntil))
      return null;
    const timing = this.deps.timeTrust.prepare(head, head.id === liveTapId);
    if (timing === 'hold') {
      journal.postpone(head.id, clock.now() + HOLD_MS, 'waiting for the system clock to be synchronised');
      return null;
    }
    // Only a tap taken on an unsynchronised clock can have had its time corrected just now.
    if (!head.clockSynced) head = journal.get(head.id) as Tap;
    const result = await this.attempt(head, priority, head.id === liveTapId, timing.sendOverride);
    this.apply(head, result);
    return result;
  }

  private async attempt(
    tap: Tap,
    priority: Priority,
    live: boolean,
    sendOverride: boolean,
  ): Promise<AttemptResult> {
    try {
      return await attemptDelivery(
        tap,
        { live, sendOverride, fresh: this.fresh.delete(tap.id) },
        {
          client: this.deps.client,
          keyFor: this.deps.keyFor,
          previousOutcome: (t) => this.deps.journal.lastOutcomeOn(t.lane, t.localDate, t.id),
          beforeRequest: () => this.deps.limiter.acquire(priority),
          markInFlight: () => this.deps.journal.markInFlight(tap.id),
          logger: this.deps.logger,
        },
      );
    } catch (error) {
      // The journal cannot be written (disk full, locked): the tap stays pending, untouched, and
      // goes out when the storage works again. Failing it would leave it for an admin for good.
      if (storageFault(error) !== null) throw error;
      this.deps.logger.error({ tapId: tap.id, err: error }, 'delivery failed with a local error');
      return { kind: 'failed', outcome: 'error', reason: `local error: ${(error as Error).message}` };
    }
  }

  private apply(tap: Tap, result: AttemptResult): void {
    const { journal, clock } = this.deps;
    const now = clock.now();
    switch (result.kind) {
      // The answer goes out before the journal records it: the tap is flagged uncertain until then,
      // so a crash in between ends in a reconciliation, never in a second touch.
      case 'delivered':
        this.settle(tap, result.outcome);
        if (!journal.markDelivered(tap.id, result.outcome, now)) {
          this.deps.logger.warn(
            { tapId: tap.id, uid: tap.uid, outcome: result.outcome },
            'a dropped tap reached MOCO: it was dropped while its touch was on the way',
          );
        }
        this.reached(true);
        break;
      case 'failed':
        this.settle(tap, result.outcome);
        journal.markFailed(tap.id, result.outcome, result.reason);
        this.deps.logger.warn({ tapId: tap.id, uid: tap.uid, reason: result.reason }, 'tap failed');
        // MOCO answered (or the failure was local): MOCO is not the problem.
        this.reached(result.outcome !== 'error' || this.connectivity === 'online');
        this.deps.onChange?.();
        break;
      case 'transient': {
        this.failures += 1;
        const pause = result.retryAfterMs ?? backoffDelay(this.failures, this.backoff, this.random);
        this.pausedUntil = now + pause;
        const ownDelay = backoffDelay(tap.attempts + 1, this.backoff, this.random);
        journal.markAttemptFailed(tap.id, {
          reason: result.reason,
          nextAttemptAt: now + Math.max(pause, ownDelay),
          uncertain: result.uncertain,
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
    if (reachable) {
      this.failures = 0;
      this.pausedUntil = 0;
    }
    const connectivity: Connectivity = reachable ? 'online' : 'offline';
    if (connectivity === this.connectivity) return;
    this.connectivity = connectivity;
    this.since = this.deps.clock.now();
    this.deps.logger.info({ connectivity }, reachable ? 'MOCO reachable' : 'MOCO unreachable');
    this.deps.onChange?.();
    // Back online: the backlog goes out now, not after each tap's backoff runs out.
    if (reachable) {
      this.deps.journal.makePendingDue();
      this.kick();
    }
  }
}
