import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator, type SimVariants, startSimulator } from '../../src/moco/sim/index.js';
import type { StatusReport } from '../../src/status/report.js';
import {
  ADMIN_USER,
  changes,
  cli,
  createKiosk,
  type DaemonProcess,
  enrol,
  ensureBuilt,
  heartbeatWith,
  type Kiosk,
  localNow,
  parseJson,
  runDaemon,
  TIME_ZONE,
} from './harness.js';

/** MOCO unreachable: taps are queued on disk and delivered later, at the minute they happened. */

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[0];
const ANNA_UID = '0A00B1C201';
const BEN = DEMO_USERS[1] as (typeof DEMO_USERS)[1];
const BEN_UID = '0A00B2C202';
const THREE_HOURS_MS = 3 * 3_600_000;
/** More than the error of MOCO's clock as the kiosk measures it: half a second, and the round trip. */
const EDGE_MS = 2_000;

interface QueuedTap {
  id: number;
  uid: string;
  userId: number | null;
  userName: string | null;
  at: string;
  localDate: string;
  localTime: string;
  state: string;
  outcome: string | null;
  attempts: number;
  lastError: string | null;
}

let sim: Simulator;
let kiosk: Kiosk;
const daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);

/** A fresh kiosk with Anna's badge, against a simulator answering as the given reading of MOCO. */
async function setUp(variants: Partial<SimVariants> = {}, repeatGuardSeconds?: number): Promise<void> {
  sim = await startSimulator({ port: 0, timeZone: TIME_ZONE, variants });
  kiosk = createKiosk({ baseUrl: sim.baseUrl, repeatGuardSeconds });
  enrol(kiosk, { uid: ANNA_UID, apiKey: ANNA.apiKey, userId: ANNA.id, userName: 'Anna Schmidt' });
}

afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.kill9();
  kiosk.remove();
  await sim.close();
});

async function start(): Promise<DaemonProcess> {
  const daemon = await runDaemon(kiosk);
  daemons.push(daemon);
  return daemon;
}

const queue = (...args: string[]) => cli(['queue', ...args, '--config', kiosk.configPath]);
const status = () => cli(['status', '--json', '--config', kiosk.configPath]);

/** Taps Anna's badge while MOCO is offline and returns the journaled tap as `queue list` shows it. */
async function queuedTap(daemon: DaemonProcess): Promise<QueuedTap> {
  daemon.tap(ANNA_UID);
  const scan = await daemon.scan(ANNA_UID);
  expect(scan).toMatchObject({ outcome: 'queued', tapId: expect.any(Number), userId: ANNA.id });
  const listed = await queue('list', '--json');
  expect(listed.code).toBe(0);
  const [tap, ...others] = parseJson<QueuedTap[]>(listed);
  expect(others).toEqual([]);
  expect(tap?.id).toBe(scan.tapId);
  return tap as QueuedTap;
}

/** MOCO's docs and a real account disagree on touch's `override`: the kiosk must not care. */
describe.each(['honoured', 'ignored'] as const)(
  'taps while MOCO is unreachable (override %s)',
  (override) => {
    beforeEach(() => setUp({ override }));

    it("queues the tap and delivers it at the minute it happened by MOCO's clock, 3 h ahead of the kiosk's", {
      timeout: 30_000,
    }, async () => {
      await sim.faults.setOffline(true);
      const daemon = await start();
      const before = localNow();
      const tap = await queuedTap(daemon);
      expect(tap).toMatchObject({
        uid: ANNA_UID,
        userId: ANNA.id,
        userName: 'Anna Schmidt',
        localDate: before.date,
        state: 'pending',
        outcome: null,
      });
      expect(tap.attempts).toBeGreaterThanOrEqual(1);
      expect(tap.lastError).toMatch(/unreachable/);
      expect(Date.now() - Date.parse(tap.at)).toBeLessThan(60_000);

      sim.setOffsetMs(THREE_HOURS_MS);
      await sim.faults.setOffline(false);
      // Whenever the courier's backoff lets it try again: seconds, as it only failed a few times.
      const delivered = await daemon.log.next((l) => l.msg === 'delivered', 'delivered line', 20_000);
      expect(delivered).toMatchObject({ tapId: tap.id, outcome: 'clocked_in' });

      // Not at the kiosk's minute: MOCO's answers showed the kiosk's clock 3 h behind, so the tap
      // was booked at the moment it happened by MOCO's clock.
      const [presence, ...others] = sim.presences(ANNA.id);
      expect(others).toEqual([]);
      expect(presence).toMatchObject({ to: null });
      expect(mocoMinutesOf(Date.parse(tap.at) + THREE_HOURS_MS)).toContainEqual(
        `${presence?.date} ${presence?.from}`,
      );
      expect(parseJson<QueuedTap[]>(await queue('list', '--json'))).toEqual([]);
    });

    it('delivers a queued tap exactly once after kill -9 and a restart', async () => {
      await sim.faults.setOffline(true);
      const first = await start();
      const tap = await queuedTap(first);
      expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(changes(sim)).toBe(0);

      await sim.faults.setOffline(false);
      const second = await start();
      // At once: a start tries the backlog without waiting out the backoff of the run before.
      const delivered = await second.log.next((l) => l.msg === 'delivered', 'delivered line');
      expect(delivered).toMatchObject({ tapId: tap.id, outcome: 'clocked_in' });
      expect(await second.stop()).toEqual({ code: 0, signal: null });

      expect(changes(sim)).toBe(1);
      expect(sim.presences(ANNA.id)).toEqual([
        expect.objectContaining({ date: tap.localDate, from: tap.localTime, to: null }),
      ]);
      expect(second.log.all('delivered')).toHaveLength(1);
    });

    it('lets an admin drop an undelivered tap, naming who dropped it', async () => {
      await sim.faults.setOffline(true);
      const daemon = await start();
      const tap = await queuedTap(daemon);
      expect(parseJson<StatusReport>(await status())).toMatchObject({
        daemon: { running: true },
        moco: { connectivity: 'offline' },
        taps: { pending: 1, failed: 0 },
      });

      // The table, for people: the same tap.
      const table = (await queue('list')).stdout.trimEnd().split('\n');
      expect(table[0]).toMatch(/^ID\s+UID\s+USER\s+TAPPED\s+STATE\s+ATTEMPTS\s+LAST ERROR$/);
      expect(table[1]).toMatch(
        new RegExp(
          `^${tap.id}\\s+${ANNA_UID}\\s+Anna Schmidt\\s+${tap.localDate} ${tap.localTime}\\s+pending\\s+\\d+\\s+` +
            `cannot reach ${sim.baseUrl}: nothing at first: the kiosk retries the tap by itself`,
        ),
      );
      expect(table).toHaveLength(2);

      const refused = await queue('drop', String(tap.id));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--yes');

      // A human line, no log line; MOCO was unreachable, so nothing can have been booked: no warning.
      const dropped = await queue('drop', String(tap.id), '--yes');
      expect(dropped).toEqual({
        code: 0,
        stdout:
          `dropped tap ${tap.id} (badge ${ANNA_UID}, Anna Schmidt, tapped ${tap.localDate} ${tap.localTime}, ` +
          `pending); dropped by ${ADMIN_USER}\n`,
        stderr: '',
      });
      expect(parseJson<StatusReport>(await status()).taps).toMatchObject({ pending: 0, failed: 0 });
    });
  },
);

describe.each(['honoured', 'ignored'] as const)('lost answers (override %s)', (override) => {
  beforeEach(() => setUp({ override }, 0));

  it('books a live tap whose answer was lost once, found by reading the day', async () => {
    const daemon = await start();
    sim.faults.loseResponses(1);
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'queued' });
    const delivered = await daemon.log.next((l) => l.msg === 'delivered', 'delivered line', 20_000);
    expect(delivered).toMatchObject({ outcome: 'clocked_in' });
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id)).toEqual([expect.objectContaining({ date: localNow().date, to: null })]);
  });
});

describe('late taps when MOCO ignores override (as a real account did in 2026-10)', () => {
  beforeEach(() => setUp({ override: 'ignored' }, 0));

  it('books an offline clock-in at minute m and clock-out at m+1 as one presence m..m+1, MOCO 3 h ahead', {
    timeout: 120_000,
  }, async () => {
    await sim.faults.setOffline(true);
    sim.setOffsetMs(THREE_HOURS_MS);
    const daemon = await start();
    // MOCO's clock is known to a second (its `Date` header): a tap closer than that to a minute's
    // edge may be booked in the next or the last minute, and the two taps in one minute.
    await clearOfMinuteEdge(Date.now());
    const clockIn = await queuedTap(daemon);
    // The next minute by the kiosk's clock (the repeat guard is off in this kiosk).
    await delay(60_000 - (Date.parse(clockIn.at) % 60_000) + EDGE_MS - (Date.now() - Date.parse(clockIn.at)));
    daemon.tap(ANNA_UID);
    const clockOut = await daemon.scan(ANNA_UID);
    expect(clockOut).toMatchObject({ outcome: 'queued' });
    // The clock-out's write is applied but its answer lost, and the daemon dies before it learns more.
    sim.faults.loseResponses(1, (method) => method === 'PUT');
    await sim.faults.setOffline(false);
    // The next person at the door: a tap while MOCO is thought down makes the courier look again.
    enrol(kiosk, { uid: BEN_UID, apiKey: BEN.apiKey, userId: BEN.id, userName: 'Ben Meyer' });
    daemon.tap(BEN_UID);
    await daemon.log.next(
      (l) => l.msg === 'delivered' && l.tapId === clockIn.id,
      'clock-in delivered',
      20_000,
    );
    await daemon.log.next((l) => l.msg === 'delivery postponed' && l.tapId === clockOut.tapId, 'lost answer');
    await daemon.kill9();

    const again = await start();
    // After the settle time the restarted daemon reads the day and finds the update there.
    const delivered = await again.log.next(
      (l) => l.msg === 'delivered' && l.tapId === clockOut.tapId,
      'clock-out delivered',
      20_000,
    );
    expect(delivered).toMatchObject({ tapId: clockOut.tapId, outcome: 'clocked_out' });
    // The kiosk's clock is 3 h behind MOCO's: both taps are booked at their minutes by MOCO's clock.
    const [presence, ...others] = sim.presences(ANNA.id);
    expect(others).toEqual([]);
    expect(mocoMinutesOf(Date.parse(clockIn.at) + THREE_HOURS_MS)).toContainEqual(
      `${presence?.date} ${presence?.from}`,
    );
    expect(minutesBetween(presence?.from ?? '', presence?.to ?? '')).toBe(1);
    // One create and one update: the lost update was found in MOCO's day, not sent again.
    expect(sim.requests().filter((r) => r.userId === ANNA.id && r.method !== 'GET')).toHaveLength(2);
  });
});

/** Waits, if need be, until a tap made now is more than EDGE_MS from either edge of its minute. */
async function clearOfMinuteEdge(now: number): Promise<void> {
  const second = now % 60_000;
  if (second < EDGE_MS) await delay(EDGE_MS - second);
  else if (second > 60_000 - 2 * EDGE_MS) await delay(60_000 - second + EDGE_MS);
}

/** The local minutes `ms` can be read as, give or take the error of MOCO's clock (EDGE_MS). */
function mocoMinutesOf(ms: number): string[] {
  return [...new Set([ms - EDGE_MS, ms + EDGE_MS].map((t) => `${localNow(t).date} ${localNow(t).time}`))];
}

function minutesBetween(from: string, to: string): number {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  return minutes(to) - minutes(from);
}

describe('moco-timeclock status', () => {
  beforeEach(() => setUp());

  it('tells a running daemon, its connectivity and the last scan', async () => {
    const daemon = await start();
    daemon.tap(ANNA_UID);
    const scan = await daemon.scan(ANNA_UID);
    expect(scan).toMatchObject({ outcome: 'clocked_in' });
    await heartbeatWith(kiosk, (s) => s.lastScan !== null);

    const result = await status();
    expect(result.code).toBe(0);
    const report = parseJson<StatusReport>(result);
    expect(report).toMatchObject({
      daemon: { running: true, pid: daemon.child.pid },
      moco: { connectivity: 'online' },
      taps: { pending: 0, failed: 0, failures: [] },
      lastScan: { outcome: 'clocked_in' },
      reader: 'connected',
    });
    expect(Date.now() - Date.parse(report.lastScan?.at ?? '')).toBeLessThan(10_000);
  });

  it('says the daemon is not running once it stopped, with exit code 1', async () => {
    const daemon = await start();
    await daemon.stop();
    const result = await status();
    expect(result.code).toBe(1);
    expect(parseJson<StatusReport>(result)).toMatchObject({
      daemon: { running: false, pid: null },
      moco: { connectivity: null },
    });
    const text = await cli(['status', '--config', kiosk.configPath]);
    expect(text.stdout).toMatch(/^daemon:\s+NOT RUNNING$/m);
  });
});
