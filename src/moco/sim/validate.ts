import { isValidLocalDate, isValidLocalTime } from '../../time/local.js';

/** A presence's fields after validation. */
export interface PresenceFields {
  date: string;
  from: string;
  to: string | null;
  is_home_office: boolean;
}

/** Rails-style field errors, the shape of MOCO's 422 bodies: `{"from":["range overlaps"]}`. */
export type FieldErrors = Record<string, string[]>;

/**
 * `malformed`: a time that is not `HH:MM`, which MOCO answers with 500, not 422 (live probe,
 * error-500-malformed-time-probe.json: `from: "8"`).
 */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; malformed: boolean };

const BLANK = "can't be blank";
const INVALID = 'is invalid';

function addError(errors: FieldErrors, field: string, message: string): void {
  const list = errors[field] ?? [];
  list.push(message);
  errors[field] = list;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a create (no `base`) or an update (`base` = the stored presence, fields absent from the body
 * keep their value). `to` may be null or '' to leave the presence open.
 */
export function validatePresence(body: unknown, base?: PresenceFields): Validated<PresenceFields> {
  const input = isRecord(body) ? body : {};
  const errors: FieldErrors = {};
  const pick = (field: keyof PresenceFields): unknown => (field in input ? input[field] : base?.[field]);

  const date = pick('date');
  if (isBlank(date)) addError(errors, 'date', BLANK);
  else if (typeof date !== 'string' || !isValidLocalDate(date)) addError(errors, 'date', INVALID);

  const from = pick('from');
  if (isBlank(from)) addError(errors, 'from', BLANK);
  else if (typeof from !== 'string' || !isValidLocalTime(from)) addError(errors, 'from', INVALID);

  const rawTo = pick('to');
  const to = isBlank(rawTo) ? null : rawTo;
  if (to !== null && (typeof to !== 'string' || !isValidLocalTime(to))) addError(errors, 'to', INVALID);
  else if (to !== null && typeof from === 'string' && to <= from)
    addError(errors, 'to', 'must be after from');

  const homeOffice = pick('is_home_office') ?? false;
  if (typeof homeOffice !== 'boolean') addError(errors, 'is_home_office', INVALID);

  const malformed = [from, to].some((time) => typeof time === 'string' && !isValidLocalTime(time));
  if (Object.keys(errors).length > 0) return { ok: false, errors, malformed };
  return {
    ok: true,
    value: {
      date: date as string,
      from: from as string,
      to: to as string | null,
      is_home_office: homeOffice as boolean,
    },
  };
}
