import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../src/courier/backoff.js';
import { type Priority, RateLimiter } from '../../src/courier/rate-limiter.js';
import type { SendLog } from '../../src/store/send-log.js';
import { systemTimers } from '../../src/time/timers.js';

describe('backoffDelay', () => {
  const options = { baseMs: 100, capMs: 1_000 };

  it('doubles with each consecutive failure up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, options, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('jitters between half the ceiling and the ceiling', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 0.5)).toBe(300);
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(400);
    expect(backoffDelay(20, options, () => 0)).toBe(500);
  });

  it('treats "no failure yet" like the first one', () => {
    expect(backoffDelay(0, options, () => 1)).toBe(100);
  });
});

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  const clock = { now: () => Date.now() };

  /** Acquires and records when each grant happened, relative to the start. */
  function track(limiter: RateLimiter, priority: Priority, label: string, log: string[]) {
    const start = Date.now();
    return limiter.acquire(priority).then(() => log.push(`${label}@${Date.now() - start}`));
  }

  it('grants at most N requests per sliding window, then each as the oldest leaves it', async () => {
    const limiter = new RateLimiter({ requests: 3, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    for (const label of ['a', 'b', 'c']) void track(limiter, 'drain', label, log);
    await vi.advanceTimersByTimeAsync(300);
    for (const label of ['d', 'e']) void track(limiter, 'drain', label, log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['a@0', 'b@0', 'c@0']);
    expect(limiter.available()).toBe(0);
    await vi.advanceTimersByTimeAsync(699);
    expect(log).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['a@0', 'b@0', 'c@0', 'd@700', 'e@700']);
    limiter.stop();
  });

  it('serves live requests before waiting drain requests, in arrival order within a priority', async () => {
    const limiter = new RateLimiter({ requests: 1, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    await limiter.acquire('drain');
    void track(limiter, 'drain', 'd1', log);
    void track(limiter, 'drain', 'd2', log);
    void track(limiter, 'live', 'l1', log);
    void track(limiter, 'live', 'l2', log);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(log).toEqual(['l1@1000', 'l2@2000', 'd1@3000', 'd2@4000']);
    limiter.stop();
  });

  it('serves sync requests after live and drain ones', async () => {
    const limiter = new RateLimiter({ requests: 1, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    await limiter.acquire('drain');
    void track(limiter, 'sync', 's1', log);
    void track(limiter, 'drain', 'd1', log);
    void track(limiter, 'live', 'l1', log);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(log).toEqual(['l1@1000', 'd1@2000', 's1@3000']);
    limiter.stop();
  });

  it('keeps a tenth of the window free of sync requests for taps', async () => {
    const limiter = new RateLimiter({ requests: 20, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    for (let i = 0; i < 19; i++) void track(limiter, 'sync', `s${i}`, log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toHaveLength(18);
    expect(limiter.available()).toBe(2);
    void track(limiter, 'live', 'l1', log);
    void track(limiter, 'live', 'l2', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log.slice(18)).toEqual(['l1@0', 'l2@0']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log.at(-1)).toBe('s18@1000');
    limiter.stop();
  });

  it('grants tryAcquire only when the window has room and nobody waits, and counts it', async () => {
    const limiter = new RateLimiter({ requests: 2, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    expect(limiter.tryAcquire('sync')).toBe(true);
    expect(limiter.available()).toBe(1);
    await limiter.acquire('drain');
    void track(limiter, 'live', 'l1', log);
    expect(limiter.tryAcquire('live')).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log).toEqual(['l1@1000']);
    expect(limiter.tryAcquire('sync')).toBe(true);
    expect(limiter.tryAcquire('sync')).toBe(false);
    limiter.stop();
  });

  it('lets a tap that arrives behind a waiting sync go as soon as the window has room for it', async () => {
    const limiter = new RateLimiter({ requests: 10, windowMs: 1_000 }, clock, systemTimers);
    const log: string[] = [];
    for (let i = 0; i < 9; i++) await limiter.acquire('drain');
    void track(limiter, 'sync', 's1', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual([]);
    void track(limiter, 'live', 'l1', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['l1@0']);
    limiter.stop();
  });
});

describe('RateLimiter across a restart', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  const clock = { now: () => Date.now() };

  /** A send log kept in memory, as the file keeps it between two processes. */
  class MemoryLog implements SendLog {
    times: number[] = [];
    since(after: number): number[] {
      return this.times.filter((t) => t > after);
    }
    record(at: number, forgetUpTo: number): void {
      this.times = [...this.times.filter((t) => t > forgetUpTo), at];
    }
    close(): void {}
  }

  it('starts with what the last run spent of the window, and forgets what left it', async () => {
    const log = new MemoryLog();
    const first = new RateLimiter({ requests: 3, windowMs: 1_000 }, clock, systemTimers, log);
    await first.acquire('drain');
    await vi.advanceTimersByTimeAsync(400);
    await first.acquire('drain');
    first.stop();

    // Killed and restarted 100 ms later: one request is left in this window, not three.
    await vi.advanceTimersByTimeAsync(100);
    const second = new RateLimiter({ requests: 3, windowMs: 1_000 }, clock, systemTimers, log);
    expect(second.available()).toBe(1);
    const granted: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 3; i++) void second.acquire('drain').then(() => granted.push(Date.now() - start));
    await vi.advanceTimersByTimeAsync(1_000);
    // The first run's first request leaves the window at +500 ms, its second at +900 ms.
    expect(granted).toEqual([0, 500, 900]);
    expect(log.times.length).toBeLessThanOrEqual(3);
    second.stop();
  });

  it('keeps granting when the send log cannot be written, and says so', async () => {
    const failing: SendLog = {
      since: () => [],
      record: () => {
        throw new Error('SQLITE_FULL');
      },
      close: () => {},
    };
    const failures: unknown[] = [];
    const limiter = new RateLimiter({ requests: 3, windowMs: 1_000 }, clock, systemTimers, failing, (e) =>
      failures.push(e),
    );
    await limiter.acquire('live');
    expect(failures).toHaveLength(1);
    limiter.stop();
  });
});
