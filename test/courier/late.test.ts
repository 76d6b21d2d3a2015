import { afterEach, describe, expect, it } from 'vitest';
import { MocoClient } from '../../src/moco/client.js';
import { bookings, DAY_OF, type Rig, startRig, tapOf } from './harness.js';

const DAY = DAY_OF;
let rig: Rig;
afterEach(async () => {
  await rig.close();
});

/** Taps queued while MOCO was unreachable, then MOCO back: every one of them is late. */
async function deliverAfterOutage(...taps: [string, string][]): Promise<void> {
  await rig.sim.faults.setOffline(true);
  rig.courier.start();
  for (const [uid, time] of taps) {
    expect(await rig.settle(rig.courier.deliverLive(rig.append(tapOf(uid, DAY, time))))).toBe('queued');
  }
  await rig.sim.faults.setOffline(false);
  rig.courier.probeNow();
  await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
}

function asUser(key = 'demo-key-anna') {
  const client = new MocoClient({ baseUrl: rig.sim.baseUrl, timeoutMs: 2_000 });
  return { user: client.forKey(key), close: () => client.close() };
}

describe('Courier: late taps land at their minute by explicit writes', () => {
  it("books a clock-in and a clock-out queued a minute apart as one presence, whatever MOCO's clock says", async () => {
    // MOCO ignores `override` and its clock is 3 h ahead: a replay by touch would book both at
    // the delivery minute, where MOCO discards a same-minute pair.
    rig = await startRig({ sim: { variants: { override: 'ignored' }, offsetMs: 3 * 3_600_000 } });
    await deliverAfterOutage(['A1', '08:00'], ['A1', '08:01']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 08:00-08:01`]);
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, 'close 1001 08:01']);
    expect(rig.logs.withMsg('delivered').map((l) => l.outcome)).toEqual(['clocked_in', 'clocked_out']);
  });

  it('discards a presence started and stopped in the same minute, as MOCO does for touch', async () => {
    rig = await startRig();
    await deliverAfterOutage(['A1', '08:00'], ['A1', '08:00']);
    expect(bookings(rig.sim)).toEqual([]);
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, 'discard 1001']);
  });

  it('closes a presence the user opened in MOCO themselves, and costs one read per user for a run of taps', async () => {
    rig = await startRig();
    const anna = asUser();
    await anna.user.createPresence({ date: DAY, from: '07:45' });
    anna.close();
    await deliverAfterOutage(['A1', '12:00'], ['A1', '12:30'], ['A1', '17:00']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 07:45-12:00`, `1001 ${DAY} 12:30-17:00`]);
    expect(rig.sim.requests().filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('plans again on a fresh read when the user changed the day since the courier last saw it', async () => {
    rig = await startRig();
    await deliverAfterOutage(['A1', '08:00']);
    // Anna deletes the presence in MOCO's web app; the courier still has its own view of her day.
    const anna = asUser();
    const [open] = await anna.user.listPresences({ from: DAY, to: DAY });
    await anna.user.deletePresence(open?.id ?? 0);
    anna.close();
    const tap = rig.append(tapOf('A1', DAY, '12:00'));
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('clocked_in');
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY} 12:00-`]);
    expect(rig.writes().slice(-2)).toEqual(['close 1001 12:00', `open 1001 ${DAY} 12:00`]);
    expect(rig.journal.counts()).toEqual({ pending: 0, failed: 0 });
  });

  it('finds a discard whose answer was lost by the presence being gone, and sends nothing twice', async () => {
    rig = await startRig({ courier: { backoff: { baseMs: 5, capMs: 20 } } });
    rig.sim.faults.loseResponses(1, (method) => method === 'DELETE');
    await deliverAfterOutage(['A1', '08:00'], ['A1', '08:00']);
    expect(bookings(rig.sim)).toEqual([]);
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, 'discard 1001']);
    expect(rig.logs.withMsg('delivered').map((l) => l.outcome)).toEqual(['clocked_in', 'clocked_out']);
  });

  it('writes the tap of a person at the door at its minute when an older tap of theirs is still pending', async () => {
    rig = await startRig();
    rig.courier.start();
    // Put back by an admin (`queue retry`): the courier will see it at its next look.
    rig.append(tapOf('A1', DAY, '08:00'));
    const now = rig.live('A1', '12:00');
    expect(now.intent).toBeNull();
    expect(await rig.settle(rig.courier.deliverLive(now))).toBe('clocked_out');
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, 'close 1001 12:00']);
  });
});

describe('Courier: a request MOCO keeps refusing with 5xx', () => {
  it('fails the tap after five 5xx answers while MOCO answers the reads, instead of retrying for ever', async () => {
    rig = await startRig({ courier: { backoff: { baseMs: 5, capMs: 20 } } });
    // A minute that is not HH:MM is what the live probe saw answered 500 (`from: "8"`).
    const tap = rig.append(tapOf('A1', DAY, '08:00', { localTime: '8' }));
    rig.courier.start();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('failed'));
    expect(rig.journal.get(tap.id)).toMatchObject({
      outcome: 'error',
      lastError: expect.stringMatching(
        /^refused with server errors: MOCO answered 5 requests of this tap with a server error/,
      ),
    });
    expect(rig.writes()).toHaveLength(5);
    expect(rig.courier.status().connectivity).toBe('online');
    // MOCO may have applied a 5xx'd write: a retry by an admin looks before it writes again.
    expect(rig.journal.get(tap.id)?.uncertain).toBe(true);
  });

  it('keeps retrying while MOCO answers every request with 5xx: that is an outage, not a bad request', async () => {
    rig = await startRig({ courier: { backoff: { baseMs: 5, capMs: 10 } } });
    rig.sim.faults.serverError = 500;
    const tap = rig.append(tapOf('A1', DAY, '08:00'));
    rig.courier.start();
    await rig.until(() => expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThan(8));
    expect(rig.journal.get(tap.id)?.state).toBe('pending');
    rig.sim.faults.reset();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
  });
});
