import type { Presence } from '../moco/types.js';

export type Effect = 'clocked_in' | 'clocked_out';

/**
 * Did a touch at `time` take effect? A touch either opened a presence at that minute or closed
 * one at that minute. The repeat guard keeps one user's taps minutes apart, so a minute names
 * one tap. Presences are those of the tap's date, of the tap's user.
 */
export function effectOfTouch(presences: readonly Presence[], time: string): Effect | null {
  if (presences.some((p) => p.to === time)) return 'clocked_out';
  if (presences.some((p) => p.from === time)) return 'clocked_in';
  return null;
}

/** Where MOCO did not say (an empty touch body) and no presence names the minute: the day's last state. */
export function stateAfterTouches(presences: readonly Presence[]): Effect | null {
  const last = [...presences].sort((a, b) => a.from.localeCompare(b.from)).at(-1);
  if (last === undefined) return null;
  return last.to === null ? 'clocked_in' : 'clocked_out';
}
