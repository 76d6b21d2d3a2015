import type { Config } from '../config/index.js';
import type { CredentialsFor } from '../identity/credentials.js';
import type { Logger } from '../log.js';
import type { MocoClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import { type Journal, type OpenPresence, userOfLane } from '../store/journal.js';
import { localParts } from '../time/local.js';

/** The day before `date` (`YYYY-MM-DD`), by the calendar. */
export function dayBefore(date: string): string {
  const day = new Date(`${date}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

/**
 * MOCO's date at `now`, by MOCO's clock where its offset is known (from the `Date` of its last
 * answer): a kiosk whose clock is days off would otherwise see every presence as forgotten, or none.
 */
export function mocoToday(now: number, mocoOffsetMs: number | null | undefined, timeZone: string): string {
  return localParts(now + (mocoOffsetMs ?? 0), timeZone).date;
}

/**
 * Presences this kiosk opened on an earlier date and has not seen closed: forgotten clock-outs that
 * an admin should look at. With `nightShift: split`, one opened yesterday is a night shift still
 * running and not yet forgotten.
 */
export function forgottenClockOuts(
  journal: Pick<Journal, 'openBefore'>,
  config: { scan: Pick<Config['scan'], 'nightShift'> },
  today: string,
): OpenPresence[] {
  return journal.openBefore(config.scan.nightShift === 'split' ? dayBefore(today) : today);
}

/** How often one forgotten clock-out is looked up in MOCO again. */
export const RECHECK_MS = 60 * 60_000;

export interface RecheckDeps {
  journal: Pick<Journal, 'openBefore' | 'forgetOpen' | 'markOpenChecked'>;
  config: { scan: Pick<Config['scan'], 'nightShift'> };
  client: MocoClient;
  credentialsFor: CredentialsFor;
  /** Waits for the rate limiter, below every tap. */
  beforeRequest(): Promise<void>;
  now(): number;
  today(): string;
  logger: Logger;
}

/**
 * Forgotten clock-outs stay on the kiosk's list (and its idle state at `attention`) until MOCO shows
 * them closed or deleted, which is how an admin mends them: in MOCO, or on the web page. Each is
 * looked up at most once an hour, one request each. Returns whether any was mended.
 */
export async function recheckForgotten(deps: RecheckDeps): Promise<boolean> {
  let mended = false;
  for (const open of forgottenClockOuts(deps.journal, deps.config, deps.today())) {
    if (deps.now() - open.checkedAt < RECHECK_MS) continue;
    const credentials = deps.credentialsFor({ uid: open.uid, userId: userOfLane(open.lane) });
    if (credentials === null) continue;
    await deps.beforeRequest();
    try {
      const user = deps.client.forKey(credentials.apiKey, {
        impersonateUserId: credentials.impersonateUserId,
      });
      const presence = await user.getPresence(open.presenceId);
      if (presence.to === null) {
        deps.journal.markOpenChecked(open.presenceId, deps.now());
        continue;
      }
    } catch (error) {
      if (!isMocoError(error) || error.code !== 'not_found') {
        deps.logger.debug(
          { presenceId: open.presenceId, err: error },
          'could not look up a forgotten clock-out',
        );
        continue;
      }
    }
    deps.journal.forgetOpen(open.presenceId);
    deps.logger.info(
      { presenceId: open.presenceId, uid: open.uid, date: open.date },
      'forgotten clock-out mended in MOCO',
    );
    mended = true;
  }
  return mended;
}
