import type { Courier } from './courier/courier.js';
import type { TapTiming } from './courier/time-trust.js';
import type { Gate } from './gate.js';
import type { Logger } from './log.js';
import type { Outcome } from './outcome.js';
import type { Uid } from './readers/uid.js';
import type { Signals } from './signals/signals.js';
import { type Journal, laneOf, type Tap } from './store/journal.js';
import type { Clock } from './time/clock.js';
import { localParts } from './time/local.js';

/** What the pipeline needs of a badge: who it is. The key stays in the store until delivery. */
export interface BadgeDirectory {
  find(
    uid: Uid,
  ): { uid: string; userId: number | null; userName: string | null; label?: string | null } | null;
  markSeen(uid: Uid, at: number): void;
}

export interface UnknownScanLog {
  record(uid: Uid, at: number): void;
}

export interface TapDeps {
  /** Normalises what the reader reported; null when it is not a usable UID. */
  normalize(raw: string): Uid | null;
  gate: Gate;
  badges: BadgeDirectory;
  unknownScans: UnknownScanLog;
  journal: Journal;
  courier: Courier;
  signals: Signals;
  timing(): TapTiming;
  clock: Clock;
  timeZone: string;
  logger: Logger;
}

/**
 * The way of one tap, top to bottom: gate, badge lookup, journal, courier, signal and exactly one
 * `scan` log line. Taps of different people run concurrently: nobody waits for the one before.
 */
export async function handleTap(raw: string, deps: TapDeps): Promise<Outcome | null> {
  const uid = deps.normalize(raw);
  if (uid === null) {
    deps.logger.warn({ raw }, 'unusable UID from the reader');
    return null;
  }
  if (deps.gate.debounced(uid)) return null;

  let tapId: number | undefined;
  let userId: number | undefined;
  let person: Person = {};
  let tap: Tap;
  try {
    const badge = deps.badges.find(uid);
    if (badge === null) {
      deps.unknownScans.record(uid, deps.clock.now());
      return finish(deps, 'unknown_badge', { uid });
    }
    userId = badge.userId ?? undefined;
    person = { userName: badge.userName ?? undefined, label: badge.label ?? undefined };
    const lane = laneOf({ uid, userId: badge.userId });
    if (deps.gate.repeated(lane)) return finish(deps, 'repeat_ignored', { uid, userId }, person);
    const timing = deps.timing();
    const { date, time } = localParts(timing.atMs, deps.timeZone);
    // Node issues a connect on its next tick: yielding once lets the handshake run in the kernel
    // while the commit's fsync blocks this thread. Only ticks and microtasks run here, no other read.
    if (deps.courier.warmUp()) await null;
    // Durable before anything else: no signal is given and no request sent for a tap not on disk.
    tap = deps.journal.append(
      { uid, userId: badge.userId, userName: badge.userName, localDate: date, localTime: time, ...timing },
      { uncertain: deps.courier.touchFor(lane, date) },
    );
    tapId = tap.id;
    deps.gate.accepted(lane, deps.clock.now());
  } catch (error) {
    deps.logger.error({ uid, tapId, err: error }, 'tap failed locally');
    return finish(deps, 'error', { uid, tapId, userId }, person);
  }
  const fields = { uid, tapId, userId };
  const outcome = await deps.courier.deliverLive(tap, (answer) => finish(deps, answer, fields, person));
  try {
    // After the answer: a last-seen time is not worth a delay at the door.
    deps.badges.markSeen(uid, deps.clock.now());
  } catch (error) {
    deps.logger.warn({ uid, err: error }, 'could not record when the badge was last seen');
  }
  return outcome;
}

/** Whose tap it was, as the badge says: MOCO's name for the person, the admin's label for the badge. */
interface Person {
  userName?: string;
  label?: string;
}

function finish(
  deps: TapDeps,
  outcome: Outcome,
  fields: { uid: string; tapId?: number; userId?: number },
  person: Person = {},
): Outcome {
  deps.signals.show(outcome, person.userName ?? person.label);
  deps.logger.info({ ...fields, userName: person.userName, outcome }, 'scan');
  return outcome;
}
