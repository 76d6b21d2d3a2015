import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/courier/rate-limiter.js';
import { startSimulator } from '../../src/moco/sim/index.js';
import { openDatabase } from '../../src/store/database.js';
import { Journal } from '../../src/store/journal.js';
import { ManualTimers } from '../fakes/timers.js';
import { VirtualTime } from '../fakes/virtual-time.js';
import { BERLIN, bookings, DAY_OF, memoryJournal, type Rig, startRig, tapOf } from './harness.js';

const DAY = DAY_OF;
let rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs) await rig.close();
  rigs = [];
});
const rigWith = async (options: Parameters<typeof startRig>[0] = {}) => {
  const rig = await startRig(options);
  rigs.push(rig);
  return rig;
};

/** A limiter that records when each request to MOCO was allowed out. */
class RecordingLimiter extends RateLimiter {
  readonly times: number[] = [];
  constructor(private readonly time: VirtualTime) {
    super({ requests: 10_000, windowMs: 1_000 }, time, time);
  }
  override async acquire(priority: 'live' | 'drain'): Promise<void> {
    await super.acquire(priority);
    this.times.push(this.time.now());
  }
}

describe('Courier: order', () => {
  it('delivers a backlog oldest first across users and strictly in order within a user', async () => {
    const rig = await rigWith();
    const plan: [string, string][] = [
      ['A1', '08:00'],
      ['B2', '08:01'],
      ['A1', '08:02'],
      ['C3', '08:03'],
      ['B2', '08:04'],
      ['A1', '08:05'],
      ['B2', '08:06'],
    ];
    for (const [uid, time] of plan)
      expect(await rig.settle(rig.courier.deliverLive(rig.append(tapOf(uid, DAY, time))))).toBe('queued');
    rig.courier.start();
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
    expect(rig.writes()).toEqual([
      `open 1001 ${DAY} 08:00`,
      `open 1002 ${DAY} 08:01`,
      'close 1001 08:02',
      `open 1003 ${DAY} 08:03`,
      'close 1002 08:04',
      `open 1001 ${DAY} 08:05`,
      `open 1002 ${DAY} 08:06`,
    ]);
    expect(rig.logs.withMsg('delivered')).toHaveLength(plan.length);
    // The courier read each user's day once and planned the later taps on what it wrote itself.
    expect(rig.sim.requests().filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('keeps each user in order through an outage where attempts interleave', async () => {
    const rig = await rigWith();
    await rig.sim.faults.setOffline(true);
    rig.courier.start();
    const times = ['08:00', '08:10', '08:20', '08:30', '08:40', '08:50'];
    for (const [i, time] of times.entries()) {
      await rig.settle(rig.courier.deliverLive(rig.append(tapOf(i % 2 === 0 ? 'A1' : 'B2', DAY, time))));
    }
    // Let a few background attempts fail before MOCO is back.
    await rig.until(() => expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThan(3));
    await rig.sim.faults.setOffline(false);
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
    const of = (user: number) => rig.writes().filter((t) => t.includes(` ${user} `));
    expect(of(1001)).toEqual([`open 1001 ${DAY} 08:00`, 'close 1001 08:20', `open 1001 ${DAY} 08:40`]);
    expect(of(1002)).toEqual([`open 1002 ${DAY} 08:10`, 'close 1002 08:30', `open 1002 ${DAY} 08:50`]);
    expect(rig.sim.presences(1001).map((p) => `${p.from}-${p.to ?? ''}`)).toEqual(['08:00-08:20', '08:40-']);
  });

  it('delivers, after a restart, the taps a previous run left pending, reconciling a lost answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moco-restart-'));
    const sim = await startSimulator({ port: 0, timeZone: BERLIN });
    try {
      const path = join(dir, 'timeclock.db');
      const db1 = openDatabase(path);
      // A backoff long enough that the first run does not retry before it stops.
      const first = await rigWith({
        simulator: sim,
        journal: { db: db1, journal: new Journal(db1) },
        courier: { backoff: { baseMs: 60_000, capMs: 60_000 } },
      });
      first.courier.start();
      sim.faults.loseResponses(1);
      const lost = first.live('A1', '08:00');
      expect(await first.settle(first.courier.deliverLive(lost))).toBe('queued');
      first.append(tapOf('A1', DAY, '12:00'));
      first.append(tapOf('B2', DAY, '12:01'));
      await first.close();

      const db2 = openDatabase(path);
      const second = await rigWith({ simulator: sim, journal: { db: db2, journal: new Journal(db2) } });
      expect(second.journal.counts().pending).toBe(3);
      expect(second.journal.get(lost.id)?.uncertain).toBe(true);
      second.courier.start();
      await second.until(() => expect(second.journal.counts().pending).toBe(0));
      expect(second.journal.get(lost.id)).toMatchObject({ state: 'delivered', outcome: 'clocked_in' });
      // The lost touch had been applied: it was found by reading the day, not sent again.
      expect(second.writes()).toEqual(
        expect.arrayContaining(['touch 1001', 'close 1001 12:00', `open 1002 ${DAY} 12:01`]),
      );
      expect(second.writes()).toHaveLength(3);
      expect(second.writes().filter((w) => w.includes(' 1001'))).toEqual(['touch 1001', 'close 1001 12:00']);
      expect(bookings(sim)).toEqual([`1001 ${DAY} 08:00-12:00`, `1002 ${DAY} 12:01-`]);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sleeps until the head of a blocked lane is due instead of polling every millisecond', async () => {
    const timers = new ManualTimers();
    const rig = await rigWith({ courier: { timers, settleMs: 60_000 } });
    // A touch an earlier run sent a moment ago may still land: the tap waits out the settle time,
    // and the lane's next tap waits behind it.
    const held = rig.append(tapOf('A1', DAY, '08:00'), { touch: true });
    rig.append(tapOf('A1', DAY, '08:05'));
    rig.courier.start();
    await rig.until(() => expect(rig.journal.get(held.id)?.lastError).toMatch(/settle/));
    await rig.until(() => expect(timers.delays.length).toBeGreaterThan(0));
    expect(timers.delays).toEqual([5_000]);
    expect(rig.writes()).toEqual([]);
  });
  it('keeps draining after a local database error (busy, disk full) instead of stopping for good', async () => {
    /** A journal whose first look for due work fails, as SQLite does when the disk is full. */
    class FlakyJournal extends Journal {
      failures = 1;
      override nextDue(now: number) {
        if (this.failures-- > 0) throw new Error('SQLITE_FULL: database or disk is full');
        return super.nextDue(now);
      }
    }
    const { db } = memoryJournal();
    const rig = await rigWith({ journal: { db, journal: new FlakyJournal(db) } });
    const tap = rig.append(tapOf('A1', DAY, '08:00'));
    rig.courier.start();
    await rig.until(() =>
      expect(rig.logs.withMsg('delivery loop failed locally; trying again')).toHaveLength(1),
    );
    rig.courier.kick();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
  });
});

describe('Courier: backoff', () => {
  it('pauses deliveries after transient failures, doubling up to the cap, and resets once MOCO answers', async () => {
    const time = new VirtualTime();
    const limiter = new RecordingLimiter(time);
    const rig = await rigWith({
      time,
      limiter,
      courier: { random: () => 1, backoff: { baseMs: 20, capMs: 100 } },
    });
    rig.sim.faults.serverError = 503;
    const tap = rig.append(tapOf('A1', DAY, '08:00'));
    rig.courier.start();
    await rig.until(() => expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThanOrEqual(5));
    rig.sim.faults.reset();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));

    const pauses = rig.logs.withMsg('delivery postponed').map((l) => l.retryInMs as number);
    expect(pauses.slice(0, 5)).toEqual([20, 40, 80, 100, 100]);
    // Nothing went out during a pause.
    pauses.forEach((pause, i) => {
      const gap = (limiter.times[i + 1] ?? Number.POSITIVE_INFINITY) - (limiter.times[i] ?? 0);
      expect(gap).toBeGreaterThanOrEqual(pause - 2);
    });
    expect(rig.courier.status()).toMatchObject({
      consecutiveFailures: 0,
      pausedUntil: 0,
      connectivity: 'online',
    });
    // Every 503 came to the read that plans the tap: nothing was written until MOCO answered.
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`]);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-`]);
  });

  it('draws each pause at random between half the ceiling and the ceiling', async () => {
    const rig = await rigWith({ courier: { random: () => 0, backoff: { baseMs: 40, capMs: 1_000 } } });
    rig.sim.faults.serverError = 500;
    rig.append(tapOf('A1', DAY, '08:00'));
    rig.courier.start();
    await rig.until(() => expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThanOrEqual(3));
    const pauses = rig.logs.withMsg('delivery postponed').map((l) => l.retryInMs);
    expect(pauses.slice(0, 3)).toEqual([20, 40, 80]);
  });

  it('pauses for as long as a 429 Retry-After asks', async () => {
    const time = new VirtualTime();
    const limiter = new RecordingLimiter(time);
    const rig = await rigWith({ time, limiter });
    rig.sim.faults.rateLimited = { retryAfterSeconds: 1 };
    const tap = rig.append(tapOf('A1', DAY, '08:00'));
    rig.courier.start();
    await rig.until(() => expect(rig.logs.withMsg('delivery postponed')).toHaveLength(1));
    rig.sim.faults.reset();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.logs.withMsg('delivery postponed')[0]).toMatchObject({ retryInMs: 1_000, uncertain: false });
    expect(limiter.times).toHaveLength(3);
    expect((limiter.times[1] ?? 0) - (limiter.times[0] ?? 0)).toBeGreaterThanOrEqual(998);
    // The refused read is read again, then the tap written: a 429 leaves nothing to reconcile.
    expect(rig.sim.requests().map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
  });
});
