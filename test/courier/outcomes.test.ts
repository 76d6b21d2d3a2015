import { afterEach, describe, expect, it } from 'vitest';
import { MocoClient } from '../../src/moco/client.js';
import { type FinalOutcome, Journal } from '../../src/store/journal.js';
import { DAY_OF, memoryJournal, type Rig, startRig, tapOf } from './harness.js';

const DAY = DAY_OF;
let rig: Rig;
afterEach(async () => {
  await rig.close();
});

describe('Courier: what a live tap answers', () => {
  it("clocks in and out with one touch each at MOCO's now, without reading the day first", async () => {
    rig = await startRig();
    rig.courier.start();
    const first = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(first))).toBe('clocked_in');
    const second = rig.live('A1', '12:30');
    expect(await rig.settle(rig.courier.deliverLive(second))).toBe('clocked_out');

    expect(rig.writes()).toEqual(['touch 1001', 'touch 1001']);
    expect(rig.sim.requests().every((r) => r.body === undefined || !('override' in (r.body as object)))).toBe(
      true,
    );
    expect(rig.sim.requests().filter((r) => r.method === 'GET')).toEqual([]);
    expect(rig.sim.presences(1001).map((p) => [p.from, p.to])).toEqual([['08:00', '12:30']]);
    expect(rig.journal.get(first.id)).toMatchObject({
      state: 'delivered',
      outcome: 'clocked_in',
      uncertain: false,
    });
    expect(rig.journal.get(second.id)).toMatchObject({ state: 'delivered', outcome: 'clocked_out' });
    expect(rig.logs.withMsg('delivered')).toEqual([]);
  });

  it('answers locked to the person at the door when MOCO refuses with 423', async () => {
    rig = await startRig();
    await blockDay(rig);
    rig.courier.start();
    const tap = rig.live('A1', '12:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('locked');
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'delivered', outcome: 'locked' });
    expect(rig.journal.counts()).toEqual({ pending: 0, failed: 0 });
  });

  it('fails a late tap whose write MOCO refuses as overlapping (422), for an admin to see', async () => {
    rig = await startRig();
    // An open presence runs to the end of its day: opening one at 12:00 overlaps the afternoon.
    await blockDay(rig, '13:00');
    const tap = rig.append(tapOf('A1', DAY, '12:00'));
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    rig.courier.start();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('failed'));
    expect(rig.journal.get(tap.id)).toMatchObject({
      outcome: 'locked',
      lastError: expect.stringMatching(/^422 invalid: .*range overlaps/),
      uncertain: false,
    });
    // After the presence blockDay made, the tap's own write, once: a conflict is not retried.
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 13:00`, `open 1001 ${DAY} 12:00`]);
    expect(rig.logs.withMsg('delivered')).toEqual([
      expect.objectContaining({ tapId: tap.id, outcome: 'locked' }),
    ]);
  });

  it('fails a tap whose key was revoked (401) and still delivers the next tap of that user, in order', async () => {
    rig = await startRig();
    // Anna lost her card: the old one's key was revoked, her new card A9 has a working key.
    rig.keys.set('A1', 'revoked-key');
    rig.keys.set('A9', 'demo-key-anna');
    const old = rig.append(tapOf('A1', DAY, '08:00'));
    const replacement = rig.append(tapOf('A9', DAY, '08:04', { userId: 1001 }));
    rig.courier.start();
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
    expect(rig.journal.get(old.id)).toMatchObject({ state: 'failed', outcome: 'rejected' });
    expect(rig.journal.get(old.id)?.lastError).toMatch(/^401 unauthorized/);
    expect(rig.journal.get(replacement.id)).toMatchObject({ state: 'delivered', outcome: 'clocked_in' });
    // The revoked key could not even read the day; the new card's tap was written at its minute.
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:04`]);
    expect(rig.courier.status().connectivity).toBe('online');
  });

  it('answers rejected live, and the failed tap is not sent again', async () => {
    rig = await startRig();
    rig.keys.set('A1', 'revoked-key');
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('rejected');
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'failed', uncertain: false });
    rig.keys.set('A1', 'demo-key-anna');
    const next = rig.live('A1', '08:05');
    expect(await rig.settle(rig.courier.deliverLive(next))).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch ?', 'touch 1001']);
  });

  it('answers queued when MOCO is slower than the feedback budget, then logs the final outcome', async () => {
    rig = await startRig({ courier: { feedbackTimeoutMs: 100 } });
    rig.sim.faults.delayMs = 400;
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('queued');
    expect(rig.journal.get(tap.id)?.state).toBe('pending');
    await rig.until(() =>
      expect(rig.logs.withMsg('delivered')).toEqual([
        expect.objectContaining({ tapId: tap.id, outcome: 'clocked_in', userId: 1001, at: `${DAY} 08:00` }),
      ]),
    );
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'delivered', outcome: 'clocked_in' });
    expect(rig.writes()).toEqual(['touch 1001']);
  });

  it('answers queued when MOCO is offline, at once while it is known offline, and delivers both later', async () => {
    rig = await startRig({ courier: { feedbackTimeoutMs: 10_000 } });
    await rig.sim.faults.setOffline(true);
    rig.courier.start();
    const first = rig.append(tapOf('A1', DAY, '08:00'));
    expect(await rig.settle(rig.courier.deliverLive(first))).toBe('queued');
    expect(rig.courier.status().connectivity).toBe('offline');
    expect(rig.journal.get(first.id)?.lastError).toMatch(/unreachable/);

    const second = rig.append(tapOf('B2', DAY, '08:01'));
    const answer = rig.courier.deliverLive(second);
    // Already settled: the person does not wait out the feedback budget for a MOCO known to be down.
    expect(await Promise.race([answer, Promise.resolve('still waiting')])).toBe('queued');

    await rig.sim.faults.setOffline(false);
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
    expect(rig.logs.withMsg('delivered').map((l) => [l.tapId, l.outcome])).toEqual([
      [first.id, 'clocked_in'],
      [second.id, 'clocked_in'],
    ]);
    expect(rig.courier.status().connectivity).toBe('online');
    // Written at the minutes they happened, whatever MOCO's clock says now.
    expect(rig.sim.presences().map((p) => `${p.user.id} ${p.date} ${p.from}`)).toEqual([
      `1001 ${DAY} 08:00`,
      `1002 ${DAY} 08:01`,
    ]);
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, `open 1002 ${DAY} 08:01`]);
  });

  it('looks whether MOCO is back when a tap comes during an outage, instead of waiting out the backoff', async () => {
    rig = await startRig({ courier: { backoff: { baseMs: 60_000, capMs: 60_000 } } });
    await rig.sim.faults.setOffline(true);
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(rig.append(tapOf('A1', DAY, '08:00'))))).toBe('queued');
    expect(rig.courier.status().pausedUntil).toBeGreaterThan(rig.time.now() + 20_000);
    await rig.sim.faults.setOffline(false);
    expect(await rig.settle(rig.courier.deliverLive(rig.append(tapOf('B2', DAY, '08:05'))))).toBe('queued');
    await rig.until(() => expect(rig.journal.counts().pending).toBe(0));
    expect(rig.writes()).toEqual([`open 1001 ${DAY} 08:00`, `open 1002 ${DAY} 08:05`]);
  });

  it('keeps the pause MOCO asked for with 429 when a tap comes', async () => {
    rig = await startRig();
    rig.sim.faults.rateLimited = { retryAfterSeconds: 60 };
    rig.courier.start();
    expect(await rig.settle(rig.courier.deliverLive(rig.live('A1', '08:00')))).toBe('queued');
    const asked = rig.sim.requests().length;
    expect(await rig.settle(rig.courier.deliverLive(rig.append(tapOf('B2', DAY, '08:05'))))).toBe('queued');
    await new Promise((resolve) => setImmediate(resolve));
    expect(rig.courier.status().pausedUntil).toBeGreaterThan(rig.time.now() + 50_000);
    expect(rig.sim.requests()).toHaveLength(asked);
  });

  it('learns the direction from the day when MOCO answers touch with an empty body', async () => {
    rig = await startRig({ sim: { legacyEmptyTouchBody: true } });
    rig.courier.start();
    const outcomes = [];
    for (const time of ['08:00', '12:00', '12:45', '17:10']) {
      outcomes.push(await rig.settle(rig.courier.deliverLive(rig.live('A1', time))));
    }
    expect(outcomes).toEqual(['clocked_in', 'clocked_out', 'clocked_in', 'clocked_out']);
    expect(rig.sim.presences(1001).map((p) => `${p.from}-${p.to}`)).toEqual(['08:00-12:00', '12:45-17:10']);
    // Each empty answer was followed by one read of that day.
    const gets = rig.sim.requests().filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(4);
    expect(gets[0]?.query).toContain(`from=${DAY}&to=${DAY}`);
  });

  it('survives a journal write failing after MOCO answered: the answer stands, the tap is reconciled later', async () => {
    class FlakyJournal extends Journal {
      failures = 1;
      override markDelivered(id: number, outcome: FinalOutcome, at: number): boolean {
        if (this.failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
        return super.markDelivered(id, outcome, at);
      }
    }
    const { db } = memoryJournal();
    rig = await startRig({ journal: { db, journal: new FlakyJournal(db) } });
    rig.courier.start();
    const tap = rig.live('A1', '08:00');
    expect(await rig.settle(rig.courier.deliverLive(tap))).toBe('clocked_in');
    await rig.until(() => expect(rig.logs.withMsg('live delivery failed locally')).toHaveLength(1));
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'pending', uncertain: true });
    rig.courier.probeNow();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.journal.get(tap.id)?.outcome).toBe('clocked_in');
    expect(rig.writes()).toEqual(['touch 1001']);
  });
});

/** Anna already has the day booked from `from` to 17:00: a touch inside it is refused with 423. */
async function blockDay(rig: Rig, from = '09:00'): Promise<void> {
  const client = new MocoClient({ baseUrl: rig.sim.baseUrl, timeoutMs: 2_000 });
  await client.forKey('demo-key-anna').createPresence({ date: DAY, from, to: '17:00' });
  client.close();
}
