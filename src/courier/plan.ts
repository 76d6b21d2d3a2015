import type { Presence } from '../moco/types.js';

/**
 * What a request of a tap does in MOCO, recorded in the journal before the request goes out, so
 * that after a lost answer (or a crash) the courier can tell from MOCO's day whether it landed.
 *
 * - `touch`: the live tap's `POST /users/presences/touch`, at MOCO's own "now".
 * - `open`: `POST /users/presences` with `date` and `from` (no `to`): a clock-in at the tap's minute.
 * - `close`: `PUT /users/presences/{id}` with `to`: a clock-out at the tap's minute.
 * - `discard`: `DELETE /users/presences/{id}` of a presence opened in the tap's own minute: MOCO's rule
 *   is that a presence started and stopped within one minute does not exist.
 */
export type Intent =
  | TouchIntent
  | { op: 'open'; date: string; from: string; to?: string }
  | { op: 'close'; id: number; to: string }
  | { op: 'discard'; id: number };

/**
 * What a live touch will do, known from what this kiosk booked before: close the open presence
 * `closes`, or (null) open one. Absent in touches journaled by an older version: those are looked
 * for by the tap's minute.
 */
export interface TouchIntent {
  op: 'touch';
  closes?: number | null;
}

export type WriteIntent = Exclude<Intent, TouchIntent>;

export type Effect = 'clocked_in' | 'clocked_out';

/** A conflict's reason starts with `locked:`, the code it is explained by (src/failures/explain.ts). */
export type LatePlan =
  | { kind: 'write'; intent: WriteIntent; effect: Effect }
  | { kind: 'conflict'; reason: string };

/**
 * A late tap as explicit writes, with the meaning touch would have had at the tap's minute: close the
 * presence that is open and started before it, or open one. A presence that opened after the tap's
 * minute cannot be told apart from a forgotten one, so it is left to an admin.
 */
export function planLate(day: readonly Presence[], date: string, time: string): LatePlan {
  const open = day.filter((p) => p.to === null);
  if (open.length > 1) {
    return { kind: 'conflict', reason: `locked: MOCO shows ${open.length} open presences on ${date}` };
  }
  const current = open[0];
  if (current === undefined) {
    // MOCO refuses an open presence that overlaps a closed one ("range overlaps"): said here, so that
    // an answer lost on the way cannot make the closed one look like this tap's.
    const covering = day.find((p) => p.to !== null && p.from <= time && time < p.to);
    if (covering !== undefined) {
      return {
        kind: 'conflict',
        reason: `locked: the presence ${covering.from}-${covering.to} on ${date} covers this tap at ${time}`,
      };
    }
    return { kind: 'write', intent: { op: 'open', date, from: time }, effect: 'clocked_in' };
  }
  if (current.from < time) {
    return { kind: 'write', intent: { op: 'close', id: current.id, to: time }, effect: 'clocked_out' };
  }
  if (current.from === time) {
    return { kind: 'write', intent: { op: 'discard', id: current.id }, effect: 'clocked_out' };
  }
  return {
    kind: 'conflict',
    reason: `locked: a presence open since ${current.from} on ${date} started after this tap at ${time}`,
  };
}

export const effectOf = (intent: WriteIntent): Effect =>
  intent.op === 'open' && intent.to === undefined ? 'clocked_in' : 'clocked_out';

/** The next step of a night shift's end, or done, or a day that is not what the steps left. */
export type ShiftStep =
  | { kind: 'write'; intent: WriteIntent }
  | { kind: 'done' }
  | { kind: 'conflict'; reason: string };

const FIRST_MINUTE = '00:00';
const LAST_MINUTE = '23:59';

/**
 * A tap that ends a night shift (`scan.nightShift: split`): the presence opened yesterday is closed
 * at 23:59 of its date (deleted if it began at 23:59, which MOCO would discard), today's part is
 * booked from 00:00 to the tap's minute. Planned from what MOCO shows, step by step, so a step whose
 * answer was lost or a crash between steps goes on where MOCO stands.
 */
export function planNightShift(
  shift: { id: number },
  yesterday: readonly Presence[],
  today: readonly Presence[],
  date: string,
  time: string,
): ShiftStep {
  const open = yesterday.find((p) => p.id === shift.id && p.to === null);
  if (open !== undefined) {
    const intent: WriteIntent =
      open.from === LAST_MINUTE
        ? { op: 'discard', id: open.id }
        : { op: 'close', id: open.id, to: LAST_MINUTE };
    return { kind: 'write', intent };
  }
  if (time === FIRST_MINUTE) return { kind: 'done' };
  const part = today.find((p) => p.from === FIRST_MINUTE);
  if (part === undefined)
    return { kind: 'write', intent: { op: 'open', date, from: FIRST_MINUTE, to: time } };
  if (part.to === null) return { kind: 'write', intent: { op: 'close', id: part.id, to: time } };
  if (part.to === time) return { kind: 'done' };
  return {
    kind: 'conflict',
    reason: `locked: today's part of the night shift already ends at ${part.to}, not ${time}`,
  };
}

/**
 * Whether a write that may have gone out is what MOCO now shows; false means it did not land and
 * the tap can be planned afresh. Presences are those of the intent's date, of the tap's user.
 */
export function writeLanded(intent: WriteIntent, day: readonly Presence[]): boolean {
  switch (intent.op) {
    case 'open':
      return day.some((p) => p.from === intent.from && (intent.to === undefined || p.to === intent.to));
    case 'close':
      return day.some((p) => p.id === intent.id && p.to === intent.to);
    case 'discard':
      return !day.some((p) => p.id === intent.id);
  }
}

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

/**
 * The day as it is after a write MOCO confirmed, so the next tap of the lane need not read it again;
 * null when the answer does not say enough (the next tap reads the day).
 */
export function dayAfter(
  day: readonly Presence[],
  intent: WriteIntent,
  answer: Presence | null,
): Presence[] | null {
  if (intent.op === 'discard') return day.filter((p) => p.id !== intent.id);
  if (answer === null) return null;
  return [...day.filter((p) => p.id !== answer.id), answer];
}
