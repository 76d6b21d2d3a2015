import type { Config } from '../config/index.js';
import { forgottenClockOuts, mocoToday } from '../courier/open-presences.js';
import { explainTapFailure, FORGOTTEN_CLOCK_OUT, type TapFailure } from '../failures/explain.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { storedUid } from '../readers/uid.js';
import type { BadgeStore } from '../store/badges.js';
import type { Journal, OpenPresence } from '../store/journal.js';
import type { DaemonStatus } from '../store/status.js';
import { formatOverride } from '../time/local.js';

/**
 * What `status` and `queue list` both say about the kiosk's taps and people: whose a tap or a
 * presence is, what a stored failure means, and the presences left open on an earlier date.
 */

/** The person as the kiosk knows them: MOCO's name, else the badge's label, else nobody. */
export interface Who {
  userName: string | null;
  label: string | null;
}

/** Looks up badge labels once per UID: a table of thousands of taps has a handful of people. */
export function labelsOf(badges: Pick<BadgeStore, 'identify'>): (uid: string) => string | null {
  const known = new Map<string, string | null>();
  return (uid) => {
    if (!known.has(uid)) known.set(uid, badges.identify(storedUid(uid))?.label ?? null);
    return known.get(uid) ?? null;
  };
}

/** `Anna Schmidt`, `Anna's fob` (a badge not verified with MOCO), or null. */
export function nameOf(who: Who): string | null {
  return who.userName ?? who.label;
}

/** A tap's stored failure, in the words of failures/explain. */
export function explainFailure(reason: string | null, config: Pick<Config, 'moco'>): TapFailure {
  return explainTapFailure(reason, { baseUrl: mocoBaseUrl(config.moco) });
}

export function failureText(failure: Pick<TapFailure, 'meaning' | 'action'>): string {
  return `${failure.meaning}: ${failure.action}`;
}

export interface OpenEarlier {
  presenceId: number;
  uid: string;
  userName: string | null;
  label: string | null;
  date: string;
  from: string;
}

/**
 * Presences this kiosk opened before today and has not seen closed (forgotten clock-outs). Today is
 * MOCO's date where the daemon has seen MOCO's clock: a kiosk whose clock is days off would
 * otherwise see every presence as forgotten, or none.
 */
export function openEarlier(
  journal: Pick<Journal, 'openBefore'>,
  labelOf: (uid: string) => string | null,
  config: Pick<Config, 'scan' | 'timezone'>,
  heartbeat: Pick<DaemonStatus, 'mocoClockOffsetMs'> | null,
  now: number,
): OpenEarlier[] {
  const today = mocoToday(now, heartbeat?.mocoClockOffsetMs, config.timezone);
  return forgottenClockOuts(journal, config, today).map((open: OpenPresence) => ({
    presenceId: open.presenceId,
    uid: open.uid,
    userName: open.userName,
    label: labelOf(open.uid),
    date: open.date,
    from: open.from,
  }));
}

/** `Anna Schmidt (badge 0A00B1C201): open since 2026-11-30 08:00`. */
export function openEarlierLine(open: OpenEarlier): string {
  const name = nameOf(open);
  const badge = name === null ? `badge ${open.uid}` : `${name} (badge ${open.uid})`;
  return `${badge}: open since ${formatOverride({ date: open.date, time: open.from })}`;
}

/** `1 presence left open since an earlier date (...): what to do`, above the list of them. */
export function openEarlierSummary(count: number): string {
  const presences = count === 1 ? '1 presence' : `${count} presences`;
  return `${presences} ${FORGOTTEN_CLOCK_OUT.meaning}: ${FORGOTTEN_CLOCK_OUT.action}`;
}
