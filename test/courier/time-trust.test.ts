import { afterEach, describe, expect, it } from 'vitest';
import { laneOf } from '../../src/store/journal.js';
import { localParts } from '../../src/time/local.js';
import { ManualClock } from '../fakes/clock.js';
import { BERLIN, DAY_OF, type Rig, startRig, tapOf } from './harness.js';

const NS_PER_MS = 1_000_000n;
let rig: Rig;
/** The kiosk's wall clock, wrong in most of these tests. */
let clock: ManualClock;
/** MOCO's clock: the truth. */
let moco: ManualClock;
afterEach(async () => {
  await rig.close();
});

/** A kiosk whose clock reads `kioskIso` while MOCO's (the real time) reads `mocoIso`. */
async function rigAt(kioskIso: string, mocoIso = kioskIso): Promise<Rig> {
  clock = new ManualClock(Date.parse(kioskIso));
  moco = new ManualClock(Date.parse(mocoIso));
  rig = await startRig({ clock, sim: { clock: moco } });
  return rig;
}

/** Time passes: `ms` on every clock, the monotonic one included. */
function pass(ms: number): void {
  clock.ms += ms;
  moco.ms += ms;
  rig.mono.ns += BigInt(ms) * NS_PER_MS;
}

/** A tap as tap.ts journals it: what TimeTrust stamps, journaled with its touch when one goes now. */
function tapNow(uid: 'A1' | 'B2') {
  const timing = rig.timeTrust.stamp();
  const { date, time } = localParts(timing.atMs, BERLIN);
  const tap = tapOf(uid, date, time, timing);
  return rig.append(tap, { touch: rig.courier.touchFor(laneOf(tap), date) !== null });
}

async function clockSynchronised(synced: boolean | null): Promise<void> {
  rig.probe.answer = synced;
  await rig.timeTrust.refresh();
}

/** The kiosk booted after a power cut with no network: a tap is queued on its wrong clock. */
async function queuedTap(): Promise<number> {
  await clockSynchronised(false);
  await rig.sim.faults.setOffline(true);
  rig.courier.start();
  const tap = tapNow('A1');
  expect(tap).toMatchObject({ clockSynced: false, monoNs: rig.mono.ns, bootId: 'boot-1' });
  expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
  return tap.id;
}

async function mocoBack(): Promise<void> {
  await rig.sim.faults.setOffline(false);
  rig.courier.probeNow();
}

describe('Courier: which minute a tap is booked at', () => {
  it("sends a live tap as one touch, booked at MOCO's minute, when the clock is synchronised", async () => {
    await rigAt('2026-03-02T07:00:00Z');
    await clockSynchronised(true);
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(tapNow('A1')))).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    expect(rig.sim.presences(1001).map((p) => `${p.date} ${p.from}`)).toEqual([`${DAY_OF} 08:00`]);
  });

  it('trusts a clock whose state nothing can tell, until MOCO shows it off', async () => {
    await rigAt('2026-03-02T07:00:00Z', '2026-03-02T07:05:00Z');
    await clockSynchronised(null);
    expect(rig.timeTrust.stamp()).toMatchObject({ clockSynced: true, atMs: clock.ms });
    rig.courier.start();
    await rig.settle(rig.courier.deliverLive(tapNow('A1')));
    // MOCO's answer showed the kiosk five minutes behind: new taps take MOCO's time.
    expect(rig.timeTrust.isSynchronized()).toBe(false);
    expect(rig.timeTrust.stamp().atMs).toBeGreaterThanOrEqual(moco.ms - 1_000);
  });

  it('lets MOCO decide the minute of a live tap taken on an unsynchronised clock', async () => {
    await rigAt('2026-03-02T07:00:00Z', '2026-03-02T10:00:00Z');
    await clockSynchronised(false);
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(tapNow('A1')))).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    // MOCO's clock said 11:00 while the kiosk's said 08:00.
    expect(rig.sim.presences(1001).map((p) => p.from)).toEqual(['11:00']);
  });

  it("books a queued tap at the minute it really happened by MOCO's clock, once MOCO answers", async () => {
    // The kiosk's clock is 3 h 45 min behind: 06:00 on it is 09:45 in Berlin.
    await rigAt('2026-03-02T05:00:00Z', '2026-03-02T08:45:00Z');
    const id = await queuedTap();
    expect(rig.journal.get(id)?.localTime).toBe('06:00');
    pass(40 * 60_000);
    await mocoBack();
    await rig.until(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual([`open 1001 ${DAY_OF} 09:45`]);
    expect(rig.journal.get(id)).toMatchObject({
      localTime: '09:45',
      clockSynced: true,
      timeUncertain: false,
    });
    expect(Math.abs((rig.journal.get(id)?.atMs ?? 0) - Date.parse('2026-03-02T08:45:00Z'))).toBeLessThan(
      2_000,
    );
    expect(rig.logs.withMsg('tap time corrected')).toEqual([
      expect.objectContaining({ tapId: id, was: `${DAY_OF} 06:00`, now: `${DAY_OF} 09:45` }),
    ]);
  });

  it('computes the corrected minute for the instant of the tap across a DST change', async () => {
    // 25 Oct 2026, Berlin: at 03:00 CEST clocks go back to 02:00 CET. The kiosk is a day behind:
    // the tap is at 00:30 UTC, 02:30 CEST. Two hours later the real time is 03:30 CET; subtracting
    // two hours from the local delivery minute would wrongly give 01:30.
    await rigAt('2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z');
    const id = await queuedTap();
    pass(2 * 3_600_000);
    await mocoBack();
    await rig.until(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual(['open 1001 2026-10-25 02:30']);
    expect(rig.journal.get(id)).toMatchObject({ localDate: '2026-10-25', localTime: '02:30' });
  });

  it('books a tap of an earlier boot on an untrusted clock at its recorded time, flagged time_uncertain', async () => {
    await rigAt('2026-03-02T05:00:00Z', '2026-03-02T08:45:00Z');
    const id = await queuedTap();
    // Rebooted: the monotonic clock of the boot the tap was taken in is gone.
    rig.mono.boot = 'boot-2';
    rig.mono.ns = 1_000n;
    pass(40 * 60_000);
    await mocoBack();
    await rig.until(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual([`open 1001 ${DAY_OF} 06:00`]);
    expect(rig.journal.get(id)).toMatchObject({ localTime: '06:00', clockSynced: true, timeUncertain: true });
    expect(rig.logs.withMsg('time_uncertain: a reboot came between tap and clock sync')).toHaveLength(1);
  });

  it('finds a lost live touch by what it changed, whatever the kiosk clock says, and does not send it again', async () => {
    // The kiosk's clock is five hours behind; MOCO's is right.
    await rigAt('2026-03-02T02:00:00Z', '2026-03-02T07:00:00Z');
    await clockSynchronised(false);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = tapNow('A1');
    expect(tap.localTime).toBe('03:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    expect(rig.sim.presences(1001).map((p) => p.from)).toEqual(['08:00']);
    pass(10 * 60_000);
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    // Booked at MOCO's minute, and the journal says so now.
    expect(rig.journal.get(tap.id)).toMatchObject({ outcome: 'clocked_in', localTime: '08:00' });
    expect(rig.writes()).toEqual(['touch 1001']);
  });

  it('finds a lost touch MOCO applied in the next minute (sent at :59, applied at :00)', async () => {
    await rigAt('2026-03-02T07:59:59Z');
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(tapNow('A1')))).toBe('clocked_in');
    pass(60 * 60_000);
    rig.sim.faults.loseResponses(1);
    const out = tapNow('A1');
    expect(out.localTime).toBe('09:59');
    // MOCO's clock ticks into the next minute before it applies the touch.
    moco.ms += 2_000;
    expect(await rig.settle(rig.courier.deliverLive(out))).toBe('queued');
    pass(60_000);
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.get(out.id)?.state).toBe('delivered'));
    expect(rig.journal.get(out.id)).toMatchObject({ outcome: 'clocked_out', localTime: '10:00' });
    expect(rig.writes()).toEqual(['touch 1001', 'touch 1001']);
    expect(rig.sim.presences(1001).map((p) => `${p.from}-${p.to}`)).toEqual(['08:59-10:00']);
  });
});

describe('TimeTrust', () => {
  it('holds a tap of this boot while no clock can be trusted, and books it once one can', async () => {
    await rigAt('2026-03-02T05:00:00Z');
    await clockSynchronised(false);
    const tap = rig.append(tapOf('A1', DAY_OF, '06:00', rig.timeTrust.stamp()));
    expect(rig.timeTrust.prepare(tap, false)).toBe('hold');
    expect(rig.timeTrust.prepare(tap, true)).toBe('go');
    pass(60_000);
    await clockSynchronised(true);
    expect(rig.timeTrust.prepare(tap, false)).toBe('go');
    expect(rig.journal.get(tap.id)).toMatchObject({
      localTime: '06:00',
      clockSynced: true,
      timeUncertain: false,
    });
  });
});
