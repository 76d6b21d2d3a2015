import type { Dropped } from './types.js';

const STX = 0x02;
const ETX = 0x03;
/** STX, 10 data characters, 2 checksum characters, ETX. */
export const RDM6300_FRAME_LENGTH = 14;
const ETX_INDEX = RDM6300_FRAME_LENGTH - 1;

export interface Rdm6300Result {
  uids: string[];
  /** The start of an incomplete frame; always shorter than one frame. Prepend it to the next chunk. */
  rest: Buffer;
  dropped: Dropped[];
}

function isHexChar(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/**
 * Why the frame starting at `start` is broken, or null when its available bytes are fine so far.
 * Checking byte by byte lets a short or garbled frame be dropped at once instead of waiting for 14 bytes.
 */
function frameProblem(buffer: Buffer, start: number): string | null {
  const end = Math.min(buffer.length, start + RDM6300_FRAME_LENGTH);
  for (let i = start + 1; i < end; i++) {
    const byte = buffer[i]!;
    const offset = i - start;
    if (offset === ETX_INDEX) return byte === ETX ? null : 'wrong length';
    if (byte === ETX || byte === STX) return 'wrong length';
    if (!isHexChar(byte)) return 'non-hex';
  }
  return null;
}

function checksumMatches(text: string): boolean {
  let xor = 0;
  for (let i = 0; i < 10; i += 2) xor ^= Number.parseInt(text.slice(i, i + 2), 16);
  return xor === Number.parseInt(text.slice(10, 12), 16);
}

/**
 * Decodes RDM6300 (125 kHz EM4100) frames: `0x02`, 10 hex characters (2 version + 8 tag),
 * 2 hex characters of checksum (XOR of the 5 data bytes), `0x03`.
 * Anything that is not a valid frame is dropped and decoding resumes at the next `0x02`.
 */
export function decodeRdm6300(buffer: Buffer): Rdm6300Result {
  const uids: string[] = [];
  const dropped: Dropped[] = [];
  let i = 0;
  while (i < buffer.length) {
    const start = buffer.indexOf(STX, i);
    if (start === -1) {
      dropped.push({ reason: 'junk', length: buffer.length - i });
      return { uids, rest: Buffer.alloc(0), dropped };
    }
    if (start > i) dropped.push({ reason: 'junk', length: start - i });
    const problem = frameProblem(buffer, start);
    if (problem !== null) {
      dropped.push({ reason: problem, length: nextStart(buffer, start) - start });
      i = nextStart(buffer, start);
      continue;
    }
    if (buffer.length - start < RDM6300_FRAME_LENGTH) {
      return { uids, rest: Buffer.from(buffer.subarray(start)), dropped };
    }
    const text = buffer.toString('latin1', start + 1, start + ETX_INDEX).toUpperCase();
    if (checksumMatches(text)) {
      uids.push(text.slice(0, 10));
    } else {
      dropped.push({ reason: 'bad checksum', length: RDM6300_FRAME_LENGTH });
    }
    i = start + RDM6300_FRAME_LENGTH;
  }
  return { uids, rest: Buffer.alloc(0), dropped };
}

/** Where to resynchronise after a broken frame: the next `0x02`, or the end. */
function nextStart(buffer: Buffer, start: number): number {
  const next = buffer.indexOf(STX, start + 1);
  return next === -1 ? buffer.length : next;
}
