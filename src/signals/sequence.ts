import { IDLE_STATES, isOutcome, OUTCOMES } from '../outcome.js';
import { patternDuration } from './patterns.js';
import type { PatternName, SignalsDriver } from './types.js';

export const PATTERN_NAMES: readonly PatternName[] = [...OUTCOMES, ...IDLE_STATES];

export function isPatternName(value: string): value is PatternName {
  return (PATTERN_NAMES as readonly string[]).includes(value);
}

/** A pause after each outcome, so that one pattern is not mistaken for the next. */
const GAP_MS = 700;
/** Idle patterns loop; show at least two rounds so their rhythm is visible. */
const MIN_IDLE_MS = 3000;

export interface SequenceOptions {
  /** Waits the given milliseconds; real time in the command, instant in tests. */
  wait: (ms: number) => Promise<void>;
  /** Announces each pattern before it plays. */
  announce: (name: PatternName | 'self-test') => void;
}

/**
 * Plays the named patterns one after another, each to its end, for an installer watching
 * the LEDs. Playing all of them starts with the self-test. Ends on the online idle state.
 */
export async function playSequence(
  signals: SignalsDriver,
  names: readonly PatternName[],
  options: SequenceOptions,
): Promise<void> {
  if (names.length === PATTERN_NAMES.length) {
    options.announce('self-test');
    await signals.selfTest();
    await options.wait(GAP_MS);
  }
  for (const name of names) {
    options.announce(name);
    const duration = patternDuration(signals.patterns[name]);
    if (isOutcome(name)) {
      signals.show(name);
      await options.wait(duration + GAP_MS);
    } else {
      signals.setIdle(name);
      await options.wait(Math.max(2 * duration, MIN_IDLE_MS));
    }
  }
  signals.setIdle('online');
}
