import { afterEach, describe, expect, it } from 'vitest';
import { laneOf } from '../../src/store/journal.js';
import { localParts } from '../../src/time/local.js';
import { BERLIN, DAY_OF, eventually, ManualClock, type Rig, startRig, tapOf } from './harness.js';

const NS_PER_MS = 1_000_000n;
let rig: Rig;
let clock: ManualClock;
afterEach(async () => {
  await rig.close();
});

async function rigAt(iso: string): Promise<Rig> {
  clock = new ManualClock(Date.parse(iso));
  rig = await startRig({ clock, sim: { clock } });
  return rig;
}

/** A tap as tap.ts journals it: the kiosk's wall clock and what TimeTrust stamps. */
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

/**
 * The kiosk booted after a power cut with no network: its clock is far behind. A tap is queued,
 * MOCO comes back, and only then does the clock get synchronised.
 */
async function heldTap(): Promise<number> {
  await clockSynchronised(false);
  await rig.sim.faults.setOffline(true);
  rig.courier.start();
  const tap = tapNow('A1');
  expect(tap).toMatchObject({ clockSynced: false, monoNs: rig.mono.ns, bootId: 'boot-1' });
  expect(await rig.courier.deliverLive(tap)).toBe('queued');
  await rig.sim.faults.setOffline(false);
  rig.courier.probeNow();
  await eventually(() => expect(rig.journal.get(tap.id)?.lastError).toMatch(/synchronised/));
  expect(rig.writes()).toEqual([]);
  expect(rig.journal.get(tap.id)?.state).toBe('pending');
  return tap.id;
}

describe('Courier: which minute a tap is booked at', () => {
  it("sends a live tap as one touch, booked at MOCO's minute, when the clock is synchronised", async () => {
    await rigAt('2026-03-02T07:00:00Z');
    await clockSynchronised(true);
    rig.courier.start();
    expect(await rig.courier.deliverLive(tapNow('A1'))).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    expect(rig.sim.presences(1001).map((p) => `${p.date} ${p.from}`)).toEqual([`${DAY_OF} 08:00`]);
  });

  it('trusts a clock whose state nothing can tell', async () => {
    await rigAt('2026-03-02T07:00:00Z');
    await clockSynchronised(null);
    expect(rig.timeTrust.stamp().clockSynced).toBe(true);
  });

  it('lets MOCO decide the minute of a live tap taken on an unsynchronised clock', async () => {
    await rigAt('2026-03-02T07:00:00Z');
    await clockSynchronised(false);
    rig.sim.setOffsetMs(3 * 3_600_000);
    rig.courier.start();
    expect(await rig.courier.deliverLive(tapNow('A1'))).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    // MOCO's clock said 11:00 while the kiosk's said 08:00.
    expect(rig.sim.presences(1001).map((p) => p.from)).toEqual(['11:00']);
  });

  it('holds a queued tap until the clock is synchronised, then books the minute it really happened', async () => {
    await rigAt('2026-03-02T05:00:00Z');
    const id = await heldTap();
    expect(rig.journal.get(id)?.localTime).toBe('06:00');
    // 40 minutes later by the monotonic clock; the synchronised clock now reads the real time.
    rig.mono.ns += 40n * 60_000n * NS_PER_MS;
    clock.ms = Date.parse('2026-03-02T09:25:00Z');
    await clockSynchronised(true);
    rig.courier.probeNow();
    await eventually(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual([`open 1001 ${DAY_OF} 09:45`]);
    expect(rig.journal.get(id)).toMatchObject({
      localTime: '09:45',
      atMs: Date.parse('2026-03-02T08:45:00Z'),
      clockSynced: true,
      timeUncertain: false,
    });
    expect(rig.logs.withMsg('tap time corrected')).toEqual([
      expect.objectContaining({ tapId: id, was: `${DAY_OF} 06:00`, now: `${DAY_OF} 09:45` }),
    ]);
  });

  it('computes the corrected minute for the instant of the tap across a DST change', async () => {
    // 25 Oct 2026, Berlin: at 03:00 CEST clocks go back to 02:00 CET. Wrong clock: a day behind.
    await rigAt('2026-10-24T00:30:00Z');
    const id = await heldTap();
    // Two hours later the real time is 02:30 UTC, 03:30 CET. The tap was at 00:30 UTC, 02:30 CEST:
    // subtracting two hours from the local delivery minute would wrongly give 01:30.
    rig.mono.ns += 2n * 3_600_000n * NS_PER_MS;
    clock.ms = Date.parse('2026-10-25T02:30:00Z');
    await clockSynchronised(true);
    rig.courier.probeNow();
    await eventually(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual(['open 1001 2026-10-25 02:30']);
    expect(rig.journal.get(id)).toMatchObject({ localDate: '2026-10-25', localTime: '02:30' });
  });

  it('books a tap at its recorded time, flagged time_uncertain, when a reboot came before the sync', async () => {
    await rigAt('2026-03-02T05:00:00Z');
    const id = await heldTap();
    rig.mono.boot = 'boot-2';
    rig.mono.ns = 1_000n;
    clock.ms = Date.parse('2026-03-02T09:25:00Z');
    await clockSynchronised(true);
    rig.courier.probeNow();
    await eventually(() => expect(rig.journal.get(id)?.state).toBe('delivered'));
    expect(rig.writes()).toEqual([`open 1001 ${DAY_OF} 06:00`]);
    expect(rig.journal.get(id)).toMatchObject({ localTime: '06:00', clockSynced: true, timeUncertain: true });
    expect(rig.logs.withMsg('time_uncertain: a reboot came between tap and clock sync')).toHaveLength(1);
  });

  it('finds a lost live touch sent without override at the corrected minute, and does not send it again', async () => {
    // The kiosk's clock is five hours behind; MOCO's is right.
    await rigAt('2026-03-02T02:00:00Z');
    rig.sim.setOffsetMs(5 * 3_600_000);
    await clockSynchronised(false);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = tapNow('A1');
    expect(await rig.courier.deliverLive(tap)).toBe('queued');
    expect(rig.sim.presences(1001).map((p) => p.from)).toEqual(['08:00']);
    // Ten minutes on, the clock is synchronised.
    rig.mono.ns += 10n * 60_000n * NS_PER_MS;
    clock.ms = Date.parse('2026-03-02T07:10:00Z');
    rig.sim.setOffsetMs(0);
    await clockSynchronised(true);
    rig.courier.probeNow();
    await eventually(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)).toMatchObject({ outcome: 'clocked_in', localTime: '08:00' });
    expect(rig.writes()).toEqual(['touch 1001']);
  });
});
