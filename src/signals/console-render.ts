import { LED_NAMES } from './config.js';
import { beepsOf, LONG_BEEP_MS, ledsOf } from './patterns.js';
import type { LedName, Pattern, PatternName } from './types.js';

export const SIGNAL_LABELS: Readonly<Record<PatternName, string>> = {
  clocked_in: 'CLOCKED IN',
  clocked_out: 'CLOCKED OUT',
  queued: 'STORED, SENT LATER',
  locked: 'LOCKED',
  unknown_badge: 'UNKNOWN BADGE',
  repeat_ignored: 'ALREADY RECORDED',
  rejected: 'REJECTED',
  error: 'ERROR',
  online: 'idle: online',
  offline: 'idle: offline, taps are stored',
  attention: 'idle: needs attention',
};

const ESC = '\x1b[';
const LED_COLOUR: Readonly<Record<LedName, string>> = {
  green: `${ESC}32m`,
  red: `${ESC}31m`,
  yellow: `${ESC}33m`,
};
const DIM = `${ESC}2m`;
const BOLD = `${ESC}1m`;
const RESET = `${ESC}0m`;
const LED_LETTER: Readonly<Record<LedName, string>> = { green: 'G', red: 'R', yellow: 'Y' };

/**
 * One line summarising a pattern: the LEDs it lights, the word, whose tap it was, and its beeps.
 * Without colour (a log file, NO_COLOR) each lit LED shows as its letter so the line still says which.
 */
export function renderSignalLine(name: PatternName, pattern: Pattern, color: boolean, who?: string): string {
  const lit = ledsOf(pattern);
  const dots = LED_NAMES.map((led) => {
    if (!lit.includes(led)) return color ? `${DIM}○${RESET}` : '·';
    return color ? `${LED_COLOUR[led]}●${RESET}` : LED_LETTER[led];
  }).join(' ');
  const label = SIGNAL_LABELS[name].padEnd(18);
  const beeps = beepsOf(pattern).map((ms) => (ms >= LONG_BEEP_MS ? 'long' : 'short'));
  const sound = beeps.length === 0 ? '' : `  beep: ${beeps.join(' ')}`;
  const word = color ? `${BOLD}${label}${RESET}` : label;
  const person = who === undefined ? '' : `  ${who}`;
  return `[${dots}] ${word}${person}${sound}`.trimEnd();
}
