/**
 * Local wall-clock time in an IANA time zone. MOCO speaks in local dates (`YYYY-MM-DD`) and minutes
 * (`HH:MM`) of the account's zone, while the daemon measures instants; these pure functions convert.
 */

export interface LocalParts {
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:MM`, 00:00 to 23:59 */
  time: string;
}

// Building an Intl.DateTimeFormat is costly and the instances are immutable, so one per zone is shared.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function numericParts(epochMs: number, timeZone: string): [number, number, number, number, number] {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return [values.year ?? 0, values.month ?? 0, values.day ?? 0, values.hour ?? 0, values.minute ?? 0];
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  const [year, month, day, hour, minute] = numericParts(epochMs, timeZone);
  return { date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`, time: `${pad(hour)}:${pad(minute)}` };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

export function isValidLocalDate(date: string): boolean {
  const match = DATE_RE.exec(date);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one.
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidLocalTime(time: string): boolean {
  const match = TIME_RE.exec(time);
  return match !== null && Number(match[1]) <= 23 && Number(match[2]) <= 59;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `YYYY-MM-DD HH:MM`: MOCO's touch `override` field, and how every command shows a local time. */
export function formatOverride(parts: LocalParts): string {
  return `${parts.date} ${parts.time}`;
}

export function parseOverride(value: string): LocalParts | null {
  const [date, time, ...rest] = value.split(' ');
  if (date === undefined || time === undefined || rest.length > 0) return null;
  return isValidLocalDate(date) && isValidLocalTime(time) ? { date, time } : null;
}
