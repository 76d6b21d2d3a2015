import { LED_NAMES } from './config.js';
import type { LedName, OutputName, Pattern, PatternName, PatternSet } from './types.js';

/** A beep at least this long reads as "long" to the ear and in the console rendering. */
export const LONG_BEEP_MS = 300;
const SHORT = 100;
const LONG = 600;

/**
 * The built-in patterns. Where no yellow LED is wired, green+red together stand in for
 * yellow, except for `locked`, which the spec keeps red: it blinks there instead, so that it
 * still differs from the steady red of `rejected`.
 */
export function defaultPatterns(hasYellow: boolean): PatternSet {
  const amber: LedName[] = hasYellow ? ['yellow'] : ['green', 'red'];
  const green: LedName[] = ['green'];
  const red: LedName[] = ['red'];
  const refused: Pattern = [
    { led: red, buzzer: true, ms: LONG },
    { led: red, ms: 2000 - LONG },
  ];
  const locked: Pattern = hasYellow
    ? [
        { led: ['red', 'yellow'], buzzer: true, ms: LONG },
        { led: ['red', 'yellow'], ms: 2000 - LONG },
      ]
    : [
        { led: red, buzzer: true, ms: LONG },
        { ms: 200 },
        { led: red, ms: 300 },
        { ms: 200 },
        { led: red, ms: 300 },
        { ms: 200 },
        { led: red, ms: 200 },
      ];
  return {
    clocked_in: [
      { led: green, buzzer: true, ms: SHORT },
      { led: green, ms: 1000 - SHORT },
    ],
    clocked_out: [
      { led: green, buzzer: true, ms: SHORT },
      { led: green, ms: 100 },
      { led: green, buzzer: true, ms: SHORT },
      { led: green, ms: 1000 - 3 * SHORT },
    ],
    queued: [
      { led: amber, buzzer: true, ms: SHORT },
      { led: amber, ms: 150 },
      { led: amber, buzzer: true, ms: LONG },
      { led: amber, ms: 1500 - 150 - SHORT - LONG },
    ],
    repeat_ignored: [{ led: green, ms: 200 }],
    locked,
    unknown_badge: [
      { led: red, buzzer: true, ms: SHORT },
      { led: red, ms: 100 },
      { led: red, buzzer: true, ms: SHORT },
      { led: red, ms: 100 },
      { led: red, buzzer: true, ms: SHORT },
      { led: red, ms: 1500 - 5 * SHORT },
    ],
    rejected: refused,
    error: refused,
    online: [{ ms: 1000 }],
    offline: [{ led: amber, ms: 100 }, { ms: 200 }, { led: amber, ms: 100 }, { ms: 2600 }],
    attention: [{ led: red, ms: 1000 }, { ms: 1000 }],
  };
}

/** The defaults for the LEDs present, with the configured overrides on top. */
export function resolvePatterns(
  overrides: Readonly<Partial<Record<PatternName, Pattern>>>,
  hasYellow: boolean,
): PatternSet {
  return { ...defaultPatterns(hasYellow), ...overrides };
}

export function patternDuration(pattern: Pattern): number {
  return pattern.reduce((sum, step) => sum + step.ms, 0);
}

/** The length of each beep: consecutive buzzer steps sound as one. */
export function beepsOf(pattern: Pattern): number[] {
  const beeps: number[] = [];
  let current = 0;
  for (const step of pattern) {
    if (step.buzzer) {
      current += step.ms;
    } else if (current > 0) {
      beeps.push(current);
      current = 0;
    }
  }
  if (current > 0) beeps.push(current);
  return beeps;
}

/** Every LED the pattern lights at some point, in panel order. */
export function ledsOf(pattern: Pattern): LedName[] {
  return LED_NAMES.filter((led) => pattern.some((step) => step.led?.includes(led)));
}

/** Each present LED, then the buzzer, briefly and in turn, so an installer sees every output work. */
export function selfTestPattern(present: readonly OutputName[]): Pattern {
  const steps: { led?: LedName[]; buzzer?: boolean; ms: number }[] = [];
  for (const led of LED_NAMES) {
    if (present.includes(led)) steps.push({ led: [led], ms: 300 }, { ms: 100 });
  }
  if (present.includes('buzzer')) steps.push({ buzzer: true, ms: SHORT }, { ms: 100 });
  return steps;
}
