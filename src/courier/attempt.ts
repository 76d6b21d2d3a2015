import type { CredentialsFor } from '../identity/credentials.js';
import type { Logger } from '../log.js';
import type { MocoClient, MocoCredentials, MocoUserClient } from '../moco/client.js';
import { isMocoError, type MocoError } from '../moco/errors.js';
import type { Presence } from '../moco/types.js';
import type { FinalOutcome, Tap } from '../store/journal.js';
import type { DayViews } from './day-views.js';
import {
  dayAfter,
  type Effect,
  effectOf,
  effectOfTouch,
  type Intent,
  planLate,
  stateAfterTouches,
  type WriteIntent,
  writeLanded,
} from './plan.js';

/** What one delivery attempt ended with; the courier turns it into journal state. */
export type AttemptResult =
  | { kind: 'delivered'; outcome: Extract<FinalOutcome, 'clocked_in' | 'clocked_out' | 'locked'> }
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
    };

export interface AttemptDeps {
  client: MocoClient;
  /** The key (and for a Staff key, the user) the tap goes with, as the badge stands now. */
  credentialsFor: CredentialsFor;
  /** The direction of the lane's previous toggle that day, when MOCO did not say. */
  previousOutcome(tap: Tap): FinalOutcome | null;
  /** Waits for the rate limiter; called before every request to MOCO. */
  beforeRequest(): Promise<void>;
  /** Durably records what is about to be sent, before it is: a crash after sending reconciles. */
  markSending(intent: Intent): void;
  days: DayViews;
  logger: Logger;
}

export interface AttemptOptions {
  /** The person is still at the door: a conflict is their answer, not an admin's problem. */
  live: boolean;
  /** The tap was journaled by this process and never attempted: no request for it can have been sent. */
  fresh: boolean;
}

/** Where the attempt is: whether a request of the tap may be out there, and whether one is being sent. */
interface Progress {
  outThere: boolean;
  sending: boolean;
}

/**
 * One delivery attempt. A live tap (the person at the door, nothing older pending for them) is one
 * touch at MOCO's "now". Anything later is written explicitly at the tap's minute, because the one
 * field that would let a touch name its minute (`override`) means different things in different
 * sources. Before anything is sent again, a request that may have landed is looked for in MOCO's day.
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
    return failed('error', `cannot read the badge's key: ${describe(error)}`, tap.uncertain);
  }
  if (credentials === null) return failed('error', 'badge was removed before delivery', tap.uncertain);
  const user = deps.client.forKey(credentials.apiKey, { impersonateUserId: credentials.impersonateUserId });
  const progress: Progress = { outThere: tap.uncertain && !options.fresh, sending: false };
  try {
    let day: Presence[] | null = null;
    if (progress.outThere) {
      day = await readDay(user, tap, deps);
      const landed = landedEffect(tap, day);
      if (landed !== null) return { kind: 'delivered', outcome: landed };
      progress.outThere = false;
    }
    if (options.live && options.fresh && tap.intent?.op === 'touch') {
      return { kind: 'delivered', outcome: await touch(user, tap, progress, deps) };
    }
    return await writeLate(user, tap, day, progress, options.live, deps);
  } catch (error) {
    if (!isMocoError(error)) throw error;
    return classify(error, options.live, progress);
  }
}

/** What MOCO's day shows of the request that may have landed, or null when it did not. */
function landedEffect(tap: Tap, day: readonly Presence[]): Effect | null {
  const intent = tap.intent ?? { op: 'touch' };
  if (intent.op === 'touch') return effectOfTouch(day, tap.localTime);
  return writeLanded(intent, day) ? effectOf(intent) : null;
}

async function touch(user: MocoUserClient, tap: Tap, progress: Progress, deps: AttemptDeps): Promise<Effect> {
  await deps.beforeRequest();
  progress.outThere = true;
  progress.sending = true;
  const presence = await sent(() => user.touch());
  progress.sending = false;
  if (presence !== null && presence !== undefined) return presence.to === null ? 'clocked_in' : 'clocked_out';
  return directionFromDay(user, tap, deps);
}

/**
 * Plans the tap on what MOCO shows and writes it. A plan made on the courier's own view of the day
 * that MOCO refuses (the user changed the day meanwhile) is made again once on a fresh read.
 */
async function writeLate(
  user: MocoUserClient,
  tap: Tap,
  known: Presence[] | null,
  progress: Progress,
  live: boolean,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  let fresh = known;
  for (let round = 1; ; round += 1) {
    const cached = fresh === null ? deps.days.get(tap.lane, tap.localDate) : null;
    const day = fresh ?? cached ?? (await readDay(user, tap, deps));
    fresh = null;
    const plan = planLate(day, tap.localDate, tap.localTime);
    if (plan.kind === 'conflict') {
      deps.days.forget(tap.lane);
      return live ? { kind: 'delivered', outcome: 'locked' } : failed('locked', plan.reason, false);
    }
    try {
      const answer = await write(user, plan.intent, progress, deps);
      deps.days.set(tap.lane, tap.localDate, dayAfter(day, plan.intent, answer));
      return { kind: 'delivered', outcome: plan.effect };
    } catch (error) {
      deps.days.forget(tap.lane);
      if (round === 1 && isMocoError(error) && replannable(error, cached !== null)) {
        progress.outThere = false;
        progress.sending = false;
        continue;
      }
      throw error;
    }
  }
}

/** A refusal that a fresh read may resolve: the presence is gone, or a stale view caused a conflict. */
function replannable(error: MocoError, fromView: boolean): boolean {
  return error.code === 'not_found' || (fromView && error.status === 422);
}

async function write(
  user: MocoUserClient,
  intent: WriteIntent,
  progress: Progress,
  deps: AttemptDeps,
): Promise<Presence | null> {
  await deps.beforeRequest();
  deps.markSending(intent);
  progress.outThere = true;
  progress.sending = true;
  let answer: Presence | null | undefined;
  switch (intent.op) {
    case 'open':
      answer = await sent(() => user.createPresence({ date: intent.date, from: intent.from }));
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

async function readDay(user: MocoUserClient, tap: Tap, deps: AttemptDeps): Promise<Presence[]> {
  await deps.beforeRequest();
  const day = await user.listPresences({ from: tap.localDate, to: tap.localDate });
  deps.days.set(tap.lane, tap.localDate, day);
  return day;
}

/** Older MOCO servers answer touch with an empty body: read the day to learn the direction. */
async function directionFromDay(user: MocoUserClient, tap: Tap, deps: AttemptDeps): Promise<Effect> {
  try {
    const day = await readDay(user, tap, deps);
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

function classify(error: MocoError, live: boolean, progress: Progress): AttemptResult {
  const reason = `${error.status === undefined ? '' : `${error.status} `}${error.code}: ${error.message}`;
  // An answer to the tap's own request settles whether it landed; a failed read leaves it as it was.
  const uncertain = progress.sending
    ? error.code === 'uncertain' || error.code === 'server' || error.code === 'protocol'
    : progress.outThere;
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
