import type { IdleState, Outcome } from '../outcome.js';

/**
 * What the person at the door sees and hears. `show` never blocks: a pattern plays in the
 * background, a new outcome interrupts it, and the idle state resumes after it.
 */
export interface Signals {
  /** `who`: the person the tap was for, where a driver can show a name (the demo's console). */
  show(outcome: Outcome, who?: string): void;
  setIdle(state: IdleState): void;
  /** Switches every output off and releases the hardware. */
  stop(): Promise<void>;
}
