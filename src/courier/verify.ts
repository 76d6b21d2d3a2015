import type { MocoUserClient } from '../moco/client.js';
import type { Presence } from '../moco/types.js';
import type { Booked, Tap, Verification } from '../store/journal.js';

export interface VerifyDeps {
  /** Waits for the rate limiter; called before every request to MOCO. */
  beforeRequest(): Promise<void>;
  /** Whether this kiosk still holds the presence as open (it has not closed it since). */
  keptOpen(presenceId: number): boolean;
  /** Whether this kiosk opened the presence. */
  openedHere(presenceId: number): boolean;
}

/** What a look after a re-send found: nothing wrong, or what it undid, with the presence the tap now stands for. */
export type VerifyResult = { repaired: null } | { repaired: string; booked?: Booked };

/**
 * A tap was delivered by a re-send after its first touch was given up on. Should that touch have
 * landed after all, MOCO toggled once more, in the window the touch could land in: a clock-in was
 * closed again, or a clock-out was followed by a presence nobody here opened. Undoes that, state by
 * state, so that a lost answer to a repair only means the next look repairs what is left.
 */
export async function verifyResend(user: MocoUserClient, tap: Tap, deps: VerifyDeps): Promise<VerifyResult> {
  const check = tap.verify as Verification;
  await deps.beforeRequest();
  const day = await user.listPresences({ from: check.booked.date, to: check.booked.date });
  return check.effect === 'clocked_in'
    ? keepOpen(user, check, day, deps)
    : undoStrayOpen(user, check, day, deps);
}

async function keepOpen(
  user: MocoUserClient,
  check: Verification,
  day: readonly Presence[],
  deps: VerifyDeps,
): Promise<VerifyResult> {
  const { booked, window } = check;
  const ours = day.find((p) => p.from === booked.from);
  if (ours !== undefined && (ours.to === null || !deps.keptOpen(booked.id) || !within(ours.to, window))) {
    return { repaired: null };
  }
  if (ours !== undefined) {
    // Closed in the window the lost touch could land in, while this kiosk still holds it open.
    await deps.beforeRequest();
    await user.deletePresence(ours.id);
  } else if (!deps.keptOpen(booked.id)) {
    return { repaired: null };
  }
  await deps.beforeRequest();
  const reopened = await user.createPresence({ date: booked.date, from: booked.from });
  return {
    repaired: `the clock-in at ${booked.from} was closed again by the touch given up on; opened again`,
    booked: { id: reopened.id, date: reopened.date, from: reopened.from },
  };
}

async function undoStrayOpen(
  user: MocoUserClient,
  check: Verification,
  day: readonly Presence[],
  deps: VerifyDeps,
): Promise<VerifyResult> {
  const stray = day.find((p) => p.to === null && within(p.from, check.window) && !deps.openedHere(p.id));
  if (stray === undefined) return { repaired: null };
  await deps.beforeRequest();
  await user.deletePresence(stray.id);
  return {
    repaired: `the touch given up on opened a presence at ${stray.from} after the clock-out; deleted it`,
  };
}

function within(time: string, window: Verification['window']): boolean {
  return time >= window.from && time <= window.to;
}
