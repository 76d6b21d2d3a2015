import type { IdleState, Outcome } from '../outcome.js';
import { LED_NAMES } from './config.js';
import type { Signals } from './signals.js';

export type LedName = (typeof LED_NAMES)[number];

export const OUTPUT_NAMES = [...LED_NAMES, 'buzzer'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** What is on for `ms` milliseconds; everything not named is off. */
export interface PatternStep {
  readonly led?: readonly LedName[];
  readonly buzzer?: boolean;
  readonly ms: number;
}

export type Pattern = readonly PatternStep[];

/** Outcomes play once; idle states loop. */
export type PatternName = Outcome | IdleState;
export type PatternSet = Readonly<Record<PatternName, Pattern>>;

/** The physical (or rendered) outputs a pattern player drives; `on` is the electrical level. */
export interface Outputs {
  set(name: OutputName, on: boolean): void;
  close(): Promise<void>;
}

/** What `createSignals` returns: the daemon's `Signals`, plus what installation tooling needs. */
export interface SignalsDriver extends Signals {
  /** The driver in use: `log` when gpio was configured but is not usable. */
  readonly kind: 'console' | 'gpio' | 'log' | 'none';
  /** The patterns in effect: defaults adapted to the LEDs present, with the overrides applied. */
  readonly patterns: PatternSet;
  /** Lights each LED and sounds the buzzer in turn; resolves when done or interrupted. */
  selfTest(): Promise<void>;
}
