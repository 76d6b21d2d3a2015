import { nameOf } from '../identity/users.js';
import type { MocoUser } from '../moco/types.js';
import { normalizeBadgeUid } from '../store/badges.js';
import type { DirectoryUser } from '../store/moco-badges.js';

/**
 * The badge field on a MOCO user: custom field values are strings (a MultiSelect field's is an
 * array of strings; custom-property-get-200-documented.json). One value may hold several UIDs,
 * separated by commas, semicolons or white space, as an admin types them.
 */

const SEPARATORS = /[\s,;]+/;

export interface BadgeField {
  /** Normalised, each once, in the order they appear. */
  uids: string[];
  /** Entries that are no UID, as typed: shown by `doctor` so a typo does not go unnoticed. */
  invalid: string[];
}

function entries(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : [value];
  return parts
    .filter((part): part is string => typeof part === 'string')
    .flatMap((part) => part.split(SEPARATORS))
    .filter((entry) => entry !== '');
}

/** The UIDs in a field value; anything that is not a string holds none. */
export function readBadgeField(value: unknown, normalize: (raw: string) => string | null): BadgeField {
  const uids: string[] = [];
  const invalid: string[] = [];
  for (const entry of entries(value)) {
    const uid = checked(normalize(entry));
    if (uid === null) invalid.push(entry);
    else if (!uids.includes(uid)) uids.push(uid);
  }
  return { uids, invalid };
}

/** What the badge store would accept: the same rule for UIDs from MOCO as for UIDs typed at the CLI. */
function checked(uid: string | null): string | null {
  if (uid === null) return null;
  try {
    return normalizeBadgeUid(uid);
  } catch {
    return null;
  }
}

/**
 * The field value with `uid` added and every other entry kept as the admin typed it: a string
 * joined with ", ", or for a MultiSelect field an array with one more element.
 */
export function addToBadgeField(value: unknown, uid: string): string | string[] {
  if (Array.isArray(value)) return [...value.filter((v): v is string => typeof v === 'string'), uid];
  return [...entries(value), uid].join(', ');
}

/** A user as the kiosk's copy keeps it: the name, and what the badge field holds. */
export function directoryEntry(
  user: MocoUser,
  field: string,
  normalize: (raw: string) => string | null,
): DirectoryUser {
  const { uids, invalid } = readBadgeField(user.custom_properties[field], normalize);
  return {
    id: user.id,
    name: nameOf(user),
    email: user.email ?? null,
    hasField: Object.hasOwn(user.custom_properties, field),
    uids,
    invalid,
    updatedAt: user.updated_at,
  };
}

/**
 * Names of custom fields that are the configured one but for case or spaces (`badge` for `Badge`):
 * MOCO keys the values by the exact name, so such a typo reads as "nobody has a badge".
 */
export function similarFieldNames(users: readonly MocoUser[], field: string): string[] {
  const wanted = field.trim().toLowerCase();
  const names = new Set<string>();
  for (const user of users) {
    for (const name of Object.keys(user.custom_properties)) {
      if (name !== field && name.trim().toLowerCase() === wanted) names.add(name);
    }
  }
  return [...names];
}
