import { describe, expect, it } from 'vitest';
import { decodeHidReport, type HidDecoderState, initialHidState } from '../../src/readers/hid-keyboard.js';

const LEFT_SHIFT = 0x02;
const RIGHT_SHIFT = 0x20;
const ENTER = 0x28;
const KEYPAD_ENTER = 0x58;
const RELEASE = [0, 0, 0, 0, 0, 0, 0, 0];

function report(modifier: number, ...usages: number[]): number[] {
  return [modifier, 0, ...usages, ...Array(6 - usages.length).fill(0)];
}

function usageOf(char: string, keypad: boolean): number {
  if (/[a-z]/i.test(char)) return 0x04 + char.toLowerCase().charCodeAt(0) - 0x61;
  const digit = Number(char);
  if (keypad) return digit === 0 ? 0x62 : 0x59 + digit - 1;
  return digit === 0 ? 0x27 : 0x1e + digit - 1;
}

/** The reports a wedge reader sends to type `text` and Enter: each key pressed, then released. */
function typing(text: string, options: { keypad?: boolean; shiftUpper?: number } = {}): number[][] {
  const reports: number[][] = [];
  for (const char of text) {
    const modifier = /[A-Z]/.test(char) ? (options.shiftUpper ?? LEFT_SHIFT) : 0;
    reports.push(report(modifier, usageOf(char, options.keypad ?? false)), RELEASE);
  }
  reports.push(report(0, options.keypad ? KEYPAD_ENTER : ENTER), RELEASE);
  return reports;
}

/** Decodes the reports, `stepMs` apart unless a report has its own time. */
function decodeAll(reports: (number[] | { at: number; report: number[] })[], stepMs = 5, timeoutMs = 200) {
  let state: HidDecoderState = initialHidState();
  const uids: string[] = [];
  const reasons: string[] = [];
  let now = 1000;
  for (const item of reports) {
    const [at, bytes] = Array.isArray(item) ? [now + stepMs, item] : [item.at, item.report];
    now = at;
    const result = decodeHidReport(bytes, state, now, timeoutMs);
    state = result.state;
    uids.push(...result.uids);
    reasons.push(...result.dropped.map((d) => d.reason));
  }
  return { uids, reasons, state };
}

describe('decodeHidReport', () => {
  it('decodes upper-case hex typed with Shift', () => {
    expect(decodeAll(typing('0A00123456')).uids).toEqual(['0A00123456']);
  });

  it('reads the right Shift as Shift too', () => {
    expect(decodeAll(typing('AB12', { shiftUpper: RIGHT_SHIFT })).uids).toEqual(['AB12']);
  });

  it('decodes lower-case letters without Shift', () => {
    expect(decodeAll(typing('deadbeef')).uids).toEqual(['deadbeef']);
  });

  it('decodes a 10-digit EM4100 decimal, twice in a row', () => {
    expect(decodeAll([...typing('0001193046'), ...typing('4294967295')]).uids).toEqual([
      '0001193046',
      '4294967295',
    ]);
  });

  it('decodes keypad digits and keypad Enter', () => {
    expect(decodeAll(typing('1234567890', { keypad: true })).uids).toEqual(['1234567890']);
  });

  it('skips a leading report ID byte on 9-byte reports', () => {
    const reports = typing('C0FFEE12').map((r) => [0x01, ...r]);
    expect(decodeAll(reports).uids).toEqual(['C0FFEE12']);
  });

  it('counts a key held across several reports once', () => {
    const one = report(0, 0x1e);
    expect(decodeAll([one, one, one, RELEASE, one, RELEASE, report(0, ENTER), RELEASE]).uids).toEqual(['11']);
  });

  it('takes new keys from a report that still holds the previous one (rollover)', () => {
    expect(decodeAll([report(0, 0x1e), report(0, 0x1e, 0x1f), report(0, 0x1f, ENTER), RELEASE]).uids).toEqual(
      ['12'],
    );
  });

  it('ignores error-rollover reports', () => {
    const phantom = report(0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01);
    expect(decodeAll([report(0, 0x1e), phantom, RELEASE, report(0, ENTER)]).uids).toEqual(['1']);
  });

  it('ignores reports of other lengths', () => {
    expect(decodeAll([[0, 0, 0x1e], ...typing('2')]).uids).toEqual(['2']);
  });

  it('ignores an Enter with nothing typed', () => {
    expect(decodeAll([report(0, ENTER), RELEASE])).toMatchObject({ uids: [], reasons: [] });
  });

  it('discards a partial UID after a pause longer than the inter-key timeout', () => {
    const result = decodeAll([
      { at: 1000, report: report(0, 0x1e) },
      { at: 1005, report: RELEASE },
      { at: 1300, report: report(0, 0x1f) },
      { at: 1305, report: RELEASE },
      { at: 1310, report: report(0, ENTER) },
    ]);
    expect(result).toMatchObject({ uids: ['2'], reasons: ['inter-key timeout'] });
  });

  it('keeps a UID whose keys come exactly at the timeout', () => {
    const result = decodeAll([
      { at: 1000, report: report(0, 0x1e) },
      { at: 1200, report: report(0, 0x1f) },
      { at: 1400, report: report(0, ENTER) },
    ]);
    expect(result.uids).toEqual(['12']);
  });

  it('measures the pause from key press to key press; a release in between does not restart it', () => {
    const result = decodeAll([
      { at: 1000, report: report(0, 0x1e) },
      { at: 1150, report: RELEASE },
      { at: 1250, report: report(0, 0x1f) },
      { at: 1260, report: report(0, ENTER) },
    ]);
    expect(result).toMatchObject({ uids: ['2'], reasons: ['inter-key timeout'] });
  });

  it('discards a UID longer than 64 characters, including the tail before Enter', () => {
    const result = decodeAll([...typing('1'.repeat(70)), ...typing('42')]);
    expect(result).toMatchObject({ uids: ['42'], reasons: ['too long'] });
  });

  it('accepts a UID of exactly 64 characters', () => {
    expect(decodeAll(typing('A'.repeat(64))).uids).toEqual(['A'.repeat(64)]);
  });

  it('takes a Uint8Array as well', () => {
    const reports = typing('7').map((r) => Uint8Array.from(r));
    let state = initialHidState();
    const uids: string[] = [];
    for (const r of reports) {
      const result = decodeHidReport(r, state, 0);
      state = result.state;
      uids.push(...result.uids);
    }
    expect(uids).toEqual(['7']);
  });
});
