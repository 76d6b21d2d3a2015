import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Courier } from '../src/courier/courier.js';
import { RateLimiter } from '../src/courier/rate-limiter.js';
import { Gate } from '../src/gate.js';
import type { Outcome } from '../src/outcome.js';
import { createUidNormalizer } from '../src/readers/uid.js';
import type { Signals } from '../src/signals/signals.js';
import { openDatabase } from '../src/store/database.js';
import { Journal, type Tap } from '../src/store/journal.js';
import { UnknownScans } from '../src/store/unknown-scans.js';
import { handleTap, type TapDeps } from '../src/tap.js';
import { systemTimers } from '../src/time/timers.js';
import { configWith } from './config/build.js';
import { BERLIN, startRig } from './courier/harness.js';
import { ManualClock } from './fakes/clock.js';
import { LogCapture } from './fakes/logger.js';

const defaults = configWith();

const BADGES = new Map([
  ['A1', { uid: 'A1', userId: 1001, userName: 'Anna' }],
  ['B2', { uid: 'B2', userId: 1002, userName: 'Ben' }],
  // Anna's key fob.
  ['A9', { uid: 'A9', userId: 1001, userName: 'Anna' }],
  ['X7', { uid: 'X7', userId: null, userName: null }],
  // Added without asking MOCO: only the admin's label says whose it is.
  ['L5', { uid: 'L5', userId: null, userName: null, label: "Lea's card" }],
]);

let dir: string;
let path: string;
let db: BetterSqlite3.Database;
/** A second connection sees only what was committed. */
let reader: BetterSqlite3.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-tap-'));
  path = join(dir, 'timeclock.db');
  db = openDatabase(path);
  reader = new BetterSqlite3(path, { readonly: true });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const committedTaps = () =>
  reader.prepare('SELECT id, uid FROM taps ORDER BY id').all() as { id: number; uid: string }[];

/** Signals that note what they showed and what the journal held on disk at that moment. */
class RecordingSignals implements Signals {
  readonly shown: { outcome: Outcome; committed: number }[] = [];
  readonly who: (string | undefined)[] = [];
  show(outcome: Outcome, who?: string): void {
    this.shown.push({ outcome, committed: committedTaps().length });
    this.who.push(who);
  }
  setIdle(): void {}
  async stop(): Promise<void> {}
}

function deps(
  courier: Pick<Courier, 'deliverLive' | 'touchFor' | 'warmUp'>,
  overrides: Partial<TapDeps> = {},
) {
  const clock = new ManualClock(Date.parse('2026-03-02T07:00:00Z'));
  const logs = new LogCapture();
  const signals = new RecordingSignals();
  const seen: string[] = [];
  const all: TapDeps = {
    normalize: createUidNormalizer(defaults.reader, defaults.uid),
    gate: new Gate({ debounceMs: 1_500, repeatGuardMs: 60_000 }, clock),
    badges: { find: (uid) => BADGES.get(uid) ?? null, markSeen: (uid) => seen.push(uid) },
    unknownScans: new UnknownScans(db, clock),
    journal: new Journal(db),
    courier: courier as Courier,
    signals,
    timing: () => ({ atMs: clock.now(), clockSynced: true, monoNs: null, bootId: null }),
    clock,
    timeZone: BERLIN,
    logger: logs.logger,
    ...overrides,
  };
  return { deps: all, clock, logs, signals, seen };
}

/** A courier that answers at once and notes whether the tap was on disk when it got it. */
function answering(outcome: Outcome) {
  const received: { tap: Tap; committed: boolean }[] = [];
  /** How many taps were on disk each time a connection was opened ahead of one. */
  const warmedAt: number[] = [];
  return {
    received,
    warmedAt,
    warmUp: () => {
      warmedAt.push(committedTaps().length);
      return true;
    },
    touchFor: () => ({ intent: { op: 'touch' as const, closes: null }, at: 0 }),
    deliverLive: async (tap: Tap, onOutcome: (o: Outcome) => void = () => {}) => {
      received.push({ tap, committed: committedTaps().some((row) => row.id === tap.id) });
      onOutcome(outcome);
      return outcome;
    },
  };
}

describe('handleTap', () => {
  it('logs exactly one scan line per read past the debounce, with what happened to it', async () => {
    const courier = answering('clocked_in');
    const { deps: d, clock, logs, signals, seen } = deps(courier);
    const results: (Outcome | null)[] = [];
    const read = async (raw: string, afterMs: number) => {
      clock.ms += afterMs;
      results.push(await handleTap(raw, d));
    };
    await read('a1', 0);
    for (let i = 0; i < 10; i++) await read('A1', 200); // the card lies on the reader
    await read('A1', 5_000); // taken off and tapped again: a repeat
    await read('ZZ', 2_000); // a stranger
    await read('B2', 100);

    expect(results.filter((r) => r !== null)).toEqual([
      'clocked_in',
      'repeat_ignored',
      'unknown_badge',
      'clocked_in',
    ]);
    const [anna, ben] = courier.received.map((r) => r.tap);
    expect(logs.withMsg('scan')).toEqual([
      expect.objectContaining({ uid: 'A1', outcome: 'clocked_in', tapId: anna?.id, userId: 1001 }),
      expect.objectContaining({ uid: 'A1', outcome: 'repeat_ignored' }),
      expect.objectContaining({ uid: 'ZZ', outcome: 'unknown_badge' }),
      expect.objectContaining({ uid: 'B2', outcome: 'clocked_in', tapId: ben?.id, userId: 1002 }),
    ]);
    expect(signals.shown.map((s) => s.outcome)).toEqual([
      'clocked_in',
      'repeat_ignored',
      'unknown_badge',
      'clocked_in',
    ]);
    expect(new UnknownScans(db, clock).last()).toEqual({ uid: 'ZZ', at: clock.ms - 100 });
    expect(committedTaps().map((t) => t.uid)).toEqual(['A1', 'B2']);
    expect(anna).toMatchObject({
      localDate: '2026-03-02',
      localTime: '08:00',
      lane: 'user:1001',
      uncertain: true,
    });
    expect(seen).toEqual(['A1', 'B2']);
  });

  it('commits the tap before the courier gets it and before anything is shown', async () => {
    const courier = answering('queued');
    const { deps: d, signals } = deps(courier);
    expect(await handleTap('A1', d)).toBe('queued');
    expect(courier.received.map((r) => r.committed)).toEqual([true]);
    expect(signals.shown).toEqual([{ outcome: 'queued', committed: 1 }]);
  });

  it('opens the connection to MOCO before the commit, once per tap that is journaled', async () => {
    const courier = answering('clocked_in');
    const { deps: d, clock } = deps(courier);
    await handleTap('A1', d);
    clock.ms += 5_000;
    await handleTap('ZZ', d); // a stranger: nothing will be sent
    await handleTap('B2', d);
    expect(courier.warmedAt).toEqual([0, 1]);
    expect(courier.received.map((r) => r.committed)).toEqual([true, true]);
  });

  it('ends in error, shown and logged, when the tap cannot be journaled, and starts no repeat guard', async () => {
    const courier = answering('clocked_in');
    const journal = new Journal(db);
    journal.append = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    const { deps: d, clock, logs, signals } = deps(courier, { journal });
    expect(await handleTap('A1', d)).toBe('error');
    expect(courier.received).toEqual([]);
    expect(signals.shown.map((s) => s.outcome)).toEqual(['error']);
    expect(logs.withMsg('scan')).toEqual([
      expect.objectContaining({ uid: 'A1', outcome: 'error', userId: 1001 }),
    ]);
    expect(logs.withMsg('tap failed locally')).toHaveLength(1);
    clock.ms += 2_000;
    d.journal = new Journal(db);
    expect(await handleTap('A1', d)).toBe('clocked_in');
  });

  it('ignores a second badge of the same person within the repeat guard, and guards user-less badges alone', async () => {
    const courier = answering('clocked_in');
    const { deps: d, clock, logs } = deps(courier);
    expect(await handleTap('A1', d)).toBe('clocked_in');
    clock.ms += 3_000;
    expect(await handleTap('A9', d)).toBe('repeat_ignored');
    expect(await handleTap('X7', d)).toBe('clocked_in');
    expect(courier.received.map((r) => r.tap.uid)).toEqual(['A1', 'X7']);
    expect(logs.withMsg('scan').map((l) => [l.uid, l.outcome, l.userId])).toEqual([
      ['A1', 'clocked_in', 1001],
      ['A9', 'repeat_ignored', 1001],
      ['X7', 'clocked_in', undefined],
    ]);
  });

  it('names the person in the scan line (userName) and to the signals, the label where MOCO was not asked', async () => {
    const courier = answering('clocked_in');
    const { deps: d, clock, logs, signals } = deps(courier);
    await handleTap('A1', d);
    clock.ms += 3_000;
    await handleTap('A9', d);
    await handleTap('L5', d);
    await handleTap('ZZ', d);
    expect(logs.withMsg('scan').map((l) => [l.uid, l.outcome, l.userName])).toEqual([
      ['A1', 'clocked_in', 'Anna'],
      ['A9', 'repeat_ignored', 'Anna'],
      ['L5', 'clocked_in', undefined],
      ['ZZ', 'unknown_badge', undefined],
    ]);
    expect(signals.who).toEqual(['Anna', 'Anna', "Lea's card", undefined]);
  });

  it('ignores what is not a UID, with a warning and no scan line', async () => {
    const { deps: d, logs, signals } = deps(answering('clocked_in'));
    expect(await handleTap('   ', d)).toBeNull();
    expect(logs.withMsg('scan')).toEqual([]);
    expect(logs.withMsg('unusable UID from the reader')).toHaveLength(1);
    expect(signals.shown).toEqual([]);
  });

  it('with the real courier: the tap is on disk before the first request and the scan line has MOCO’s answer', async () => {
    const clock = { now: () => Date.now() };
    const committedAtRequest: boolean[] = [];
    class CheckingLimiter extends RateLimiter {
      override acquire(priority: 'live' | 'drain'): Promise<void> {
        committedAtRequest.push(committedTaps().length === 1);
        return super.acquire(priority);
      }
    }
    const limiter = new CheckingLimiter({ requests: 100, windowMs: 1_000 }, clock, systemTimers);
    const journal = new Journal(db);
    const rig = await startRig({ journal: { db, journal }, limiter });
    try {
      rig.courier.start();
      const { deps: d, logs, signals } = deps(rig.courier, { journal, clock });
      expect(await handleTap('A1', d)).toBe('clocked_in');
      expect(committedAtRequest).toEqual([true]);
      expect(signals.shown).toEqual([{ outcome: 'clocked_in', committed: 1 }]);
      const [line] = logs.withMsg('scan');
      expect(line).toMatchObject({ uid: 'A1', outcome: 'clocked_in', userId: 1001 });
      expect(journal.get(line?.tapId as number)).toMatchObject({ state: 'delivered', outcome: 'clocked_in' });
      expect(rig.sim.presences(1001)).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });
});
