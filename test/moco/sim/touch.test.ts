import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/moco/sim/server.js';
import type { Simulator, SimulatorOptions } from '../../../src/moco/sim/types.js';
import { ManualClock } from '../../fakes/clock.js';
import { ANNA, BEN, BERLIN, call, touch } from './http.js';

let sim: Simulator;
const clock = new ManualClock(0);
/** The documented reading of `override`: these tests set the minute of a touch with it. */
const HONOURED: Partial<SimulatorOptions> = { variants: { override: 'honoured' } };

async function start(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  clock.setLocal('2026-03-10', '09:30');
  sim = await startSimulator({ timeZone: BERLIN, clock, ...options });
  return sim;
}

afterEach(async () => {
  await sim.close();
});

describe('touch', () => {
  it('clocks in at the local minute, then clocks out of the same presence', async () => {
    await start();
    const first = await touch(sim, ANNA);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.json).toMatchObject({
      date: '2026-03-10',
      from: '09:30',
      to: null,
      is_home_office: false,
      user: { id: 1001, firstname: 'Anna', lastname: 'Schmidt' },
    });
    clock.setLocal('2026-03-10', '11:30', 42);
    const second = await touch(sim, ANNA);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ id: (first.json as { id: number }).id, from: '09:30', to: '11:30' });
    expect(sim.presences(1001)).toMatchObject([{ from: '09:30', to: '11:30' }]);
  });

  it('discards a presence started and stopped within the same minute', async () => {
    await start();
    clock.setLocal('2026-03-10', '09:30', 5);
    await touch(sim, ANNA);
    clock.setLocal('2026-03-10', '09:30', 55);
    const second = await touch(sim, ANNA);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ from: '09:30', to: '09:30' });
    expect(sim.presences()).toEqual([]);
  });

  it('ignores override by default and acts on now, as a real account did in 2026-10', async () => {
    await start();
    const booked = await touch(sim, ANNA, { override: '2026-03-10 08:05' });
    expect(booked.json).toMatchObject({ date: '2026-03-10', from: '09:30', to: null });
  });

  it('books the override time instead of now when honouring it, and rejects a malformed override', async () => {
    await start(HONOURED);
    const booked = await touch(sim, ANNA, { override: '2026-03-10 08:05', is_home_office: true });
    expect(booked.json).toMatchObject({ date: '2026-03-10', from: '08:05', to: null, is_home_office: true });
    const bad = await touch(sim, ANNA, { override: '2026-03-10 8:05' });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ override: ['is invalid'] });
    expect(sim.presences()).toHaveLength(1);
  });

  it('answers 423 when the clock-out time lies before the open presence began', async () => {
    await start(HONOURED);
    await touch(sim, ANNA, { override: '2026-03-10 10:00' });
    const refused = await touch(sim, ANNA, { override: '2026-03-10 09:00' });
    expect(refused.status).toBe(423);
    expect(refused.text).toBe('');
    expect(sim.presences()).toMatchObject([{ from: '10:00', to: null }]);
  });

  it('answers 423 when clocking in inside an existing presence, but not at its end', async () => {
    await start(HONOURED);
    await call(sim, ANNA, 'POST', '/users/presences', { date: '2026-03-10', from: '08:00', to: '09:00' });
    expect((await touch(sim, ANNA, { override: '2026-03-10 08:00' })).status).toBe(423);
    expect((await touch(sim, ANNA, { override: '2026-03-10 08:59' })).status).toBe(423);
    expect((await touch(sim, ANNA, { override: '2026-03-10 09:00' })).status).toBe(200);
  });

  it('answers 423 when closing the open presence would overlap another one', async () => {
    await start(HONOURED);
    await call(sim, ANNA, 'POST', '/users/presences', { date: '2026-03-10', from: '08:00', to: '09:00' });
    await touch(sim, ANNA, { override: '2026-03-10 07:00' });
    expect((await touch(sim, ANNA, { override: '2026-03-10 10:00' })).status).toBe(423);
    expect((await touch(sim, ANNA, { override: '2026-03-10 08:00' })).status).toBe(200);
    expect(sim.presences(1001).map((p) => [p.from, p.to])).toEqual([
      ['07:00', '08:00'],
      ['08:00', '09:00'],
    ]);
  });

  it('leaves an open presence of an earlier date alone', async () => {
    await start(HONOURED);
    await touch(sim, ANNA, { override: '2026-03-09 17:00' });
    const today = await touch(sim, ANNA);
    expect(today.json).toMatchObject({ date: '2026-03-10', from: '09:30', to: null });
    expect(sim.presences(1001).map((p) => [p.date, p.from, p.to])).toEqual([
      ['2026-03-09', '17:00', null],
      ['2026-03-10', '09:30', null],
    ]);
  });

  it('keeps users apart', async () => {
    await start();
    await touch(sim, ANNA);
    const ben = await touch(sim, BEN);
    expect(ben.json).toMatchObject({ to: null, user: { id: 1002 } });
    expect(sim.presences(1001)).toHaveLength(1);
    expect(sim.presences(1002)).toHaveLength(1);
  });

  it('answers 200 with an empty body in legacy mode, still applying the touch', async () => {
    await start({ legacyEmptyTouchBody: true });
    const answer = await touch(sim, ANNA);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.headers.get('content-length')).toBe('0');
    expect(sim.presences()).toMatchObject([{ from: '09:30', to: null }]);
  });

  it('reads now from the clock plus the offset, which can be moved later', async () => {
    await start({ offsetMs: 30 * 60_000 });
    expect((await touch(sim, ANNA)).json).toMatchObject({ from: '10:00' });
    sim.setOffsetMs(3 * 3_600_000);
    expect((await touch(sim, ANNA)).json).toMatchObject({ from: '10:00', to: '12:30' });
  });

  it('reads now in the configured time zone', async () => {
    clock.setLocal('2026-02-10', '00:30');
    sim = await startSimulator({ timeZone: 'America/New_York', clock });
    // 00:30 in Berlin (UTC+1) is 18:30 of the day before in New York (UTC-5).
    expect((await touch(sim, ANNA)).json).toMatchObject({ date: '2026-02-09', from: '18:30' });
  });
});
