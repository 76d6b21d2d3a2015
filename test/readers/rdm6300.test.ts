import { describe, expect, it } from 'vitest';
import { decodeRdm6300 } from '../../src/readers/rdm6300.js';

/** A frame as an RDM6300 sends it: STX, 10 data + 2 checksum hex characters, ETX. */
function frame(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x02]), Buffer.from(text, 'latin1'), Buffer.from([0x03])]);
}

// Captured from a module: tag 1A0084F07B, checksum 15.
const CAPTURED = Buffer.from('0231413030383446303742313503', 'hex');
const SECOND = frame('0A001234567A');

describe('decodeRdm6300', () => {
  it('decodes one frame into the 10 data characters', () => {
    expect(decodeRdm6300(CAPTURED)).toEqual({ uids: ['1A0084F07B'], rest: Buffer.alloc(0), dropped: [] });
  });

  it('upper-cases lower-case hex', () => {
    expect(decodeRdm6300(frame('1a0084f07b15')).uids).toEqual(['1A0084F07B']);
  });

  it('decodes several frames in one chunk', () => {
    expect(decodeRdm6300(Buffer.concat([CAPTURED, SECOND, CAPTURED])).uids).toEqual([
      '1A0084F07B',
      '0A00123456',
      '1A0084F07B',
    ]);
  });

  it('keeps a split frame as rest and completes it with the next chunk', () => {
    const first = decodeRdm6300(CAPTURED.subarray(0, 6));
    expect(first.uids).toEqual([]);
    expect(first.rest).toEqual(CAPTURED.subarray(0, 6));
    const second = decodeRdm6300(Buffer.concat([first.rest, CAPTURED.subarray(6), SECOND.subarray(0, 1)]));
    expect(second.uids).toEqual(['1A0084F07B']);
    expect(second.rest).toEqual(Buffer.from([0x02]));
  });

  it('decodes a frame fed one byte at a time', () => {
    let rest: Buffer = Buffer.alloc(0);
    const uids: string[] = [];
    for (const byte of CAPTURED) {
      const result = decodeRdm6300(Buffer.concat([rest, Buffer.from([byte])]));
      rest = result.rest;
      uids.push(...result.uids);
    }
    expect(uids).toEqual(['1A0084F07B']);
    expect(rest.length).toBe(0);
  });

  it('skips junk before, between and after frames', () => {
    const junk = Buffer.from([0xff, 0x00, 0x41, 0x03, 0x0d]);
    const result = decodeRdm6300(Buffer.concat([junk, CAPTURED, junk, SECOND, junk]));
    expect(result.uids).toEqual(['1A0084F07B', '0A00123456']);
    expect(result.dropped).toEqual([
      { reason: 'junk', length: 5 },
      { reason: 'junk', length: 5 },
      { reason: 'junk', length: 5 },
    ]);
    expect(result.rest.length).toBe(0);
  });

  it('drops a frame with a bad checksum and keeps the next one', () => {
    const result = decodeRdm6300(Buffer.concat([frame('1A0084F07B16'), SECOND]));
    expect(result.uids).toEqual(['0A00123456']);
    expect(result.dropped).toEqual([{ reason: 'bad checksum', length: 14 }]);
  });

  it('drops a short frame and resynchronises on the next STX', () => {
    const result = decodeRdm6300(Buffer.concat([frame('1A0084F015'), CAPTURED]));
    expect(result.uids).toEqual(['1A0084F07B']);
    expect(result.dropped).toEqual([{ reason: 'wrong length', length: 12 }]);
  });

  it('drops a long frame', () => {
    const result = decodeRdm6300(Buffer.concat([frame('1A0084F07B1515'), CAPTURED]));
    expect(result.uids).toEqual(['1A0084F07B']);
    expect(result.dropped.map((d) => d.reason)).toEqual(['wrong length']);
  });

  it('drops a frame cut short by a new STX', () => {
    const result = decodeRdm6300(Buffer.concat([CAPTURED.subarray(0, 7), CAPTURED]));
    expect(result.uids).toEqual(['1A0084F07B']);
    expect(result.dropped).toEqual([{ reason: 'wrong length', length: 7 }]);
  });

  it('drops a frame with non-hex characters', () => {
    const result = decodeRdm6300(Buffer.concat([frame('1A0084G07B15'), SECOND]));
    expect(result.uids).toEqual(['0A00123456']);
    expect(result.dropped).toEqual([{ reason: 'non-hex', length: 14 }]);
  });

  it('drops a broken frame as soon as its bytes show it, without waiting for more', () => {
    const result = decodeRdm6300(Buffer.from([0x02, 0x31, 0x03]));
    expect(result.dropped).toEqual([{ reason: 'wrong length', length: 3 }]);
    expect(result.rest.length).toBe(0);
  });

  it('never keeps more than one frame of rest, whatever the input', () => {
    let rest: Buffer = Buffer.alloc(0);
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = i % 7 === 0 ? 0x02 : 0x30 + (i % 10);
    for (let round = 0; round < 50; round++) {
      const result = decodeRdm6300(Buffer.concat([rest, noise]));
      rest = result.rest;
      expect(rest.length).toBeLessThan(14);
    }
  });
});
