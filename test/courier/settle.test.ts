import { afterEach, describe, expect, it } from 'vitest';
import { bookings, DAY_OF, type Rig, startRig, tapOf } from './harness.js';

const DAY = DAY_OF;
let rig: Rig;
afterEach(async () => {
  await rig.close();
});

/** MOCO takes `ms` to apply the next request, then answers normally again. */
function slowOnce(ms: number): void {
  let taken = false;
  rig.sim.faults.delayMs = ms;
  rig.sim.faults.delayOnly = () => {
    if (taken) return false;
    taken = true;
    return true;
  };
}

describe('Courier: a request MOCO applies after the client gave up on it', () => {
  it('waits out the settle time, then finds the late touch instead of sending a second one', async () => {
    // The client gives up after 500 ms; MOCO applies the touch at 3.5 s, 3 s after that.
    rig = await startRig({ timeoutMs: 500, courier: { settleMs: 5_000 } });
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    slowOnce(3_500);
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'), 10_000);
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-`]);
    expect(rig.logs.withMsg('delivered')).toEqual([expect.objectContaining({ outcome: 'clocked_in' })]);
  });

  it('keeps a clock-out a clock-out when the touch lands late, instead of out and in again', async () => {
    rig = await startRig({ timeoutMs: 500, courier: { settleMs: 5_000 } });
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(rig.live('A1', '08:00')))).toBe('clocked_in');
    const out = rig.live('A1', '12:00');
    slowOnce(3_500);
    expect(await rig.settle(rig.courier.deliverLive(out))).toBe('queued');
    await rig.until(() => expect(rig.journal.get(out.id)?.state).toBe('delivered'), 10_000);
    expect(rig.journal.get(out.id)?.outcome).toBe('clocked_out');
    expect(rig.writes()).toEqual(['touch 1001', 'touch 1001']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-12:00`]);
  });

  it('finds a late write MOCO applied 3 s after the client timed out, and writes nothing twice', async () => {
    rig = await startRig({ timeoutMs: 1_000, courier: { settleMs: 6_000 } });
    await rig.sim.faults.setOffline(true);
    rig.courier.start();
    expect(await rig.courier.deliverLive(rig.append(tapOf('A1', DAY, '08:00')))).toBe('queued');
    await rig.sim.faults.setOffline(false);
    // The read answers at once; the write takes 4 s to be applied, 3 s after the client gave up.
    rig.sim.faults.delayMs = 4_000;
    rig.sim.faults.delayOnly = (method) => method === 'POST';
    rig.courier.probeNow();
    await rig.until(() => expect(rig.sim.presences()).toHaveLength(1), 6_000);
    rig.sim.faults.reset();
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0), 15_000);
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`]);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-`]);
    expect(rig.logs.withMsg('delivered')).toEqual([expect.objectContaining({ outcome: 'clocked_in' })]);
  });

  it('waits out the settle time across a restart: the time the request went out is on disk', async () => {
    rig = await startRig({ courier: { settleMs: 60_000 } });
    rig.courier.start();
    const tap = rig.append(tapOf('A1', DAY, '08:00'), { touch: true });
    // Another process (an earlier run) journaled it with its touch a moment ago: not fresh here.
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.get(tap.id)?.lastError).toMatch(/settle/));
    expect(rig.sim.requests()).toEqual([]);
    expect(rig.journal.get(tap.id)?.nextAttemptAt).toBeGreaterThanOrEqual((tap.sentAt ?? 0) + 60_000);
  });
});

describe('Courier: a touch that lands after its re-send', () => {
  // The touch lands 1.6 s after it was sent: after the settle time (1 s) but before the look after
  // the re-send (one settle time later).
  const options = { timeoutMs: 300, courier: { settleMs: 1_000 } };

  it('opens the clock-in again that the late touch discarded, and logs it as repaired', async () => {
    rig = await startRig(options);
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    slowOnce(1_600);
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    await rig.until(() => expect(rig.logs.withMsg('repaired')).toHaveLength(1), 10_000);
    expect(rig.logs.withMsg('repaired')[0]).toMatchObject({
      tapId: tap.id,
      what: expect.stringContaining('opened again'),
    });
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-`]);
    expect(rig.journal.get(tap.id)).toMatchObject({
      state: 'delivered',
      outcome: 'clocked_in',
      verify: null,
    });
    // The kiosk knows the presence it now stands for: the next tap closes that one.
    expect(await rig.settle(rig.courier.deliverLive(rig.live('A1', '12:00')))).toBe('clocked_out');
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-12:00`]);
  });

  it('deletes the presence a late touch opened after the re-sent clock-out', async () => {
    rig = await startRig(options);
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(rig.live('A1', '08:00')))).toBe('clocked_in');
    const out = rig.live('A1', '12:00');
    slowOnce(1_600);
    expect(await rig.settle(rig.courier.deliverLive(out))).toBe('queued');
    await rig.until(() => expect(rig.logs.withMsg('repaired')).toHaveLength(1), 10_000);
    expect(rig.logs.withMsg('repaired')[0]).toMatchObject({
      tapId: out.id,
      what: expect.stringContaining('deleted'),
    });
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-12:00`]);
  });

  it('repairs nothing when the touch given up on never lands', async () => {
    rig = await startRig(options);
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    // MOCO goes down before it applies the touch: the touch is lost for good.
    rig.sim.faults.delayMs = 5_000;
    rig.sim.faults.delayOnly = (_method, path) => path.endsWith('/touch');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'), 5_000);
    await rig.sim.faults.setOffline(true);
    rig.sim.faults.reset();
    await rig.sim.faults.setOffline(false);
    await rig.until(() => expect(rig.journal.get(tap.id)?.verify).toBeNull(), 5_000);
    expect(rig.logs.withMsg('repaired')).toEqual([]);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-`]);
  });
});
