import type { SendLog } from '../store/send-log.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle, Timers } from '../time/timers.js';

export type Priority = 'live' | 'drain';

interface Waiter {
  priority: Priority;
  resolve: () => void;
}

/**
 * A sliding-window limiter shared by every badge of the kiosk: MOCO counts requests per account
 * over a window, so draining a long queue must stay under it. Live taps are served before the
 * drain, so the person at the door is not kept waiting behind the backlog. With a send log, the
 * window survives a restart: a daemon killed mid-drain starts with what the last one spent.
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
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { priority, resolve };
      if (priority === 'live') {
        const firstDrain = this.waiters.findIndex((w) => w.priority === 'drain');
        this.waiters.splice(firstDrain === -1 ? this.waiters.length : firstDrain, 0, waiter);
      } else {
        this.waiters.push(waiter);
      }
      this.schedule();
    });
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

  private tryTake(): boolean {
    this.expire();
    if (this.sent.length >= this.limit.requests) return false;
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

  private schedule(): void {
    if (this.timer !== null) return;
    while (this.waiters.length > 0 && this.tryTake()) this.waiters.shift()?.resolve();
    if (this.waiters.length === 0) return;
    const wait = Math.max(1, (this.sent[0] as number) + this.limit.windowMs - this.clock.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.schedule();
    }, wait);
  }
}
