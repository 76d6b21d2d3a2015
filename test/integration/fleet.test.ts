import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SimUser, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { openStores } from '../../src/store/open.js';
import { systemClock } from '../../src/time/clock.js';
import {
  cli,
  createKiosk,
  type DaemonProcess,
  ensureBuilt,
  type Kiosk,
  parseJson,
  runDaemon,
  TIME_ZONE,
  until,
} from './harness.js';
import type { LogLine } from './lines.js';

/**
 * Many doors, one truth: two kiosks (two data directories, two configurations) against one MOCO,
 * one Staff key acting for everyone, the badges kept in the users' "Badge" field in MOCO.
 */

const STAFF_KEY = 'staff-secret-9f8e7d6c5b4a3210';
const SYNC_SECONDS = 1;
/** One sync interval, and the time a sync and its log line take on a busy machine. */
const WITHIN_ONE_SYNC_MS = SYNC_SECONDS * 1000 + 4000;

const STAFF: SimUser = { id: 900, firstname: 'Sam', lastname: 'Staff', apiKey: STAFF_KEY, staff: true };
const ANNA: SimUser = { id: 1001, firstname: 'Anna', lastname: 'Schmidt', apiKey: 'anna-own-key-0123456789' };
const BEN: SimUser = { id: 1002, firstname: 'Ben', lastname: 'Meyer', apiKey: 'ben-own-key-0123456789' };
const ANNA_UID = '0A00B1C201';
const BEN_UID = '0A00B1C202';

let sim: Simulator;
let kiosks: Kiosk[] = [];
let daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeZone: TIME_ZONE, users: [STAFF, ANNA, BEN] });
  kiosks = [fleetKiosk(), fleetKiosk()];
});
afterEach(async () => {
  await Promise.all(daemons.map((d) => d.kill9()));
  daemons = [];
  for (const kiosk of kiosks) kiosk.remove();
  await sim.close();
});

/** The one configuration every kiosk of the fleet gets, and the Staff key beside it. */
function fleetKiosk(): Kiosk {
  const kiosk = createKiosk({
    baseUrl: sim.baseUrl,
    moco: ['identity: impersonation'],
    extra: [`badges: { source: moco, field: Badge, syncSeconds: ${SYNC_SECONDS} }`],
  });
  writeFileSync(join(kiosk.dir, 'staff.key'), `${STAFF_KEY}\n`, { mode: 0o600 });
  // What the installer's `init` does: no badge is ever enrolled on such a kiosk.
  openStores({ config: kiosk, env: {}, clock: systemClock, access: 'init' }).close();
  return kiosk;
}

async function startAll(): Promise<DaemonProcess[]> {
  daemons = await Promise.all(kiosks.map((kiosk) => runDaemon(kiosk)));
  return daemons;
}

/** The next sync of this daemon that began after `since` (ms epoch): what a change in MOCO needs. */
function syncedAfter(daemon: DaemonProcess, since: number): Promise<LogLine> {
  return daemon.log.next(
    (line) =>
      line.msg === 'badges synced' &&
      typeof line.time === 'number' &&
      line.time - (line.ms as number) > since,
    'a sync after the change',
    WITHIN_ONE_SYNC_MS,
  );
}

async function changeInMoco(change: () => void): Promise<void> {
  change();
  const at = Date.now();
  await Promise.all(daemons.map((daemon) => syncedAfter(daemon, at)));
}

async function tap(daemon: DaemonProcess, uid: string): Promise<LogLine> {
  daemon.tap(uid);
  return daemon.scan(uid);
}

const presenceRequests = () => sim.requests().filter((r) => r.path.startsWith('/api/v1/users/presences'));

describe('two kiosks, one Staff key, badges kept in MOCO', { timeout: 60_000 }, () => {
  it("books a badge added to a user's field in MOCO on both kiosks within one sync, acting for that user", async () => {
    const [a, b] = (await startAll()) as [DaemonProcess, DaemonProcess];
    expect(await tap(a, ANNA_UID)).toMatchObject({ outcome: 'unknown_badge' });

    await changeInMoco(() =>
      sim.updateUser(ANNA.id, { customProperties: { Badge: `${ANNA_UID.toLowerCase()}, 0BEE` } }),
    );
    expect(await tap(a, ANNA_UID)).toMatchObject({ outcome: 'clocked_in', userId: ANNA.id });
    // Five minutes later by MOCO's clock, at the other door: the same person's day.
    sim.setOffsetMs(5 * 60_000);
    expect(await tap(b, ANNA_UID)).toMatchObject({ outcome: 'clocked_out', userId: ANNA.id });
    expect(sim.presences(ANNA.id)).toHaveLength(1);
    expect(sim.presences(STAFF.id)).toEqual([]);

    const writes = presenceRequests();
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const request of writes) {
      expect(request, 'every presence request acts for the tap').toMatchObject({
        impersonate: String(ANNA.id),
        userId: ANNA.id,
      });
    }
    const syncs = sim.requests().filter((r) => r.path === '/api/v1/users');
    expect(syncs.length).toBeGreaterThan(0);
    expect(syncs.every((r) => r.impersonate === undefined && r.userId === STAFF.id)).toBe(true);
  });

  it('stops a badge on both kiosks once it is removed from the field or its user is deactivated', async () => {
    sim.updateUser(ANNA.id, { customProperties: { Badge: ANNA_UID } });
    sim.updateUser(BEN.id, { customProperties: { Badge: BEN_UID } });
    const [a, b] = (await startAll()) as [DaemonProcess, DaemonProcess];
    await changeInMoco(() => undefined);

    await changeInMoco(() => {
      sim.updateUser(ANNA.id, { customProperties: { Badge: '' } });
      sim.updateUser(BEN.id, { active: false });
    });
    for (const daemon of [a, b]) {
      expect(await tap(daemon, ANNA_UID)).toMatchObject({ outcome: 'unknown_badge' });
      expect(await tap(daemon, BEN_UID)).toMatchObject({ outcome: 'unknown_badge' });
    }
    expect(presenceRequests()).toEqual([]);
  });

  it('reports a UID on two users on both kiosks, naming both, and books it for neither', async () => {
    sim.updateUser(ANNA.id, { customProperties: { Badge: ANNA_UID } });
    sim.updateUser(BEN.id, { customProperties: { Badge: `${BEN_UID} ${ANNA_UID}` } });
    const [a, b] = (await startAll()) as [DaemonProcess, DaemonProcess];
    await changeInMoco(() => undefined);

    for (const [daemon, kiosk] of [
      [a, kiosks[0]],
      [b, kiosks[1]],
    ] as [DaemonProcess, Kiosk][]) {
      expect(await tap(daemon, ANNA_UID)).toMatchObject({ outcome: 'unknown_badge' });
      const status = await cli(['status', '--json', '--config', kiosk.configPath]);
      const report = parseJson<{
        badges: { moco: { conflicts: unknown[] }; problems: { meaning: string }[] };
      }>(status);
      expect(report.badges.moco.conflicts).toEqual([
        {
          uid: ANNA_UID,
          users: [
            { id: ANNA.id, name: 'Anna Schmidt' },
            { id: BEN.id, name: 'Ben Meyer' },
          ],
        },
      ]);
      expect(report.badges.problems.map((p) => p.meaning)).toContain(
        `badge ${ANNA_UID} is on Anna Schmidt (user ${ANNA.id}) and Ben Meyer (user ${BEN.id}) in MOCO, so its taps count as unknown`,
      );
      expect(status.code).toBe(1);
    }
    expect(presenceRequests()).toEqual([]);
    // Ben's other badge is his alone.
    expect(await tap(a, BEN_UID)).toMatchObject({ userId: BEN.id });
  });

  it('keeps no personal key and not the Staff key under either data directory', async () => {
    sim.updateUser(ANNA.id, { customProperties: { Badge: ANNA_UID } });
    const [a] = (await startAll()) as [DaemonProcess];
    await changeInMoco(() => undefined);
    await tap(a, ANNA_UID);
    await Promise.all(daemons.map((d) => d.stop()));
    daemons = [];
    for (const kiosk of kiosks) {
      for (const file of readdirSync(kiosk.dataDir, { recursive: true, withFileTypes: true })) {
        if (!file.isFile()) continue;
        const bytes = readFileSync(join(file.parentPath, file.name));
        for (const secret of [STAFF_KEY, ANNA.apiKey, BEN.apiKey]) {
          expect(bytes.includes(secret), `${file.name} holds a key`).toBe(false);
        }
      }
    }
  });
});

describe('a kiosk while MOCO is unreachable', { timeout: 60_000 }, () => {
  it('goes on with its copy of the badges, even after a restart, and catches up once MOCO is back', async () => {
    kiosks[1]?.remove();
    kiosks = kiosks.slice(0, 1);
    sim.updateUser(ANNA.id, { customProperties: { Badge: ANNA_UID } });
    let [kiosk] = (await startAll()) as [DaemonProcess];
    await changeInMoco(() => undefined);

    await sim.faults.setOffline(true);
    await kiosk.stop();
    [kiosk] = (await startAll()) as [DaemonProcess];
    expect(await tap(kiosk, ANNA_UID)).toMatchObject({ outcome: 'queued', userId: ANNA.id });
    sim.updateUser(BEN.id, { customProperties: { Badge: BEN_UID } });

    const back = Date.now();
    await sim.faults.setOffline(false);
    await syncedAfter(kiosk, back);
    // Known from the sync; booked at once or right after, as the courier finds MOCO back.
    expect(await tap(kiosk, BEN_UID)).toMatchObject({
      outcome: expect.stringMatching(/^(clocked_in|queued)$/),
      userId: BEN.id,
    });
    await kiosk.log.next(
      (line) => line.msg === 'delivered' && line.uid === ANNA_UID,
      "Anna's queued tap delivered",
    );
    await until(() => sim.presences(BEN.id).length === 1, "Ben's tap booked");
    expect(sim.presences(ANNA.id)).toHaveLength(1);
    expect(presenceRequests().every((r) => r.impersonate === String(r.userId))).toBe(true);
  });
});

describe('one Staff key with badges on the kiosk', { timeout: 60_000 }, () => {
  it('books a badge enrolled with --user for that user, acting for them with the Staff key', async () => {
    const kiosk = createKiosk({ baseUrl: sim.baseUrl, moco: ['identity: impersonation'] });
    kiosks.push(kiosk);
    writeFileSync(join(kiosk.dir, 'staff.key'), `${STAFF_KEY}\n`, { mode: 0o600 });
    const added = await cli([
      'badge',
      'add',
      ANNA_UID,
      '--user',
      String(ANNA.id),
      '--config',
      kiosk.configPath,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const daemon = await runDaemon(kiosk);
    daemons.push(daemon);
    expect(await tap(daemon, ANNA_UID)).toMatchObject({ outcome: 'clocked_in', userId: ANNA.id });
    expect(presenceRequests()).toMatchObject([
      { method: 'POST', impersonate: String(ANNA.id), userId: ANNA.id },
    ]);
  });
});
