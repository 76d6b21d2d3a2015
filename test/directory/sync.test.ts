import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadgeSync, FULL_SYNC_MS } from '../../src/directory/sync.js';
import { MocoClient } from '../../src/moco/client.js';
import { type SimUser, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { createTypedUidNormalizer } from '../../src/readers/uid.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { MocoBadges } from '../../src/store/moco-badges.js';
import { ManualClock } from '../fakes/clock.js';
import { LogCapture } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';

const STAFF_KEY = 'staff-key-0123456789';

function user(id: number, badge?: string, extra: Partial<SimUser> = {}): SimUser {
  return {
    id,
    firstname: 'User',
    lastname: String(id),
    apiKey: `key-${id}`,
    ...(badge === undefined ? {} : { customProperties: { Badge: badge } }),
    ...extra,
  };
}

let dir: string;
let db: Database;
let store: MocoBadges;
let sim: Simulator;
let client: MocoClient;
let clock: ManualClock;
let timers: ManualTimers;
let logs: LogCapture;

/** The users exist since 06:00; the first read is at 08:00. */
async function setUp(users: SimUser[], before?: () => void): Promise<BadgeSync> {
  clock = new ManualClock(Date.parse('2026-03-02T06:00:00Z'));
  sim = await startSimulator({
    timeZone: 'Europe/Berlin',
    clock,
    users: [{ id: 1, firstname: 'Sam', lastname: 'Staff', apiKey: STAFF_KEY, staff: true }, ...users],
  });
  client = new MocoClient({ baseUrl: sim.baseUrl, timeoutMs: 2000 });
  clock.ms += 3_600_000;
  before?.();
  clock.ms += 3_600_000;
  return syncOf('Badge');
}

function syncOf(field: string): BadgeSync {
  return new BadgeSync({
    staff: client.forKey(STAFF_KEY),
    store,
    field,
    normalize: createTypedUidNormalizer({ format: 'as-read', reverseBytes: false }),
    intervalMs: 300_000,
    clock,
    timers,
    logger: logs.logger,
  });
}

const userReads = () => sim.requests().filter((r) => r.path === '/api/v1/users');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-sync-'));
  db = openDatabase(join(dir, 'timeclock.db'));
  store = new MocoBadges(db);
  timers = new ManualTimers();
  logs = new LogCapture();
});
afterEach(async () => {
  client?.close();
  await sim?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('BadgeSync', () => {
  it('reads every user at start: several UIDs a field, entries that are no UID, and conflicts', async () => {
    const sync = await setUp([user(2, '04a1, 0BEE  0c1a'), user(3, '0c1a;#12 04/A1'), user(4)]);
    await sync.syncNow();
    expect(store.lookup('04A1')).toEqual({ kind: 'user', user: { id: 2, name: 'User 2' } });
    expect(store.lookup('0BEE')).toMatchObject({ kind: 'user' });
    expect(store.lookup('0C1A')).toEqual({
      kind: 'conflict',
      users: [
        { id: 2, name: 'User 2' },
        { id: 3, name: 'User 3' },
      ],
    });
    expect(store.summary()).toMatchObject({
      users: 4,
      withField: 2,
      badges: 2,
      invalid: [{ user: { id: 3 }, entries: ['#12', '04/A1'] }],
    });
    expect(logs.withMsg('badges synced')[0]).toMatchObject({ kind: 'full', users: 4 });
    expect(logs.lines.filter((l) => String(l.msg).startsWith('badge is on two MOCO users'))).toHaveLength(1);
    expect(timers.pending.map((t) => t.ms)).toEqual([300_000]);
  });

  it("stops a deactivated user's badges at the next read when the users fit into one page", async () => {
    const sync = await setUp([user(2, '04A1')]);
    await sync.syncNow();
    sim.updateUser(2, { active: false });
    clock.ms += 300_000;
    timers.pending[0]?.callback();
    await sync.syncNow();
    expect(store.lookup('04A1')).toEqual({ kind: 'unknown' });
    expect(userReads().every((r) => !r.query.includes('updated_after'))).toBe(true);
  });

  it('reads only changed users between the daily full reads of a directory of more than one page', async () => {
    const many = Array.from({ length: 120 }, (_, i) => user(100 + i, i === 0 ? '0AAA' : undefined));
    // At 07:00 one of them changed: the latest `updated_at` the first read sees.
    const sync = await setUp(many, () => sim.updateUser(101, { firstname: 'Changed' }));
    await sync.syncNow();
    expect(userReads()).toHaveLength(2);

    clock.ms += 300_000;
    sim.updateUser(150, { customProperties: { Badge: '0BBB' } });
    sim.updateUser(100, { active: false });
    await sync.syncNow();
    const incremental = userReads().at(-1);
    expect(incremental?.query).toMatch(/^updated_after=2026-03-02T06%3A50%3A00Z&per_page=100$/);
    expect(store.lookup('0BBB')).toEqual({ kind: 'user', user: { id: 150, name: 'User 150' } });
    // The list leaves deactivated users out, so only the full read of the day sees that 100 left.
    expect(store.lookup('0AAA')).toMatchObject({ kind: 'user' });

    clock.ms += FULL_SYNC_MS;
    await sync.syncNow();
    expect(userReads().at(-1)?.query).not.toContain('updated_after');
    expect(store.lookup('0AAA')).toEqual({ kind: 'unknown' });
  });

  it('keeps the copy while MOCO is unreachable and catches up once it answers', async () => {
    const sync = await setUp([user(2, '04A1')]);
    await sync.syncNow();
    await sim.faults.setOffline(true);
    sim.updateUser(2, { customProperties: { Badge: '04A1 0BEE' } });
    await sync.syncNow();
    await sync.syncNow();
    expect(store.lookup('04A1')).toMatchObject({ kind: 'user' });
    expect(store.state()?.error).toMatch(/^(unreachable|uncertain): /);
    expect(logs.withMsg('badge sync failed; the kiosk goes on with its copy')).toHaveLength(1);

    await sim.faults.setOffline(false);
    await sync.syncNow();
    expect(store.lookup('0BEE')).toMatchObject({ kind: 'user', user: { id: 2 } });
    expect(store.state()).toMatchObject({ error: null, fullCount: 2 });
  });

  it('keeps the copy when the Staff key may not list users, and says why', async () => {
    const sync = await setUp([user(2, '04A1')]);
    await sync.syncNow();
    const plain = new BadgeSync({
      staff: client.forKey('key-2'),
      store,
      field: 'Badge',
      normalize: (raw) => raw,
      intervalMs: 300_000,
      clock,
      timers,
      logger: logs.logger,
    });
    await plain.syncNow();
    expect(store.state()?.error).toMatch(/^403 forbidden: /);
    expect(store.lookup('04A1')).toMatchObject({ kind: 'user' });
  });

  it('says once that no user has the field, and names a field that differs only in case', async () => {
    const sync = await setUp([user(2, undefined, { customProperties: { badge: '04A1' } })]);
    await sync.syncNow();
    await sync.syncNow();
    expect(logs.lines.filter((l) => String(l.msg).startsWith('no user has a "Badge" field'))).toHaveLength(1);
    expect(store.state()?.similarFields).toEqual(['badge']);
  });

  it('drops a copy read from another field', async () => {
    const sync = await setUp([user(2, '04A1', { customProperties: { Badge: '04A1', RFID: '0C0C' } })]);
    await sync.syncNow();
    await sim.faults.setOffline(true);
    await syncOf('RFID').syncNow();
    expect(store.lookup('04A1')).toEqual({ kind: 'unknown' });
    await sim.faults.setOffline(false);
    await syncOf('RFID').syncNow();
    expect(store.lookup('0C0C')).toMatchObject({ kind: 'user' });
  });

  it('schedules no further read once stopped', async () => {
    const sync = await setUp([user(2, '04A1')]);
    const first = sync.syncNow();
    await sync.stop();
    await first;
    expect(timers.pending).toEqual([]);
  });
});
