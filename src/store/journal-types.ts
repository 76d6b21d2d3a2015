import type { Effect, Intent } from '../courier/plan.js';
import type { Outcome } from '../outcome.js';

/**
 * What the tap journal holds: every accepted tap, committed durably before anything else happens
 * to it. `pending` taps wait for delivery, `delivered` ones are MOCO's business now (kept as an audit
 * trail), `failed` ones need an admin and never leave without `queue retry` or `queue drop`.
 */
export type TapState = 'pending' | 'delivered' | 'failed';

/** The outcomes a tap can end with once MOCO has answered (or refused) it. */
export type FinalOutcome = Extract<Outcome, 'clocked_in' | 'clocked_out' | 'locked' | 'rejected' | 'error'>;

export interface NewTap {
  uid: string;
  userId: number | null;
  userName: string | null;
  atMs: number;
  localDate: string;
  localTime: string;
  /** False when the kiosk clock was known not to be synchronised when the tap was taken. */
  clockSynced: boolean;
  /** Monotonic clock reading (ns) and boot id, so an unsynchronised tap's time can be fixed later. */
  monoNs: bigint | null;
  bootId: string | null;
}

export interface Tap extends NewTap {
  id: number;
  /** Taps of one lane (one MOCO user, or one badge where the user is unknown) go out strictly in order. */
  lane: string;
  state: TapState;
  outcome: FinalOutcome | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  /** A request may be out there (see UncertainRequest): reconcile with MOCO before sending it again. */
  uncertain: boolean;
  /** What the request that may have landed does in MOCO; null when none can be out there. */
  intent: Intent | null;
  /** When that request went out (ms epoch). */
  sentAt: number | null;
  /** 5xx answers to this tap while MOCO answered other requests: a malformed request fails after a few. */
  serverErrors: number;
  timeUncertain: boolean;
  deliveredAt: number | null;
  /** The presence the delivery opened, closed or discarded, when MOCO said which. */
  presenceId: number | null;
  /** When to look once more whether a request given up on landed after all (see Verification). */
  verifyAt: number | null;
  verify: Verification | null;
}

/** The presence a delivery opened, closed or discarded. */
export interface Booked {
  id: number;
  date: string;
  from: string;
}

/**
 * A tap delivered by a re-send after its first touch was given up on (not found in MOCO's day after
 * the settle time). Should that touch still land, MOCO would toggle once more; a look at the day
 * after another settle time finds and undoes that.
 */
export interface Verification {
  effect: Effect;
  booked: Booked;
  /** MOCO's minutes (of `booked.date`) in which the touch given up on could still land. */
  window: { from: string; to: string };
}

/** A presence this kiosk opened and has not seen closed. */
export interface OpenPresence {
  presenceId: number;
  lane: string;
  uid: string;
  userName: string | null;
  date: string;
  from: string;
  checkedAt: number;
}

export function laneOf(tap: Pick<NewTap, 'userId' | 'uid'>): string {
  return tap.userId === null ? `badge:${tap.uid}` : `user:${tap.userId}`;
}

/** The MOCO user of a lane `laneOf` made, or null for a lane of a badge without one. */
export function userOfLane(lane: string): number | null {
  const match = /^user:(\d+)$/.exec(lane);
  return match === null ? null : Number(match[1]);
}

export interface JournalCounts {
  pending: number;
  failed: number;
}
