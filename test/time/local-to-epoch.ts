import { isValidLocalDate, isValidLocalTime, localParts } from '../../src/time/local.js';

/**
 * Tests name their instants by a zone's wall clock; the daemon only ever goes the other way, so
 * this inverse of `localParts` lives with the tests.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Milliseconds the zone is ahead of UTC at `epochMs`, at minute precision. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const [year, month, day, hour, minute] = numeric(epochMs, timeZone);
  const floored = Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
  return Date.UTC(year, month - 1, day, hour, minute) - floored;
}

/**
 * The instant at which the zone's wall clock shows `date time`.
 *
 * Like Temporal's "compatible" disambiguation: a minute skipped by a spring-forward gap is read with
 * the offset in force before the gap, which lands the same distance after it (02:30 on a Berlin
 * spring-forward day becomes 03:30 CEST); a minute that occurs twice at fall-back gives the first
 * occurrence (the earlier instant, still in summer time). Throws RangeError on a malformed date or time.
 */
export function localToEpoch(date: string, time: string, timeZone: string): number {
  if (!isValidLocalDate(date) || !isValidLocalTime(time)) {
    throw new RangeError(`not a local date and time: "${date} ${time}"`);
  }
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets change at most once within a day in every real zone, so the offsets a day before and a day
  // after are the only candidates.
  const candidates = [
    asUtc - zoneOffsetMs(asUtc - DAY_MS, timeZone),
    asUtc - zoneOffsetMs(asUtc + DAY_MS, timeZone),
  ];
  const matching = candidates.filter((epoch) => {
    const parts = localParts(epoch, timeZone);
    return parts.date === date && parts.time === time;
  });
  return matching.length > 0 ? Math.min(...matching) : Math.max(...candidates);
}

function numeric(epochMs: number, timeZone: string): [number, number, number, number, number] {
  const { date, time } = localParts(epochMs, timeZone);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return [year, month, day, hour, minute];
}
