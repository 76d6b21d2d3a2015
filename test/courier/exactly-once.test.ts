import { afterEach, describe, expect, it } from 'vitest';
import type { NewTap } from '../../src/store/journal.js';
import { bookings, DAY_OF, type Rig, startRig, tapOf } from './harness.js';

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

/**
 * Feeds the taps as a kiosk does (journal, then live delivery, MOCO's clock at the tap's minute) and
 * waits until none is pending.
 */
async function run(rig: Rig, taps: NewTap[], options: { minutesApart?: boolean } = {}): Promise<void> {
  rig.courier.start();
  for (const tap of taps) {
    await rig.settle(rig.courier.deliverLive(rig.live(tap.uid, tap.localTime, tap.localDate)));
    // Taps at a door are minutes apart: by the next one, the courier has caught up.
    if (options.minutesApart === true) await drained(rig);
  }
  await drained(rig);
}

const drained = (rig: Rig) =>
  rig.until(() => expect(rig.journal.counts()).toEqual({ pending: 0, failed: 0 }), 15_000);

let rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs) await rig.close();
  rigs = [];
});

async function cleanRun(taps: NewTap[]): Promise<string[]> {
  const rig = await startRig();
  rigs.push(rig);
  await run(rig, taps);
  expect(rig.writes()).toHaveLength(taps.length);
  expect(rig.writes().every((w) => w.startsWith('touch '))).toBe(true);
  return bookings(rig.sim);
}

/** Every tap changed MOCO exactly once: one touch or one write each, none sent again. */
function expectOneChangePerTap(rig: Rig, taps: NewTap[]): void {
  expect(rig.writes()).toHaveLength(taps.length);
}

describe('Courier: exactly once under lost answers', () => {
  it('books exactly what a fault-free run books when 100 touch answers are lost after MOCO applied them', async () => {
    const taps = day();
    const expected = await cleanRun(taps);
    expect(expected).toHaveLength(USERS.length * (TAPS_PER_USER / 2));

    const rig = await startRig({ courier: { random: () => 0.5, backoff: { baseMs: 5, capMs: 20 } } });
    rigs.push(rig);
    rig.sim.faults.loseResponses(100);
    await run(rig, taps, { minutesApart: true });

    expect(bookings(rig.sim)).toEqual(expected);
    expect(rig.logs.withMsg('delivery postponed').filter((l) => l.uncertain === true)).toHaveLength(100);
    // Every lost touch was found by reading the day: nothing was sent twice.
    expectOneChangePerTap(rig, taps);
  });

  it('books exactly what a fault-free run books when the answers to late writes are lost too', async () => {
    const taps = day();
    const expected = await cleanRun(taps);

    const rig = await startRig({ courier: { random: () => 0.5, backoff: { baseMs: 5, capMs: 20 } } });
    rigs.push(rig);
    // The whole day is queued during an outage, so every tap is late and written at its minute; then
    // creates and updates of presences lose their answers after MOCO applied them.
    await rig.sim.faults.setOffline(true);
    rig.courier.start();
    for (const tap of taps) await rig.settle(rig.courier.deliverLive(rig.append(tap)));
    await rig.sim.faults.setOffline(false);
    rig.sim.faults.loseResponses(80, (method) => method === 'POST' || method === 'PUT');
    rig.courier.probeNow();
    await drained(rig);

    expect(bookings(rig.sim)).toEqual(expected);
    const writes = rig.writes();
    expect(writes.filter((w) => w.startsWith('open ')).length).toBeGreaterThan(10);
    expect(writes.filter((w) => w.startsWith('close ')).length).toBeGreaterThan(10);
    const lostWrites = rig.logs
      .withMsg('delivery postponed')
      .filter((l) => l.uncertain === true && /(POST|PUT) \/api\/v1\/users\/presences/.test(String(l.reason)));
    expect(lostWrites).toHaveLength(80);
    expectOneChangePerTap(rig, taps);
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
    expectOneChangePerTap(rig, taps);
    const lostReads = rig.logs
      .withMsg('delivery postponed')
      .filter((l) => String(l.reason).includes('GET /api/v1/users/presences'));
    expect(lostReads.length).toBeGreaterThan(0);
  });

  it('writes a tap journaled with its touch at its minute once reconciliation shows the touch was not sent', async () => {
    const rig = await startRig();
    rigs.push(rig);
    // Journaled with its touch, then the process died before the touch went out.
    rig.simAt('08:00');
    const tap = rig.append(tapOf('A1', DAY_OF, '08:00'), { touch: true });
    rig.courier.start();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.sim.requests().map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(rig.writes()).toEqual([`open 1001 ${DAY_OF} 08:00`]);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY_OF} 08:00-`]);
  });

  it('keeps a tap uncertain while the reconciling read cannot reach MOCO, and never touches twice', async () => {
    const rig = await startRig();
    rigs.push(rig);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    await rig.sim.faults.setOffline(true);
    const failuresBefore = rig.logs.withMsg('delivery postponed').length;
    await rig.until(() =>
      expect(rig.logs.withMsg('delivery postponed').length).toBeGreaterThan(failuresBefore + 2),
    );
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'pending', uncertain: true });
    await rig.sim.faults.setOffline(false);
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
  });

  it('reconciles a retried tap whose reconciling read had failed for good, instead of touching again', async () => {
    const rig = await startRig({ courier: { backoff: { baseMs: 60_000, capMs: 60_000 } } });
    rigs.push(rig);
    rig.courier.start();
    rig.sim.faults.loseResponses(1);
    const tap = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    // The answer was lost; then the key is revoked before the courier reads the day.
    rig.keys.set('A1', 'revoked-key');
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('failed'));
    expect(rig.journal.get(tap.id)).toMatchObject({ outcome: 'rejected', uncertain: true });
    // An admin fixes the key and runs `queue retry`.
    rig.keys.set('A1', 'demo-key-anna');
    expect(rig.journal.retry([tap.id])).toBe(1);
    rig.courier.kick();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
    expect(bookings(rig.sim)).toEqual([`1001 ${DAY_OF} 08:00-`]);
  });
});
