import { describe, expect, it } from 'vitest';
import { dayAfter, effectOfTouch, planLate, writeLanded } from '../../src/courier/plan.js';
import type { Presence } from '../../src/moco/types.js';

const DAY = '2026-03-02';
const presence = (id: number, from: string, to: string | null): Presence => ({ id, date: DAY, from, to });

describe('planLate: a late tap as touch would have meant it at its minute', () => {
  it('opens a presence when none is open', () => {
    expect(planLate([], DAY, '08:00')).toEqual({
      kind: 'write',
      intent: { op: 'open', date: DAY, from: '08:00' },
      effect: 'clocked_in',
    });
    expect(planLate([presence(1, '07:00', '07:30')], DAY, '08:00')).toMatchObject({
      intent: { op: 'open' },
    });
  });

  it('closes the open presence that started before the tap', () => {
    expect(planLate([presence(1, '07:00', '07:30'), presence(2, '08:00', null)], DAY, '12:30')).toEqual({
      kind: 'write',
      intent: { op: 'close', id: 2, to: '12:30' },
      effect: 'clocked_out',
    });
  });

  it("discards a presence opened in the tap's own minute, as MOCO discards a same-minute touch pair", () => {
    expect(planLate([presence(7, '08:00', null)], DAY, '08:00')).toEqual({
      kind: 'write',
      intent: { op: 'discard', id: 7 },
      effect: 'clocked_out',
    });
  });

  it('refuses to open inside a closed presence, as MOCO would ("range overlaps")', () => {
    expect(planLate([presence(1, '07:00', '09:00')], DAY, '08:00')).toEqual({
      kind: 'conflict',
      reason: `locked: the presence 07:00-09:00 on ${DAY} covers this tap at 08:00`,
    });
    expect(planLate([presence(1, '07:00', '09:00')], DAY, '09:00')).toMatchObject({ intent: { op: 'open' } });
  });

  it('leaves a presence opened after the tap, and two open presences, to an admin', () => {
    expect(planLate([presence(1, '09:00', null)], DAY, '08:00')).toEqual({
      kind: 'conflict',
      reason: `locked: a presence open since 09:00 on ${DAY} started after this tap at 08:00`,
    });
    expect(planLate([presence(1, '07:00', null), presence(2, '08:00', null)], DAY, '09:00')).toMatchObject({
      kind: 'conflict',
      reason: expect.stringContaining('2 open presences'),
    });
  });
});

describe('writeLanded: what MOCO shows of a write that may have gone out', () => {
  const day = [presence(1, '08:00', '12:30'), presence(2, '13:00', null)];

  it('finds an open by its minute, a close by its id and end, a discard by its absence', () => {
    expect(writeLanded({ op: 'open', date: DAY, from: '13:00' }, day)).toBe(true);
    expect(writeLanded({ op: 'open', date: DAY, from: '14:00' }, day)).toBe(false);
    expect(writeLanded({ op: 'close', id: 1, to: '12:30' }, day)).toBe(true);
    expect(writeLanded({ op: 'close', id: 2, to: '17:00' }, day)).toBe(false);
    expect(writeLanded({ op: 'discard', id: 3 }, day)).toBe(true);
    expect(writeLanded({ op: 'discard', id: 2 }, day)).toBe(false);
  });

  it('finds a lost touch by the minute it opened or closed a presence', () => {
    expect(effectOfTouch(day, '12:30')).toBe('clocked_out');
    expect(effectOfTouch(day, '13:00')).toBe('clocked_in');
    expect(effectOfTouch(day, '14:00')).toBeNull();
  });
});

describe("dayAfter: the day as the courier's own write left it", () => {
  const day = [presence(1, '08:00', null)];

  it('takes the presence MOCO answered, and drops a discarded one', () => {
    const closed = presence(1, '08:00', '12:00');
    expect(dayAfter(day, { op: 'close', id: 1, to: '12:00' }, closed)).toEqual([closed]);
    const opened = presence(9, '13:00', null);
    expect(dayAfter([closed], { op: 'open', date: DAY, from: '13:00' }, opened)).toEqual([closed, opened]);
    expect(dayAfter(day, { op: 'discard', id: 1 }, null)).toEqual([]);
  });

  it('does not guess when MOCO confirmed a write without a readable answer', () => {
    expect(dayAfter(day, { op: 'close', id: 1, to: '12:00' }, null)).toBeNull();
  });
});
