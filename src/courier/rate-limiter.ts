import type { SendLog } from '../store/send-log.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle, Timers } from '../time/timers.js';

/** Highest first: the person at the door, then the backlog, then keeping the badge map in sync. */
export type Priority = 'live' | 'drain' | 'sync';

const RANK: Record<Priority, number> = { live: 0, drain: 1, sync: 2 };

/**
 * The share of each window that sync requests leave free for taps: a sync must never take the slot
 * the next person at the door needs. Below 10 requests per window there is nothing to spare.
 */
const TAP_RESERVE = 0.1;

interface Waiter {
  priority: Priority;
  resolve: () => void;
}

/**
 * A sliding-window limiter shared by every badge of the kiosk: MOCO counts requests per account
 * over a window, so draining a long queue must stay under it. Live taps are served before the
 * drain, so the person at the door is not kept waiting behind the backlog; sync requests come last
 * and only while a tenth of the window stays free for taps. With a send log, the window survives a
 * restart: a daemon killed mid-drain starts with what the last one spent.
 */
export class RateLimiter {
  private readonly sent: number[] = [];
  private readonly waiters: Waiter[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly limit: { requests: number; windowMs: number },
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly log?: SendLog,
    private readonly onLogFailure: (error: unknown) => void = () => {},
  ) {
    if (log !== undefined) this.sent.push(...log.since(clock.now() - limit.windowMs));
  }

  acquire(priority: Priority): Promise<void> {
    if (this.tryAcquire(priority)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { priority, resolve };
      const firstBelow = this.waiters.findIndex((w) => RANK[w.priority] > RANK[priority]);
      this.waiters.splice(firstBelow === -1 ? this.waiters.length : firstBelow, 0, waiter);
      this.schedule();
    });
  }

  /**
   * A slot now, or false without waiting: below every waiter, for a request that is worth nothing
   * later (keeping a connection open). Counted like any other.
   */
  tryAcquire(priority: Priority): boolean {
    return this.waiters.length === 0 && this.tryTake(priority);
  }

  /** Requests still allowed in the current window. */
  available(): number {
    this.expire();
    return this.limit.requests - this.sent.length;
  }

  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** How many requests of this priority the window may hold. */
  private allowed(priority: Priority): number {
    const reserve = priority === 'sync' ? Math.floor(this.limit.requests * TAP_RESERVE) : 0;
    return this.limit.requests - reserve;
  }

  private tryTake(priority: Priority): boolean {
    this.expire();
    if (this.sent.length >= this.allowed(priority)) return false;
    const now = this.clock.now();
    this.sent.push(now);
    try {
      this.log?.record(now, now - this.limit.windowMs);
    } catch (error) {
      // Forgetting a send time only matters after a restart; refusing the request would matter now.
      this.onLogFailure(error);
    }
    return true;
  }

  private expire(): void {
    const horizon = this.clock.now() - this.limit.windowMs;
    while (this.sent.length > 0 && (this.sent[0] as number) <= horizon) this.sent.shift();
  }

  /** Grants what the window allows now and sets one timer for the head; a new head (a tap passing a waiting sync) gets its own. */
  private schedule(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    while (this.waiters.length > 0 && this.tryTake((this.waiters[0] as Waiter).priority)) {
      this.waiters.shift()?.resolve();
    }
    const head = this.waiters[0];
    if (head === undefined) return;
    // The head waits until enough of the oldest requests have left the window to make room for it.
    const leaving = this.sent[this.sent.length - this.allowed(head.priority)] as number;
    const wait = Math.max(1, leaving + this.limit.windowMs - this.clock.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.schedule();
    }, wait);
  }
}
