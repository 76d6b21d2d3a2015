import { errorMessage } from '../error-message.js';
import type { CredentialsFor } from '../identity/credentials.js';
import type { Logger } from '../log.js';
import type { MocoClient, MocoCredentials, MocoUserClient } from '../moco/client.js';
import { isMocoError, type MocoError } from '../moco/errors.js';
import type { Presence } from '../moco/types.js';
import type { Booked, FinalOutcome, OpenPresence, Tap } from '../store/journal.js';
import type { DayViews } from './day-views.js';
import {
  dayAfter,
  effectOf,
  effectOfTouch,
  type Intent,
  planLate,
  planNightShift,
  stateAfterTouches,
  type TouchIntent,
  type WriteIntent,
  writeLanded,
} from './plan.js';

/** What one delivery attempt ended with; the courier turns it into journal state. */
export type AttemptResult =
  | {
      kind: 'delivered';
      outcome: Extract<FinalOutcome, 'clocked_in' | 'clocked_out' | 'locked'>;
      /** The presence it opened, closed or discarded, when MOCO said. */
      booked?: Booked | null;
      /** A touch: the minute MOCO booked it at, by MOCO's clock, which is the tap's minute from now on. */
      at?: { date: string; time: string };
      /** Delivered by a re-send after a touch given up on: look again once that touch cannot land any more. */
      resent?: boolean;
    }
  | {
      kind: 'failed';
      outcome: Extract<FinalOutcome, 'rejected' | 'locked' | 'error'>;
      reason: string;
      /** A request of this tap may still have landed: a retry reconciles first. */
      uncertain: boolean;
    }
  /** `uncertain`: a request of this tap may have taken effect; reconcile before sending again. */
  | {
      kind: 'transient';
      reason: string;
      uncertain: boolean;
      /** MOCO refused with 429: wait as it asks (`retryAfterMs`) or back off, and let nothing cut it short. */
      rateLimited?: boolean;
      retryAfterMs?: number;
      serverError?: boolean;
    }
  /** The tap must be written at its minute, and no clock can be trusted for that minute yet. */
  | { kind: 'hold' };

export interface AttemptDeps {
  client: MocoClient;
  /** The key (and for a Staff key, the user) the tap goes with, as the badge stands now. */
  credentialsFor: CredentialsFor;
  /** The direction of the lane's previous toggle that day, when MOCO did not say. */
  previousOutcome(tap: Tap): FinalOutcome | null;
  /** Waits for the rate limiter; called before every request to MOCO. */
  beforeRequest(): Promise<void>;
  /** Durably records what is about to be sent, before it is: a crash after sending reconciles. */
  markUncertain(intent: Intent): void;
  /** The tap with the minute it is to be written at, or 'hold' while no clock can tell that minute. */
  timed(tap: Tap): Tap | 'hold';
  /** Whether MOCO has answered in this run, so that its clock is known. */
  mocoClockKnown(): boolean;
  /** MOCO's local dates a touch sent at `sentAt` can have landed on, besides the tap's own. */
  mocoDatesOf(tap: Tap): string[];
  /** The night shift this tap ends (`scan.nightShift: split`): the person's presence open since yesterday. */
  nightShiftOf(tap: Tap): OpenPresence | null;
  days: DayViews;
  logger: Logger;
}

export interface AttemptOptions {
  /** The person is still at the door: a conflict is their answer, not an admin's problem. */
  live: boolean;
  /** A request of the tap may be out there (UncertainRequest), as the courier decided. */
  uncertain: boolean;
}

/** Where the attempt is: whether a request of the tap may be out there, and whether one is being sent. */
interface Progress {
  uncertain: boolean;
  sending: boolean;
}

type Delivered = Extract<AttemptResult, { kind: 'delivered' }>;

/**
 * One delivery attempt. A live tap (the person at the door, nothing older pending for them) is one
 * touch at MOCO's "now". Anything later is written explicitly at the tap's minute, because the one
 * field that would let a touch name its minute (`override`) means different things in different
 * sources. Before anything is sent again, a request that may have landed is looked for in MOCO.
 */
export async function attemptDelivery(
  tap: Tap,
  options: AttemptOptions,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  let credentials: MocoCredentials | null;
  try {
    credentials = deps.credentialsFor(tap);
  } catch (error) {
    return failed('error', `cannot read the badge's key: ${errorMessage(error)}`, tap.uncertain);
  }
  if (credentials === null) return failed('error', 'badge was removed before delivery', tap.uncertain);
  const user = deps.client.forKey(credentials.apiKey, { impersonateUserId: credentials.impersonateUserId });
  const progress: Progress = { uncertain: options.uncertain, sending: false };
  try {
    const shift = deps.nightShiftOf(tap);
    // A night shift's end is planned from where MOCO stands, step by step: nothing to look for.
    if (shift !== null) return await endNightShift(user, tap, shift, progress, deps);
    let original: Intent | null = null;
    if (progress.uncertain) {
      original = tap.intent ?? { op: 'touch' };
      const landed = await lookFor(user, tap, original, deps);
      if (landed !== null) return landed;
      progress.uncertain = false;
    }
    // The touch journaled with the tap, not sent yet (an intent is kept only while it is uncertain).
    if (options.live && !options.uncertain && tap.intent?.op === 'touch') {
      return await touch(user, tap, progress, deps);
    }
    // Before MOCO's first answer its clock is unknown: the read that plans the tap tells it.
    if (deps.mocoClockKnown() && deps.timed(tap) === 'hold') return { kind: 'hold' };
    const result = await writeLate(user, tap, progress, options.live, original, deps);
    return original?.op === 'touch' && result.kind === 'delivered' ? { ...result, resent: true } : result;
  } catch (error) {
    if (!isMocoError(error)) throw error;
    return classify(error, options.live, progress);
  }
}

/**
 * Whether the request that may be out there landed, as MOCO now shows: a write by what it was to
 * change, a touch by what it was to change as this kiosk knew the person's state (which needs
 * neither the kiosk's minute nor its date, both wrong on a Pi whose clock is off).
 */
export async function lookFor(
  user: MocoUserClient,
  tap: Tap,
  intent: Intent,
  deps: AttemptDeps,
): Promise<Delivered | null> {
  if (intent.op !== 'touch') {
    const day = await readDay(user, tap, tap.localDate, deps);
    if (!writeLanded(intent, day)) return null;
    return { kind: 'delivered', outcome: effectOf(intent), booked: bookedBy(intent, day) };
  }
  return touchLanded(user, tap, intent, deps);
}

async function touchLanded(
  user: MocoUserClient,
  tap: Tap,
  intent: TouchIntent,
  deps: AttemptDeps,
): Promise<Delivered | null> {
  if (typeof intent.closes === 'number') {
    const closes = intent.closes;
    await deps.beforeRequest();
    const presence = await user.getPresence(closes).catch((error: unknown) => {
      // Gone: closed within the minute it was opened, which MOCO discards.
      if (isMocoError(error) && error.code === 'not_found') return null;
      throw error;
    });
    if (presence !== null && presence.to === null) return null;
    if (presence === null) return { kind: 'delivered', outcome: 'clocked_out', booked: null };
    return touched(presence);
  }
  const day = await readDay(user, tap, tap.localDate, deps);
  if (intent.closes === undefined) {
    const effect = effectOfTouch(day, tap.localTime);
    return effect === null ? null : { kind: 'delivered', outcome: effect, booked: null };
  }
  let opened = day.find((p) => p.to === null);
  for (const date of deps.mocoDatesOf(tap)) {
    if (opened !== undefined || date === tap.localDate) continue;
    opened = (await readDay(user, tap, date, deps)).find((p) => p.to === null);
  }
  return opened === undefined ? null : touched(opened);
}

/** What a touch did, read off the presence it opened or closed. */
function touched(presence: Presence): Delivered {
  const closed = presence.to !== null;
  return {
    kind: 'delivered',
    outcome: closed ? 'clocked_out' : 'clocked_in',
    booked: booked(presence),
    at: { date: presence.date, time: presence.to ?? presence.from },
  };
}

async function touch(
  user: MocoUserClient,
  tap: Tap,
  progress: Progress,
  deps: AttemptDeps,
): Promise<Delivered> {
  await deps.beforeRequest();
  // A touch changes the day in a way only MOCO knows: a later tap must not be planned on the old view.
  deps.days.forget(tap.lane);
  progress.uncertain = true;
  progress.sending = true;
  const presence = await sent(() => user.touch());
  progress.sending = false;
  if (presence !== null && presence !== undefined) {
    return {
      kind: 'delivered',
      outcome: presence.to === null ? 'clocked_in' : 'clocked_out',
      booked: booked(presence),
    };
  }
  return directionFromDay(user, tap, deps);
}

/**
 * Plans the tap on what MOCO shows and writes it. A plan made on the courier's own view of the day
 * that MOCO refuses (the user changed the day meanwhile) is made again once on a fresh read; so is a
 * re-send refused because the request given up on landed after all.
 */
async function writeLate(
  user: MocoUserClient,
  tap: Tap,
  progress: Progress,
  live: boolean,
  original: Intent | null,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  let fresh = false;
  for (let round = 1; ; round += 1) {
    const found = await dayOfTap(user, tap, fresh, deps);
    if (found === 'hold') return { kind: 'hold' };
    const { day, cached } = found;
    const timed = found.tap;
    const plan = planLate(day, timed.localDate, timed.localTime);
    if (plan.kind === 'conflict') {
      deps.days.forget(timed.lane);
      return live ? { kind: 'delivered', outcome: 'locked' } : failed('locked', plan.reason, false);
    }
    try {
      const answer = await write(user, plan.intent, progress, deps);
      deps.days.set(timed.lane, timed.localDate, dayAfter(day, plan.intent, answer));
      const presence = answer === null ? bookedBy(plan.intent, day) : booked(answer);
      return { kind: 'delivered', outcome: plan.effect, booked: presence };
    } catch (error) {
      deps.days.forget(timed.lane);
      const unsure = cached || original !== null;
      if (round > 1 || !isMocoError(error) || !replannable(error, unsure)) throw error;
      progress.uncertain = false;
      progress.sending = false;
      if (original !== null) {
        const landed = await lookFor(user, timed, original, deps);
        if (landed !== null) return landed;
      }
      fresh = true;
    }
  }
}

/** The tap at its trusted minute, with MOCO's day of it: the courier's own view, or a fresh read. */
async function dayOfTap(
  user: MocoUserClient,
  tap: Tap,
  fresh: boolean,
  deps: AttemptDeps,
): Promise<{ tap: Tap; day: Presence[]; cached: boolean } | 'hold'> {
  const before = deps.timed(tap);
  const known = before === 'hold' ? tap : before;
  const view = fresh || before === 'hold' ? null : deps.days.get(known.lane, known.localDate);
  if (view !== null) return { tap: known, day: view, cached: true };
  let day = await readDay(user, known, known.localDate, deps);
  // The first answer of a run tells MOCO's clock, which may move the tap's minute, even its date.
  const timed = deps.timed(known);
  if (timed === 'hold') return 'hold';
  if (timed.localDate !== known.localDate) day = await readDay(user, timed, timed.localDate, deps);
  return { tap: timed, day, cached: false };
}

/** At most: close yesterday's part, book today's, and one step again after MOCO refused a stale plan. */
const SHIFT_STEPS = 4;

async function endNightShift(
  user: MocoUserClient,
  tap: Tap,
  shift: OpenPresence,
  progress: Progress,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  const timed = deps.timed(tap);
  if (timed === 'hold') return { kind: 'hold' };
  for (let step = 0; step < SHIFT_STEPS; step += 1) {
    progress.uncertain = false;
    const yesterday = await readDay(user, timed, shift.date, deps);
    const today = await readDay(user, timed, timed.localDate, deps);
    const plan = planNightShift({ id: shift.presenceId }, yesterday, today, timed.localDate, timed.localTime);
    if (plan.kind === 'done') {
      return {
        kind: 'delivered',
        outcome: 'clocked_out',
        booked: { id: shift.presenceId, date: shift.date, from: shift.from },
      };
    }
    if (plan.kind === 'conflict') return failed('locked', plan.reason, false);
    await write(user, plan.intent, progress, deps);
  }
  return failed(
    'error',
    `the night shift since ${shift.date} ${shift.from} did not come to an end in ${SHIFT_STEPS} steps`,
    false,
  );
}

/** A refusal a fresh look may resolve: the presence is gone, or the day was not what the plan assumed. */
function replannable(error: MocoError, unsure: boolean): boolean {
  return error.code === 'not_found' || (unsure && error.status === 422);
}

async function write(
  user: MocoUserClient,
  intent: WriteIntent,
  progress: Progress,
  deps: AttemptDeps,
): Promise<Presence | null> {
  await deps.beforeRequest();
  deps.markUncertain(intent);
  progress.uncertain = true;
  progress.sending = true;
  let answer: Presence | null | undefined;
  switch (intent.op) {
    case 'open':
      answer = await sent(() =>
        user.createPresence({
          date: intent.date,
          from: intent.from,
          ...(intent.to === undefined ? {} : { to: intent.to }),
        }),
      );
      break;
    case 'close':
      answer = await sent(() => user.updatePresence(intent.id, { to: intent.to }));
      break;
    case 'discard':
      await sent(() => user.deletePresence(intent.id));
      answer = null;
      break;
  }
  progress.sending = false;
  return answer ?? null;
}

/**
 * A 2xx whose body cannot be read still means MOCO applied the request: undefined stands for "done,
 * answer unknown", so the caller does not take it for a lost request and send it again.
 */
async function sent<T>(request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    const status = isMocoError(error) ? error.status : undefined;
    if (isMocoError(error) && error.code === 'protocol' && status !== undefined && status < 300) {
      return undefined;
    }
    throw error;
  }
}

async function readDay(user: MocoUserClient, tap: Tap, date: string, deps: AttemptDeps): Promise<Presence[]> {
  await deps.beforeRequest();
  const day = await user.listPresences({ from: date, to: date });
  if (date === tap.localDate) deps.days.set(tap.lane, date, day);
  return day;
}

/** Older MOCO servers answer touch with an empty body: read the day to learn the direction. */
async function directionFromDay(user: MocoUserClient, tap: Tap, deps: AttemptDeps): Promise<Delivered> {
  try {
    const day = await readDay(user, tap, tap.localDate, deps);
    const direction = effectOfTouch(day, tap.localTime) ?? stateAfterTouches(day);
    if (direction !== null) {
      const presence = day.find((p) => (direction === 'clocked_in' ? p.to === null : p.to === tap.localTime));
      return {
        kind: 'delivered',
        outcome: direction,
        booked: presence === undefined ? null : booked(presence),
      };
    }
  } catch (error) {
    deps.logger.warn(
      { tapId: tap.id, err: errorMessage(error) },
      'could not read the day after an empty touch answer',
    );
  }
  const outcome = deps.previousOutcome(tap) === 'clocked_in' ? 'clocked_out' : 'clocked_in';
  return { kind: 'delivered', outcome, booked: null };
}

function booked(presence: Presence): Booked {
  return { id: presence.id, date: presence.date, from: presence.from };
}

/** The presence a write changed, as the day before it showed it (an open has no id before MOCO's answer). */
function bookedBy(intent: WriteIntent, day: readonly Presence[]): Booked | null {
  const presence =
    intent.op === 'open' ? day.find((p) => p.from === intent.from) : day.find((p) => p.id === intent.id);
  return presence === undefined ? null : booked(presence);
}

function classify(error: MocoError, live: boolean, progress: Progress): AttemptResult {
  const reason = `${error.status === undefined ? '' : `${error.status} `}${error.code}: ${error.message}`;
  // An answer to the tap's own request settles whether it landed; a failed read leaves it as it was.
  const uncertain = progress.sending
    ? error.code === 'uncertain' || error.code === 'server' || error.code === 'protocol'
    : progress.uncertain;
  switch (error.code) {
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
      return failed('rejected', reason, uncertain);
    case 'invalid':
      // A write MOCO refuses with 422 conflicts with a presence ("range overlaps"), like a touch's 423.
      if (progress.sending && error.status === 422) return conflict(live, reason);
      return failed('rejected', reason, uncertain);
    case 'locked':
      return conflict(live, reason);
    case 'uncertain':
    case 'server':
    case 'protocol':
      return {
        kind: 'transient',
        reason,
        uncertain,
        serverError: progress.sending && error.code === 'server',
      };
    case 'rate_limited':
      return { kind: 'transient', reason, uncertain, rateLimited: true, retryAfterMs: error.retryAfterMs };
    case 'unreachable':
      return { kind: 'transient', reason, uncertain };
  }
}

function conflict(live: boolean, reason: string): AttemptResult {
  return live ? { kind: 'delivered', outcome: 'locked' } : failed('locked', reason, false);
}

function failed(
  outcome: Extract<FinalOutcome, 'rejected' | 'locked' | 'error'>,
  reason: string,
  uncertain: boolean,
): AttemptResult {
  return { kind: 'failed', outcome, reason, uncertain };
}
