import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/commands/status.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import {
  ADMIN_USER,
  awayFromMidnight,
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
  touches,
} from './harness.js';

/** MOCO unreachable: taps are queued on disk and delivered later, at the minute they happened. */

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[0];
const ANNA_UID = '0A00B1C201';
const THREE_HOURS_MS = 3 * 3_600_000;

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

beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeZone: TIME_ZONE });
  kiosk = createKiosk({ baseUrl: sim.baseUrl });
  enrol(kiosk, { uid: ANNA_UID, apiKey: ANNA.apiKey, userId: ANNA.id, userName: 'Anna Schmidt' });
});
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

describe('taps while MOCO is unreachable', () => {
  it('queues the tap and delivers it at its own minute once MOCO is back, hours later', {
    timeout: 30_000,
  }, async () => {
    await awayFromMidnight();
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

    const simNow = localNow(Date.now() + THREE_HOURS_MS);
    expect(sim.presences(ANNA.id)).toEqual([
      expect.objectContaining({ date: tap.localDate, from: tap.localTime, to: null }),
    ]);
    expect(tap.localTime).not.toBe(simNow.time);
    expect(parseJson<QueuedTap[]>(await queue('list', '--json'))).toEqual([]);
  });

  it('delivers a queued tap exactly once after kill -9 and a restart', async () => {
    await sim.faults.setOffline(true);
    const first = await start();
    const tap = await queuedTap(first);
    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(touches(sim)).toBe(0);

    await sim.faults.setOffline(false);
    const second = await start();
    // At once: a start tries the backlog without waiting out the backoff of the run before.
    const delivered = await second.log.next((l) => l.msg === 'delivered', 'delivered line');
    expect(delivered).toMatchObject({ tapId: tap.id, outcome: 'clocked_in' });
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    expect(touches(sim)).toBe(1);
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
        `^${tap.id}\\s+${ANNA_UID}\\s+Anna Schmidt\\s+${tap.localDate} ${tap.localTime}\\s+pending\\s+\\d+\\s+unreachable`,
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
});

describe('moco-timeclock status', () => {
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
