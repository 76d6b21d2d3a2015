import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, runMigrations } from '../../src/store/database.js';
import { Journal, laneOf } from '../../src/store/journal.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { memoryJournal, tapOf } from '../courier/harness.js';

const DAY = '2026-03-02';
/** Journaled with its live touch, sent at `at`. */
const touching = (at = 1_000) => ({ uncertain: { intent: { op: 'touch' as const, closes: null }, at } });
let store: ReturnType<typeof memoryJournal>;
beforeEach(() => {
  store = memoryJournal();
});
afterEach(() => store.db.close());

/** The newest tap in the journal, read straight from the table. */
function lastTapId(db: BetterSqlite3.Database): number | null {
  const row = db.prepare('SELECT MAX(id) AS id FROM taps').get() as { id: number | null };
  return row.id;
}

describe('Journal: durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'moco-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits with synchronous=FULL and the tap is there, field for field, after reopening', () => {
    const path = join(dir, 'timeclock.db');
    const db = openDatabase(path);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    const tap = new Journal(db).append(
      tapOf('A1', DAY, '08:01', { clockSynced: false, monoNs: 12_345_678_901_234_567n, bootId: 'b-1' }),
      touching(),
    );
    db.close();

    const reopened = openDatabase(path);
    const again = new Journal(reopened).get(tap.id);
    reopened.close();
    expect(again).toEqual(tap);
    expect(again).toMatchObject({
      lane: 'user:1001',
      uid: 'A1',
      userId: 1001,
      localDate: DAY,
      localTime: '08:01',
      clockSynced: false,
      monoNs: 12_345_678_901_234_567n,
      bootId: 'b-1',
      state: 'pending',
      attempts: 0,
      nextAttemptAt: 0,
      uncertain: true,
      timeUncertain: false,
    });
  });
});

describe('Journal: upgrade', () => {
  it('keeps the meaning of a touch an older version left uncertain: it was a touch, sent at the tap', () => {
    const db = new BetterSqlite3(':memory:');
    runMigrations(db, MIGRATIONS.slice(0, 3));
    db.prepare(
      `INSERT INTO taps (lane, uid, user_id, at_ms, local_date, local_time, uncertain)
       VALUES ('user:1001', 'A1', 1001, 1234, '2026-03-02', '08:00', 1), ('user:1002', 'B2', 1002, 1300, '2026-03-02', '08:01', 0)`,
    ).run();
    runMigrations(db, MIGRATIONS);
    const journal = new Journal(db);
    expect(journal.get(1)).toMatchObject({
      uncertain: true,
      intent: { op: 'touch' },
      sentAt: 1234,
      serverErrors: 0,
    });
    expect(journal.get(2)).toMatchObject({ uncertain: false, intent: null, sentAt: null });
    db.close();
  });
});

describe('Journal: lanes and order', () => {
  it('puts a known user in a user lane and an unknown one in a badge lane', () => {
    expect(laneOf({ userId: 7, uid: 'AA' })).toBe('user:7');
    expect(laneOf({ userId: null, uid: 'AA' })).toBe('badge:AA');
    expect(store.journal.append(tapOf('ZZ', DAY, '08:00')).lane).toBe('badge:ZZ');
  });

  it('hands out the oldest due lane head first, across users', () => {
    const { journal } = store;
    const a1 = journal.append(tapOf('A1', DAY, '08:00'));
    const b1 = journal.append(tapOf('B2', DAY, '08:01'));
    const a2 = journal.append(tapOf('A1', DAY, '08:05'));
    expect(journal.nextDue(0)?.id).toBe(a1.id);
    journal.markDelivered(a1.id, 'clocked_in', 1);
    expect(journal.nextDue(0)?.id).toBe(b1.id);
    journal.markDelivered(b1.id, 'clocked_in', 1);
    expect(journal.nextDue(0)?.id).toBe(a2.id);
    expect(journal.laneHead('user:1001')?.id).toBe(a2.id);
  });

  it("never lets a user's later tap overtake an earlier pending one that is not due", () => {
    const { journal } = store;
    const a1 = journal.append(tapOf('A1', DAY, '08:00'));
    journal.append(tapOf('A1', DAY, '08:05'));
    const b1 = journal.append(tapOf('B2', DAY, '08:10'));
    journal.postpone(a1.id, 10_000, 'waiting');
    expect(journal.nextDue(9_999)?.id).toBe(b1.id);
    journal.markDelivered(b1.id, 'clocked_in', 1);
    expect(journal.nextDue(9_999)).toBeNull();
    expect(journal.nextDue(10_000)?.id).toBe(a1.id);
  });

  it('does not let a failed tap block the later taps of its lane', () => {
    const { journal } = store;
    const a1 = journal.append(tapOf('A1', DAY, '08:00'));
    const a2 = journal.append(tapOf('A1', DAY, '08:05'));
    journal.markFailed(a1.id, { outcome: 'rejected', reason: '401 unauthorized', uncertain: false });
    expect(journal.nextDue(0)?.id).toBe(a2.id);
    expect(journal.laneHead('user:1001')?.id).toBe(a2.id);
  });

  it('says when the next lane head is due, ignoring later taps waiting behind a postponed head', () => {
    const { journal } = store;
    expect(journal.nextDueAt()).toBeNull();
    const a1 = journal.append(tapOf('A1', DAY, '08:00'));
    journal.append(tapOf('A1', DAY, '08:05'));
    journal.postpone(a1.id, 30_000, 'waiting for the clock');
    expect(journal.nextDueAt()).toBe(30_000);
    const b1 = journal.append(tapOf('B2', DAY, '08:06'));
    journal.markAttemptFailed(b1.id, { reason: 'offline', nextAttemptAt: 20_000, uncertain: false });
    expect(journal.nextDueAt()).toBe(20_000);
    journal.makePendingDue();
    expect(journal.nextDueAt()).toBe(0);
  });
});

describe('Journal: attempts and uncertainty', () => {
  it('journals a live touch with its intent (uncertain) and a queued tap without, until a write goes out', () => {
    const { journal } = store;
    const live = journal.append(tapOf('A1', DAY, '08:00'), touching(4_321));
    expect(live).toMatchObject({ uncertain: true, intent: { op: 'touch', closes: null }, sentAt: 4_321 });
    const queued = journal.append(tapOf('B2', DAY, '08:00'));
    expect(queued).toMatchObject({ uncertain: false, intent: null, sentAt: null });
    journal.markUncertain(queued.id, { intent: { op: 'close', id: 42, to: '08:00' }, at: 9_000 });
    expect(journal.get(queued.id)).toMatchObject({
      uncertain: true,
      intent: { op: 'close', id: 42, to: '08:00' },
      sentAt: 9_000,
    });
  });

  it('knows whether a lane has a tap waiting', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'));
    expect(journal.hasPending('user:1001')).toBe(true);
    expect(journal.hasPending('user:1002')).toBe(false);
    journal.markDelivered(tap.id, 'clocked_in', 1);
    expect(journal.hasPending('user:1001')).toBe(false);
  });

  it('forgets the intent once nothing can be out there, and counts server errors', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'), touching());
    journal.markAttemptFailed(tap.id, {
      reason: '500',
      nextAttemptAt: 1,
      uncertain: true,
      serverError: true,
    });
    expect(journal.get(tap.id)).toMatchObject({ uncertain: true, intent: { op: 'touch' }, serverErrors: 1 });
    journal.markAttemptFailed(tap.id, { reason: 'refused', nextAttemptAt: 2, uncertain: false });
    expect(journal.get(tap.id)).toMatchObject({
      uncertain: false,
      intent: null,
      sentAt: null,
      serverErrors: 1,
    });
  });

  it('clears `uncertain` on a tap failed by a definite answer to its own request', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'), touching());
    journal.markFailed(tap.id, { outcome: 'rejected', reason: '401', uncertain: false });
    expect(journal.get(tap.id)).toMatchObject({ state: 'failed', uncertain: false, intent: null });
  });

  it('counts a failed attempt, schedules the next one and records what the attempt knows about its touch', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'), touching());
    journal.markAttemptFailed(tap.id, { reason: 'no answer', nextAttemptAt: 500, uncertain: true });
    expect(journal.get(tap.id)).toMatchObject({ attempts: 1, nextAttemptAt: 500, uncertain: true });
    // Reconciled (the touch had not taken effect), then the new touch could not even connect.
    journal.markAttemptFailed(tap.id, { reason: 'ECONNREFUSED', nextAttemptAt: 900, uncertain: false });
    expect(journal.get(tap.id)).toMatchObject({
      attempts: 2,
      lastError: 'ECONNREFUSED',
      nextAttemptAt: 900,
      uncertain: false,
      state: 'pending',
    });
    journal.markDelivered(tap.id, 'clocked_in', 1_234);
    expect(journal.get(tap.id)).toMatchObject({
      state: 'delivered',
      outcome: 'clocked_in',
      deliveredAt: 1_234,
      attempts: 3,
      uncertain: false,
      lastError: null,
    });
  });

  it('keeps `uncertain` on a failed tap, so a retried tap is reconciled before a touch goes out again', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'), touching());
    journal.markFailed(tap.id, {
      outcome: 'rejected',
      reason: '401 unauthorized: key revoked',
      uncertain: true,
    });
    expect(journal.get(tap.id)).toMatchObject({
      state: 'failed',
      outcome: 'rejected',
      uncertain: true,
      intent: { op: 'touch' },
    });
    expect(journal.retry([tap.id])).toBe(1);
    expect(journal.get(tap.id)).toMatchObject({
      state: 'pending',
      outcome: null,
      uncertain: true,
      nextAttemptAt: 0,
    });
  });

  it('corrects the time of a tap taken on an unsynchronised clock', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', '1970-01-01', '01:00', { clockSynced: false }));
    journal.correctTime(tap.id, {
      atMs: 42,
      localDate: DAY,
      localTime: '08:00',
      clockSynced: true,
      timeUncertain: true,
    });
    expect(journal.get(tap.id)).toMatchObject({
      atMs: 42,
      localDate: DAY,
      localTime: '08:00',
      clockSynced: true,
      timeUncertain: true,
    });
  });
});

describe('Journal: admin operations', () => {
  it('retries failed taps only, by id or all, and reports how many', async () => {
    const { journal } = store;
    const [f1, f2, p] = ['08:00', '08:05', '08:10'].map((t) => journal.append(tapOf('A1', DAY, t)));
    const d = journal.append(tapOf('B2', DAY, '08:00'));
    journal.markFailed(f1?.id ?? 0, { outcome: 'rejected', reason: '401', uncertain: false });
    journal.markFailed(f2?.id ?? 0, { outcome: 'locked', reason: '423', uncertain: false });
    journal.markDelivered(d.id, 'clocked_in', 1);
    expect(journal.counts()).toEqual({ pending: 1, failed: 2 });
    expect(journal.hasFailed()).toBe(true);
    expect(journal.failureReasons()).toEqual(
      expect.arrayContaining([
        { reason: '401', count: 1 },
        { reason: '423', count: 1 },
      ]),
    );
    expect([...journal.openTaps({ failedOnly: true })].map((t) => t.id)).toEqual([f1?.id, f2?.id]);
    expect([...journal.openTaps({ afterId: f1?.id })].map((t) => t.id)).toEqual([f2?.id, p?.id]);
    expect(journal.countOpen()).toBe(3);
    expect(journal.countOpen({ failedOnly: true, afterId: f1?.id })).toBe(1);
    expect(journal.retry([f1?.id ?? 0, p?.id ?? 0, d.id])).toBe(1);
    expect(await journal.retryAllFailed()).toBe(1);
    expect(journal.counts()).toEqual({ pending: 3, failed: 0 });
    expect(journal.hasFailed()).toBe(false);
    expect(journal.get(d.id)?.state).toBe('delivered');
  });

  it('drops undelivered taps only', () => {
    const { journal } = store;
    const pending = journal.append(tapOf('A1', DAY, '08:00'));
    const failed = journal.append(tapOf('B2', DAY, '08:00'));
    const delivered = journal.append(tapOf('C3', DAY, '08:00'));
    journal.markFailed(failed.id, { outcome: 'rejected', reason: '401', uncertain: false });
    journal.markDelivered(delivered.id, 'clocked_in', 1);
    expect(journal.drop(pending.id)?.id).toBe(pending.id);
    expect(journal.drop(failed.id)?.id).toBe(failed.id);
    expect(journal.drop(delivered.id)).toBeNull();
    expect(journal.drop(9_999)).toBeNull();
    expect(journal.get(pending.id)).toBeNull();
    expect(journal.get(delivered.id)?.state).toBe('delivered');
  });

  it('tells the courier when a tap was dropped while its touch was on the way', () => {
    const { journal } = store;
    const tap = journal.append(tapOf('A1', DAY, '08:00'), touching());
    expect(journal.drop(tap.id)?.uncertain).toBe(true);
    expect(journal.markDelivered(tap.id, 'clocked_in', 1)).toBe(false);
    const kept = journal.append(tapOf('B2', DAY, '08:00'));
    expect(journal.markDelivered(kept.id, 'clocked_in', 1)).toBe(true);
  });

  it('prunes delivered taps past the cutoff and never an undelivered one, however old', async () => {
    const { journal } = store;
    const old = (uid: string) => journal.append(tapOf(uid, '2025-01-06', '08:00'));
    const oldDelivered = old('A1');
    const oldPending = old('B2');
    const oldFailed = old('C3');
    const recent = journal.append(tapOf('A1', DAY, '09:00'));
    journal.markDelivered(oldDelivered.id, 'clocked_in', 1);
    journal.markFailed(oldFailed.id, { outcome: 'rejected', reason: '401', uncertain: false });
    journal.markDelivered(recent.id, 'clocked_out', 2);
    expect(await journal.pruneDelivered(recent.atMs)).toBe(1);
    expect(journal.get(oldDelivered.id)).toBeNull();
    expect(journal.get(oldPending.id)?.state).toBe('pending');
    expect(journal.get(oldFailed.id)?.state).toBe('failed');
    expect(journal.get(recent.id)?.state).toBe('delivered');
  });
});

describe('Journal: what other parts read', () => {
  it('gives the last tap time per person, the last toggle of a lane that day and the last tap', () => {
    const { journal } = store;
    const a1 = journal.append(tapOf('A1', DAY, '08:00'));
    const a2 = journal.append(tapOf('A1', DAY, '12:00'));
    const b1 = journal.append(tapOf('B2', DAY, '09:00'));
    const a3 = journal.append(tapOf('A1', DAY, '13:00'));
    expect(journal.lastTapsSince(b1.atMs)).toEqual(
      expect.arrayContaining([
        { lane: 'user:1001', atMs: a3.atMs },
        { lane: 'user:1002', atMs: b1.atMs },
      ]),
    );
    expect(journal.lastTapsSince(a3.atMs + 1)).toEqual([]);
    journal.markDelivered(a1.id, 'clocked_in', 1);
    journal.markDelivered(a2.id, 'locked', 2);
    expect(journal.lastOutcomeOn('user:1001', DAY, a3.id)).toBe('clocked_in');
    expect(journal.lastOutcomeOn('user:1001', DAY, a1.id)).toBeNull();
    expect(journal.lastOutcomeOn('user:1001', '2026-03-03', a3.id + 1)).toBeNull();
    expect(lastTapId(store.db)).toBe(a3.id);
  });

  it('retries and prunes in short transactions that let another writer in between', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moco-journal-'));
    const path = join(dir, 'timeclock.db');
    const db = openDatabase(path);
    const other = openDatabase(path, { busyTimeoutMs: 0 });
    try {
      const journal = new Journal(db);
      const insert = db.transaction(() => {
        for (let i = 0; i < 1200; i += 1) {
          const tap = journal.append(tapOf(`U${i}`, '2025-01-06', '08:00'));
          journal.markFailed(tap.id, { outcome: 'rejected', reason: '401', uncertain: false });
        }
      });
      insert();
      // Between two turns, a second connection (the daemon's) writes without waiting at all.
      let writesBetween = 0;
      const pause = async () => {
        other.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('between', 'x')").run();
        writesBetween += 1;
      };
      expect(await journal.retryAllFailed({ budgetMs: 0, pause })).toBe(1200);
      expect(writesBetween).toBe(3);
      expect(journal.counts()).toEqual({ pending: 1200, failed: 0 });

      db.transaction(() => {
        for (const tap of [...journal.openTaps()]) journal.markDelivered(tap.id, 'clocked_in', 1);
      })();
      writesBetween = 0;
      expect(await journal.pruneDelivered(Date.parse('2026-01-01'), { budgetMs: 0, pause })).toBe(1200);
      expect(writesBetween).toBe(3);
      expect(lastTapId(db)).toBeNull();
    } finally {
      other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
