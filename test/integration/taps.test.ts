import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import {
  badgeOf,
  changes,
  cli,
  closeKiosk,
  createPresence,
  type DaemonProcess,
  DEBOUNCE_MS,
  ensureBuilt,
  type Kiosk,
  localNow,
  openKiosk,
  runDaemon,
  until,
} from './harness.js';

/** The real daemon as a process, taps on its stdin, MOCO simulated on loopback. */

const [ANNA, BEN, CLARA] = DEMO_USERS as [
  (typeof DEMO_USERS)[0],
  (typeof DEMO_USERS)[0],
  (typeof DEMO_USERS)[0],
];
const ANNA_UID = '0A00B1C201';
const BEN_UID = '0A00B1C202';
const CLARA_UID = '0A00B1C203';

let sim: Simulator;
let kiosk: Kiosk;
let daemon: DaemonProcess | null = null;

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk({
    badges: [badgeOf(ANNA_UID, ANNA), badgeOf(BEN_UID, BEN), badgeOf(CLARA_UID, CLARA)],
  }));
});
afterEach(async () => {
  await closeKiosk({ sim, kiosk }, [daemon]);
  daemon = null;
});

describe('moco-timeclock run against the MOCO simulator', () => {
  it('clocks a person in at the minute of the tap', async () => {
    daemon = await runDaemon(kiosk);
    const before = localNow();
    daemon.tap(ANNA_UID);

    const scan = await daemon.scan(ANNA_UID);
    expect(scan).toMatchObject({ outcome: 'clocked_in', userId: ANNA.id, tapId: expect.any(Number) });
    const [presence, ...others] = sim.presences(ANNA.id);
    expect(others).toEqual([]);
    expect(presence).toMatchObject({ date: before.date, to: null });
    expect(presence?.from).toBeDefined();
    expect((presence?.from ?? '') >= before.time && (presence?.from ?? '') <= localNow().time).toBe(true);
  });

  it('clocks a person out of the presence that is open', async () => {
    const { date } = localNow();
    await createPresence(sim, BEN.apiKey, { date, from: '00:00', to: null });
    daemon = await runDaemon(kiosk);
    daemon.tap(BEN_UID);

    expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'clocked_out', userId: BEN.id });
    const [presence] = sim.presences(BEN.id);
    expect(presence).toMatchObject({ date, from: '00:00', to: expect.stringMatching(/^\d\d:\d\d$/) });
  });

  it('answers locked when MOCO refuses the touch (423): a presence already covers now', async () => {
    const { date } = localNow();
    await createPresence(sim, CLARA.apiKey, { date, from: '00:00', to: '23:59' });
    daemon = await runDaemon(kiosk);
    daemon.tap(CLARA_UID);

    expect(await daemon.scan(CLARA_UID)).toMatchObject({ outcome: 'locked', userId: CLARA.id });
    expect(sim.presences(CLARA.id)).toEqual([expect.objectContaining({ from: '00:00', to: '23:59' })]);
  });

  it('ignores a second tap within the repeat guard and sends nothing for it', async () => {
    daemon = await runDaemon(kiosk);
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    // Past the debounce, which the daemon measures on its own wall clock; within the 60 s guard.
    await delay(DEBOUNCE_MS + 100);
    daemon.tap(ANNA_UID);

    const repeat = await daemon.scan(ANNA_UID);
    expect(repeat).toMatchObject({ outcome: 'repeat_ignored' });
    expect(repeat.tapId).toBeUndefined();
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id)).toEqual([expect.objectContaining({ to: null })]);
  });

  it('silently drops the repeated frames of a card held on the reader (debounce)', async () => {
    daemon = await runDaemon(kiosk);
    daemon.tap(BEN_UID);
    daemon.tap(BEN_UID);
    daemon.tap(BEN_UID);
    await daemon.scan(BEN_UID);
    // A marker tap after the burst: once its line is out, the burst's lines would be too.
    daemon.tap(CLARA_UID);
    await daemon.scan(CLARA_UID);
    expect(daemon.log.all('scan').filter((line) => line.uid === BEN_UID)).toHaveLength(1);
  });

  it('reports an unknown badge, and books it once an admin maps it, without a restart', async () => {
    const stranger = '0A00FFEE99';
    daemon = await runDaemon(kiosk);
    daemon.tap(stranger);
    const unknown = await daemon.scan(stranger);
    expect(unknown).toMatchObject({ outcome: 'unknown_badge' });
    expect(unknown.tapId).toBeUndefined();
    expect(changes(sim)).toBe(0);

    const added = await cli([
      'badge',
      'add',
      '--last-unknown',
      '--key',
      BEN.apiKey,
      '--no-verify',
      '--config',
      kiosk.configPath,
    ]);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(`added badge ${stranger}`);

    // `badge add` ran as a process, far longer than the debounce.
    daemon.tap(stranger);
    expect(await daemon.scan(stranger)).toMatchObject({ outcome: 'clocked_in' });
    expect(sim.presences(BEN.id)).toEqual([expect.objectContaining({ date: localNow().date, to: null })]);
  });

  it('stops cleanly on SIGTERM with exit code 0 and a stopped line', async () => {
    daemon = await runDaemon(kiosk);
    const started = Date.now();
    const exit = await daemon.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(daemon.log.all('stopped')).toHaveLength(1);
    expect(daemon.stderr()).toBe('');
  });

  it('finishes the tap on its way when stopped: the person still gets the answer, MOCO one touch', async () => {
    daemon = await runDaemon(kiosk);
    sim.faults.delayMs = 600;
    daemon.tap(ANNA_UID);
    await until(() => changes(sim) === 1, 'the touch at the simulator');
    const exit = daemon.stop();

    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(daemon.log.lines.at(-1)).toMatchObject({ msg: 'stopped' });
    expect(sim.presences(ANNA.id)).toEqual([expect.objectContaining({ to: null })]);

    // Nothing left over that a restart would send again.
    daemon = await runDaemon(kiosk);
    expect(await daemon.stop()).toEqual({ code: 0, signal: null });
    expect(daemon.log.all('delivered')).toEqual([]);
    expect(changes(sim)).toBe(1);
  });
});
