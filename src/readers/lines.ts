import type { Dropped } from './types.js';

/** Longest UID a line may carry, after trimming. */
export const MAX_UID_LENGTH = 64;
/** Longest unterminated input kept while waiting for a line end; room for whitespace around a UID. */
export const MAX_PENDING_BYTES = 256;

const CR = 0x0d;
const LF = 0x0a;
const VALID_UID = /^[A-Za-z0-9:-]+$/;

export interface LineDecoderState {
  /** The unterminated end of the input so far; never longer than MAX_PENDING_BYTES. */
  pending: Buffer;
  /** True while skipping the rest of an over-long line up to its terminator. */
  discarding: boolean;
  /** The last byte was CR, so an LF right after it ends nothing (CRLF spans chunks). */
  afterCr: boolean;
}

export interface LineResult {
  uids: string[];
  dropped: Dropped[];
  state: LineDecoderState;
}

export function initialLineState(): LineDecoderState {
  return { pending: Buffer.alloc(0), discarding: false, afterCr: false };
}

/** The UID a line carries (trimmed, upper-case), or why the line is not one. */
export function parseUidLine(line: string): { uid: string } | { reason: string } {
  const trimmed = line.trim();
  if (trimmed.length === 0) return { reason: 'empty line' };
  if (trimmed.length > MAX_UID_LENGTH) return { reason: 'line too long' };
  if (!VALID_UID.test(trimmed)) return { reason: 'invalid characters' };
  return { uid: trimmed.toUpperCase() };
}

/**
 * Splits a byte stream into UID lines ended by CR, LF or CRLF.
 * Input that never ends a line is bounded: past MAX_PENDING_BYTES it is dropped up to the next line end.
 */
export function decodeLines(chunk: Buffer, state: LineDecoderState): LineResult {
  const uids: string[] = [];
  const dropped: Dropped[] = [];
  let { discarding, afterCr } = state;
  let pendingParts: Buffer[] = state.pending.length > 0 ? [state.pending] : [];
  let pendingLength = state.pending.length;
  let lineStart = 0;

  const addLine = (line: Buffer) => {
    const parsed = parseUidLine(line.toString('latin1'));
    if ('uid' in parsed) uids.push(parsed.uid);
    else dropped.push({ reason: parsed.reason, length: line.length });
  };

  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte !== CR && byte !== LF) {
      afterCr = false;
      continue;
    }
    const isCrlfTail = byte === LF && afterCr;
    afterCr = byte === CR;
    const piece = chunk.subarray(lineStart, i);
    lineStart = i + 1;
    if (isCrlfTail) continue;
    if (discarding) {
      // Reported when the overflow began; the line end only ends the skipping.
      discarding = false;
      continue;
    }
    addLine(Buffer.concat([...pendingParts, piece]));
    pendingParts = [];
    pendingLength = 0;
  }

  const tail = chunk.subarray(lineStart);
  if (discarding) {
    return { uids, dropped, state: { pending: Buffer.alloc(0), discarding, afterCr } };
  }
  if (pendingLength + tail.length > MAX_PENDING_BYTES) {
    dropped.push({ reason: 'line too long', length: pendingLength + tail.length });
    return { uids, dropped, state: { pending: Buffer.alloc(0), discarding: true, afterCr } };
  }
  const pending = Buffer.from(Buffer.concat([...pendingParts, tail]));
  return { uids, dropped, state: { pending, discarding, afterCr } };
}

/** Treats the end of input as a line end, so a last UID without a newline still counts. */
export function flushLines(state: LineDecoderState): LineResult {
  if (state.discarding || state.pending.length === 0) {
    return { uids: [], dropped: [], state: initialLineState() };
  }
  const parsed = parseUidLine(state.pending.toString('latin1'));
  return {
    uids: 'uid' in parsed ? [parsed.uid] : [],
    dropped: 'reason' in parsed ? [{ reason: parsed.reason, length: state.pending.length }] : [],
    state: initialLineState(),
  };
}
