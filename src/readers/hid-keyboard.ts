import { MAX_UID_LENGTH } from './lines.js';
import type { Dropped } from './types.js';

const SHIFT_BITS = 0x02 | 0x20;
const ERROR_ROLL_OVER = 0x01;
const ENTER = 0x28;
const KEYPAD_ENTER = 0x58;

export const DEFAULT_INTER_KEY_TIMEOUT_MS = 200;

export interface HidDecoderState {
  /** Usage codes held down in the previous report: a key counts once per press. */
  held: readonly number[];
  /** Characters typed since the last Enter. */
  typed: string;
  /** More than MAX_UID_LENGTH characters were typed: skip until Enter. */
  overflow: boolean;
  /** When the last character arrived, for the inter-key timeout. */
  lastKeyMs: number | null;
}

export interface HidResult {
  state: HidDecoderState;
  uids: string[];
  dropped: Dropped[];
}

export function initialHidState(): HidDecoderState {
  return { held: [], typed: '', overflow: false, lastKeyMs: null };
}

/** The character a usage code types, by key position (the US layout readers assume), or null. */
function usageToChar(usage: number, shift: boolean): string | null {
  if (usage >= 0x04 && usage <= 0x1d) {
    const letter = String.fromCharCode(0x61 + usage - 0x04);
    return shift ? letter.toUpperCase() : letter;
  }
  if (usage >= 0x1e && usage <= 0x27) return String((usage - 0x1e + 1) % 10);
  if (usage >= 0x59 && usage <= 0x62) return String((usage - 0x59 + 1) % 10);
  return null;
}

/**
 * Decodes one boot-keyboard input report (modifier, reserved, 6 usage codes; 9 bytes when a report ID
 * comes first) into finished UIDs. Pure: the time of the report is passed in.
 * Enter ends a UID; a pause over `interKeyTimeoutMs` or more than 64 characters discards it.
 * Reports of any other length are ignored.
 */
export function decodeHidReport(
  report: Uint8Array | readonly number[],
  state: HidDecoderState,
  nowMs: number,
  interKeyTimeoutMs = DEFAULT_INTER_KEY_TIMEOUT_MS,
): HidResult {
  const offset = report.length === 9 ? 1 : report.length === 8 ? 0 : -1;
  if (offset === -1) return { state, uids: [], dropped: [] };
  const modifier = report[offset]!;
  const usages = Array.from(report.slice(offset + 2, offset + 8)).filter((u) => u !== 0);
  if (usages.includes(ERROR_ROLL_OVER)) return { state, uids: [], dropped: [] };

  const shift = (modifier & SHIFT_BITS) !== 0;
  const uids: string[] = [];
  const dropped: Dropped[] = [];
  let { typed, overflow, lastKeyMs } = state;

  for (const usage of usages) {
    if (state.held.includes(usage)) continue;
    if (lastKeyMs !== null && nowMs - lastKeyMs > interKeyTimeoutMs && (typed.length > 0 || overflow)) {
      dropped.push({ reason: 'inter-key timeout', length: typed.length });
      typed = '';
      overflow = false;
    }
    lastKeyMs = nowMs;
    if (usage === ENTER || usage === KEYPAD_ENTER) {
      if (overflow) dropped.push({ reason: 'too long', length: typed.length });
      else if (typed.length > 0) uids.push(typed);
      typed = '';
      overflow = false;
      continue;
    }
    const char = usageToChar(usage, shift);
    if (char === null || overflow) continue;
    typed += char;
    if (typed.length > MAX_UID_LENGTH) overflow = true;
  }

  return { state: { held: usages, typed, overflow, lastKeyMs }, uids, dropped };
}
