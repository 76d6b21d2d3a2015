import type { Config } from '../config/index.js';
import type { Journal, OpenPresence } from '../store/journal.js';

/** The day before `date` (`YYYY-MM-DD`), by the calendar. */
export function dayBefore(date: string): string {
  const day = new Date(`${date}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
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
