import { describe, expect, it } from 'vitest';
import {
  decodeLines,
  flushLines,
  initialLineState,
  type LineDecoderState,
  MAX_PENDING_BYTES,
  parseUidLine,
} from '../../src/readers/lines.js';

/** Feeds the chunks in order and collects everything the decoder reported. */
function feed(chunks: (string | Buffer)[]) {
  let state: LineDecoderState = initialLineState();
  const uids: string[] = [];
  const reasons: string[] = [];
  for (const chunk of chunks) {
    const result = decodeLines(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, state);
    state = result.state;
    uids.push(...result.uids);
    reasons.push(...result.dropped.map((d) => d.reason));
  }
  return { uids, reasons, state };
}

describe('parseUidLine', () => {
  it.each([
    ['  04a23b1c ', { uid: '04A23B1C' }],
    ['0001193046', { uid: '0001193046' }],
    ['04:A2:3B:1C', { uid: '04:A2:3B:1C' }],
    ['ab-12', { uid: 'AB-12' }],
    ['', { reason: 'empty line' }],
    ['   \t', { reason: 'empty line' }],
    ['A'.repeat(64), { uid: 'A'.repeat(64) }],
    ['A'.repeat(65), { reason: 'line too long' }],
    ['04 A2', { reason: 'invalid characters' }],
    ['04A2;', { reason: 'invalid characters' }],
    ['ÄB12', { reason: 'invalid characters' }],
  ])('%j -> %j', (line, expected) => {
    expect(parseUidLine(line)).toEqual(expected);
  });
});

describe('decodeLines', () => {
  it('ends lines with LF, CR and CRLF alike', () => {
    expect(feed(['AA\nBB\rCC\r\nDD\n'])).toMatchObject({ uids: ['AA', 'BB', 'CC', 'DD'], reasons: [] });
  });

  it('treats a CRLF split across chunks as one line end', () => {
    expect(feed(['AA\r', '\nBB\r', '\n'])).toMatchObject({ uids: ['AA', 'BB'], reasons: [] });
  });

  it('joins a line split across chunks', () => {
    expect(feed(['04A2', '3B', '1C\n']).uids).toEqual(['04A23B1C']);
  });

  it('drops empty and invalid lines and keeps the good ones', () => {
    expect(feed(['\n\nAA\n04 A2\nBB\n'])).toMatchObject({
      uids: ['AA', 'BB'],
      reasons: ['empty line', 'empty line', 'invalid characters'],
    });
  });

  it('keeps an unterminated line pending', () => {
    const { uids, state } = feed(['AA\nBB']);
    expect(uids).toEqual(['AA']);
    expect(state.pending.toString()).toBe('BB');
  });

  it('bounds memory for a stream that never ends a line, then drops that whole line', () => {
    const chunk = Buffer.alloc(1000, 0x41);
    let state = initialLineState();
    const reasons: string[] = [];
    for (let i = 0; i < 100; i++) {
      const result = decodeLines(chunk, state);
      state = result.state;
      expect(result.uids).toEqual([]);
      expect(state.pending.length).toBeLessThanOrEqual(MAX_PENDING_BYTES);
      reasons.push(...result.dropped.map((d) => d.reason));
    }
    expect(reasons).toEqual(['line too long']);
    const after = decodeLines(Buffer.from('AAAA\nBB\n'), state);
    // The tail of the flood is not mistaken for a UID; the next line is read again.
    expect(after.uids).toEqual(['BB']);
  });

  it('bounds memory when the flood arrives a few bytes at a time', () => {
    const { uids, reasons, state } = feed([...Array.from({ length: 200 }, () => 'ABCDEFGH'), 'XY\nOK\n']);
    expect(uids).toEqual(['OK']);
    expect(reasons).toEqual(['line too long']);
    expect(state.pending.length).toBe(0);
  });

  it('drops an over-long line that arrives whole in one chunk', () => {
    expect(feed([`${'A'.repeat(300)}\nBB\n`])).toMatchObject({ uids: ['BB'], reasons: ['line too long'] });
  });
});

describe('flushLines', () => {
  it('reads the pending line at the end of input', () => {
    const { state } = feed(['AA\nbb']);
    expect(flushLines(state).uids).toEqual(['BB']);
  });

  it('reports nothing when nothing is pending or an over-long line was being skipped', () => {
    expect(flushLines(initialLineState()).uids).toEqual([]);
    const { state } = feed(['A'.repeat(500)]);
    expect(flushLines(state)).toMatchObject({ uids: [], dropped: [] });
  });
});
