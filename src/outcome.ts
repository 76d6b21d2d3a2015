/** Exactly one of these ends every tap that passed the debounce. */
export const OUTCOMES = [
  'clocked_in',
  'clocked_out',
  'queued',
  'locked',
  'unknown_badge',
  'repeat_ignored',
  'rejected',
  'error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the kiosk shows between taps. */
export const IDLE_STATES = ['online', 'offline', 'attention'] as const;
export type IdleState = (typeof IDLE_STATES)[number];

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value);
}
