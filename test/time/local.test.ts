import { describe, expect, it } from 'vitest';
import {
  formatOverride,
  isValidLocalDate,
  isValidLocalTime,
  isValidTimeZone,
  localParts,
  parseOverride,
  systemTimeZone,
} from '../../src/time/local.js';
import { localToEpoch } from './local-to-epoch.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

describe('localParts', () => {
  it('reads UTC instants unchanged in UTC', () => {
    expect(localParts(Date.UTC(2026, 0, 5, 9, 7, 59), 'UTC')).toEqual({ date: '2026-01-05', time: '09:07' });
  });

  it('crosses midnight backwards in a zone west of UTC', () => {
    expect(localParts(Date.UTC(2026, 0, 16, 3, 0), NEW_YORK)).toEqual({ date: '2026-01-15', time: '22:00' });
  });

  it('jumps from 01:59 to 03:00 at the Berlin spring-forward change', () => {
    expect(localParts(Date.UTC(2026, 2, 29, 0, 59), BERLIN)).toEqual({ date: '2026-03-29', time: '01:59' });
    expect(localParts(Date.UTC(2026, 2, 29, 1, 0), BERLIN)).toEqual({ date: '2026-03-29', time: '03:00' });
  });

  it('shows 02:30 twice on the Berlin fall-back day', () => {
    expect(localParts(Date.UTC(2026, 9, 25, 0, 30), BERLIN).time).toBe('02:30');
    expect(localParts(Date.UTC(2026, 9, 25, 1, 30), BERLIN).time).toBe('02:30');
  });

  it('uses 00 for midnight, not 24', () => {
    expect(localParts(Date.UTC(2026, 5, 30, 22, 0), BERLIN)).toEqual({ date: '2026-07-01', time: '00:00' });
  });
});

describe('localToEpoch', () => {
  it('converts in UTC and in a zone west of UTC', () => {
    expect(localToEpoch('2026-01-05', '09:07', 'UTC')).toBe(Date.UTC(2026, 0, 5, 9, 7));
    expect(localToEpoch('2026-01-15', '23:30', NEW_YORK)).toBe(Date.UTC(2026, 0, 16, 4, 30));
    expect(localToEpoch('2026-07-15', '23:30', NEW_YORK)).toBe(Date.UTC(2026, 6, 16, 3, 30));
  });

  it('uses winter and summer offsets in Berlin', () => {
    expect(localToEpoch('2026-01-10', '08:00', BERLIN)).toBe(Date.UTC(2026, 0, 10, 7, 0));
    expect(localToEpoch('2026-07-10', '08:00', BERLIN)).toBe(Date.UTC(2026, 6, 10, 6, 0));
  });

  it('moves a minute inside the spring-forward gap forward by the gap (02:30 -> 03:30 CEST)', () => {
    expect(localToEpoch('2026-03-29', '02:30', BERLIN)).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(localToEpoch('2026-03-29', '02:00', BERLIN)).toBe(Date.UTC(2026, 2, 29, 1, 0));
    expect(localToEpoch('2026-03-29', '01:59', BERLIN)).toBe(Date.UTC(2026, 2, 29, 0, 59));
    expect(localToEpoch('2026-03-29', '03:00', BERLIN)).toBe(Date.UTC(2026, 2, 29, 1, 0));
  });

  it('picks the first occurrence of a minute in the fall-back hour', () => {
    expect(localToEpoch('2026-10-25', '02:30', BERLIN)).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(localToEpoch('2026-10-25', '02:00', BERLIN)).toBe(Date.UTC(2026, 9, 25, 0, 0));
    expect(localToEpoch('2026-10-25', '03:00', BERLIN)).toBe(Date.UTC(2026, 9, 25, 2, 0));
  });

  it('round-trips every quarter hour across both Berlin changes', () => {
    for (const start of [Date.UTC(2026, 2, 28, 0, 0), Date.UTC(2026, 9, 24, 0, 0)]) {
      for (let t = start; t < start + 2 * 86_400_000; t += 15 * 60_000) {
        const parts = localParts(t, BERLIN);
        const back = localToEpoch(parts.date, parts.time, BERLIN);
        expect(localParts(back, BERLIN)).toEqual(parts);
        // Only the repeated fall-back hour may map back to the earlier of two instants.
        expect(back === t || back === t - 3_600_000).toBe(true);
      }
    }
  });

  it('rejects malformed dates and times', () => {
    expect(() => localToEpoch('2026-02-30', '10:00', BERLIN)).toThrow(RangeError);
    expect(() => localToEpoch('2026-02-01', '24:00', BERLIN)).toThrow(RangeError);
    expect(() => localToEpoch('26-02-01', '10:00', BERLIN)).toThrow(RangeError);
  });
});

describe('validation helpers', () => {
  it('knows valid calendar dates and times', () => {
    expect(isValidLocalDate('2028-02-29')).toBe(true);
    expect(isValidLocalDate('2026-02-29')).toBe(false);
    expect(isValidLocalDate('2026-13-01')).toBe(false);
    expect(isValidLocalDate('2026-04-31')).toBe(false);
    expect(isValidLocalDate('2026-4-1')).toBe(false);
    expect(isValidLocalTime('23:59')).toBe(true);
    expect(isValidLocalTime('00:00')).toBe(true);
    expect(isValidLocalTime('24:00')).toBe(false);
    expect(isValidLocalTime('12:60')).toBe(false);
    expect(isValidLocalTime('9:00')).toBe(false);
  });

  it('tells real IANA zones from others', () => {
    expect(isValidTimeZone(BERLIN)).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(systemTimeZone())).toBe(true);
  });
});

describe('override', () => {
  it('formats and parses MOCO override strings', () => {
    expect(formatOverride({ date: '2026-03-29', time: '07:05' })).toBe('2026-03-29 07:05');
    expect(parseOverride('2026-03-29 07:05')).toEqual({ date: '2026-03-29', time: '07:05' });
    expect(parseOverride('2028-02-29 23:59')).toEqual({ date: '2028-02-29', time: '23:59' });
  });

  it.each([
    '2026-02-29 10:00',
    '2026-01-01 24:00',
    '2026-01-01 9:00',
    '2026-01-01T09:00',
    '2026-01-01  09:00',
    ' 2026-01-01 09:00',
    '2026-01-01 09:00:00',
    '2026-01-01',
    '',
  ])('rejects %j', (value) => {
    expect(parseOverride(value)).toBeNull();
  });
});
