import { afterEach, describe, expect, it } from 'vitest';
import type { NewTap } from '../../src/store/journal.js';
import { bookings, DAY_OF, eventually, type Rig, startRig, tapOf } from './harness.js';

const USERS = ['A1', 'B2', 'C3'] as const;
const TAPS_PER_USER = 40;

/**
 * In and out taps of three people through one day: each person's taps minutes apart (as the repeat
 * guard ensures) and the three interleaved, so lanes overtake each other during retries.
 */
function day(): NewTap[] {
  const taps: NewTap[] = [];
  for (let k = 0; k < TAPS_PER_USER; k++) {
    USERS.forEach((uid, u) => {
      const minutes = 6 * 60 + k * 4 + u;
      const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      taps.push(tapOf(uid, DAY_OF, time));
    });
  }
  return taps;
}

/** Feeds the taps as a kiosk does (journal, then live delivery) and waits until none is pending. */
async function run(rig: Rig, taps: NewTap[]): Promise<void> {
  rig.courier.start();
  for (const tap of taps) {
    const journaled = rig.append(tap, { inFlight: rig.courier.sendsNow() });
    await rig.courier.deliverLive(journaled);
  }
  await eventually(() => expect(rig.journal.counts()).toEqual({ pending: 0, failed: 0 }), 15_000);
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs) await rig.close();
  rigs = [];
});

async function cleanRun(taps: NewTap[]): Promise<string[]> {
  const rig = await startRig();
  rigs.push(rig);
  await run(rig, taps);
  expect(rig.touches()).toHaveLength(taps.length);
  return bookings(rig.sim);
}

describe('Courier: exactly once under lost answers', () => {
  it('books exactly what a fault-free run books when 100 touch answers are lost after MOCO applied them', async () => {
    const taps = day();
    const expected = await cleanRun(taps);
    expect(expected).toHaveLength(USERS.length * (TAPS_PER_USER / 2));

    const rig = await startRig({ courier: { random: () => 0.5 } });
    rigs.push(rig);
    rig.sim.faults.loseResponses(100);
    await run(rig, taps);

    expect(bookings(rig.sim)).toEqual(expected);
    expect(rig.logs.withMsg('delivery postponed').filter((l) => l.uncertain === true)).toHaveLength(100);
    // Every lost touch was found by reading the day: no touch was sent twice.
    expect(rig.touches()).toHaveLength(taps.length);
    expect(new Set(rig.touches()).size).toBe(taps.length);
  });

  it('stays exact when the reconciling reads lose their answers too', async () => {
    const taps = day().slice(0, 60);
    const expected = await cleanRun(taps);

    const rig = await startRig({ courier: { random: () => 0.5, backoff: { baseMs: 5, capMs: 20 } } });
    rigs.push(rig);
    // Touches and reads of presences alike: a lost read must leave the tap uncertain.
    rig.sim.faults.loseResponses(60, /\/users\/presences/);
    await run(rig, taps);

    expect(bookings(rig.sim)).toEqual(expected);
    expect(rig.touches()).toHaveLength(taps.length);
    const lostReads = rig.logs
      .withMsg('delivery postponed')
      .filter((l) => String(l.reason).includes('GET /api/v1/users/presences'));
    expect(lostReads.length).toBeGreaterThan(0);
  });

  it('sends the touch of an in-flight tap once reconciliation shows it was not applied', async () => {
    const rig = await startRig();
    rigs.push(rig);
    // Journaled in flight, then the process died before the touch went out.
    const tap = rig.append(tapOf('A1', DAY_OF, '08:00'), { inFlight: true });
    rig.courier.start();
    await eventually(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.sim.requests().map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY_OF} 08:00-`]);
  });

  it('keeps a tap uncertain while the reconciling read cannot reach MOCO, and never touches twice', async () => {
    const rig = await startRig();
    rigs.push(rig);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = rig.append(tapOf('A1', DAY_OF, '08:00'), { inFlight: true });
    expect(await rig.courier.deliverLive(tap)).toBe('queued');
    await rig.sim.faults.setOffline(true);
    const failuresBefore = rig.logs.withMsg('delivery postponed').length;
    await eventually(() =>
      expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThan(failuresBefore + 2),
    );
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'pending', uncertain: true });
    await rig.sim.faults.setOffline(false);
    await eventually(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.touches()).toEqual([`1001 ${DAY_OF} 08:00`]);
  });

  it('reconciles a retried tap whose reconciling read had failed for good, instead of touching again', async () => {
    const rig = await startRig({ courier: { backoff: { baseMs: 60_000, capMs: 60_000 } } });
    rigs.push(rig);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = rig.append(tapOf('A1', DAY_OF, '08:00'), { inFlight: true });
    expect(await rig.courier.deliverLive(tap)).toBe('queued');
    // The answer was lost; then the key is revoked before the courier reads the day.
    rig.keys.set('A1', 'revoked-key');
    rig.courier.probeNow();
    await eventually(() => expect(rig.journal.get(tap.id)?.state).toBe('failed'));
    expect(rig.journal.get(tap.id)).toMatchObject({ outcome: 'rejected', uncertain: true });
    // An admin fixes the key and runs `queue retry`.
    rig.keys.set('A1', 'demo-key-anna');
    expect(rig.journal.retry([tap.id])).toBe(1);
    rig.courier.kick();
    await eventually(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.touches()).toEqual([`1001 ${DAY_OF} 08:00`]);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY_OF} 08:00-`]);
  });
});
