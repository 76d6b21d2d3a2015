import type { Logger } from '../log.js';
import type { MocoClient, MocoUserClient } from '../moco/client.js';
import { isMocoError, type MocoError } from '../moco/errors.js';
import type { Presence } from '../moco/types.js';
import type { FinalOutcome, Tap } from '../store/journal.js';
import { formatOverride } from '../time/local.js';
import { effectOfTouch, stateAfterTouches } from './reconcile.js';

/** What one delivery attempt ended with; the courier turns it into journal state. */
export type AttemptResult =
  | { kind: 'delivered'; outcome: Extract<FinalOutcome, 'clocked_in' | 'clocked_out' | 'locked'> }
  | { kind: 'failed'; outcome: Extract<FinalOutcome, 'rejected' | 'locked' | 'error'>; reason: string }
  /** `uncertain`: a touch of this tap may have taken effect; reconcile before sending it again. */
  | { kind: 'transient'; reason: string; uncertain: boolean; retryAfterMs?: number };

export interface AttemptDeps {
  client: MocoClient;
  /** The badge's current key: an admin who fixed a key and ran `queue retry` is heard at once. */
  keyFor(uid: string): string | null;
  /** The direction of the lane's previous toggle that day, when MOCO did not say. */
  previousOutcome(tap: Tap): FinalOutcome | null;
  /** Waits for the rate limiter; called before every request to MOCO. */
  beforeRequest(): Promise<void>;
  /** Durably flags the tap uncertain before its touch is sent: a crash after sending reconciles. */
  markInFlight(): void;
  logger: Logger;
}

export interface AttemptOptions {
  /** The person is still at the door: a 423 is their answer, not an admin's problem. */
  live: boolean;
  /** False sends the touch without `override`, so MOCO's own clock decides the minute. */
  sendOverride: boolean;
  /** The tap was journaled by this process and never attempted: no touch for it can have been sent. */
  fresh: boolean;
}

export async function attemptDelivery(
  tap: Tap,
  options: AttemptOptions,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  let key: string | null;
  try {
    key = deps.keyFor(tap.uid);
  } catch (error) {
    return { kind: 'failed', outcome: 'error', reason: `cannot read the badge's key: ${describe(error)}` };
  }
  if (key === null) return { kind: 'failed', outcome: 'error', reason: 'badge was removed before delivery' };
  const user = deps.client.forKey(key);
  // Whether an earlier touch of this tap may have taken effect, as far as this attempt knows.
  let unresolved = tap.uncertain && !options.fresh;
  try {
    if (unresolved) {
      // touch is a toggle: sending it again after a lost answer could undo what it did.
      const effect = effectOfTouch(await dayOf(user, tap, deps), tap.localTime);
      if (effect !== null) return { kind: 'delivered', outcome: effect };
      unresolved = false;
    }
    await deps.beforeRequest();
    if (!tap.uncertain) deps.markInFlight();
    const override = options.sendOverride
      ? formatOverride({ date: tap.localDate, time: tap.localTime })
      : undefined;
    const presence = await user.touch({ override });
    if (presence !== null)
      return { kind: 'delivered', outcome: presence.to === null ? 'clocked_in' : 'clocked_out' };
    return { kind: 'delivered', outcome: await directionFromDay(user, tap, deps) };
  } catch (error) {
    if (!isMocoError(error)) throw error;
    return classify(error, options.live, unresolved);
  }
}

async function dayOf(user: MocoUserClient, tap: Tap, deps: AttemptDeps): Promise<Presence[]> {
  await deps.beforeRequest();
  return user.listPresences({ from: tap.localDate, to: tap.localDate });
}

/** Older MOCO servers answer touch with an empty body: read the day to learn the direction. */
async function directionFromDay(
  user: MocoUserClient,
  tap: Tap,
  deps: AttemptDeps,
): Promise<'clocked_in' | 'clocked_out'> {
  try {
    const day = await dayOf(user, tap, deps);
    const direction = effectOfTouch(day, tap.localTime) ?? stateAfterTouches(day);
    if (direction !== null) return direction;
  } catch (error) {
    deps.logger.warn(
      { tapId: tap.id, err: describe(error) },
      'could not read the day after an empty touch answer',
    );
  }
  return deps.previousOutcome(tap) === 'clocked_in' ? 'clocked_out' : 'clocked_in';
}

function classify(error: MocoError, live: boolean, unresolved: boolean): AttemptResult {
  const reason = `${error.status === undefined ? '' : `${error.status} `}${error.code}: ${error.message}`;
  switch (error.code) {
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'invalid':
      return { kind: 'failed', outcome: 'rejected', reason };
    case 'locked':
      return live ? { kind: 'delivered', outcome: 'locked' } : { kind: 'failed', outcome: 'locked', reason };
    // A 5xx or an unreadable answer may come after MOCO applied the touch; 429 and
    // `unreachable` prove it did not.
    case 'uncertain':
    case 'server':
    case 'protocol':
      return { kind: 'transient', reason, uncertain: true };
    case 'rate_limited':
      return { kind: 'transient', reason, uncertain: unresolved, retryAfterMs: error.retryAfterMs };
    case 'unreachable':
      return { kind: 'transient', reason, uncertain: unresolved };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
