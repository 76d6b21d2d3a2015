import { findActiveUser, nameOf, staffKeyTrouble } from '../identity/users.js';
import type { MocoUserClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import type { MocoUser } from '../moco/types.js';
import type { MocoBadges } from '../store/moco-badges.js';
import { addToBadgeField, directoryEntry, readBadgeField } from './field.js';

export interface MocoEnrolDeps {
  /** The Staff key's own client. */
  staff: MocoUserClient;
  cache: MocoBadges;
  field: string;
  normalize: (raw: string) => string | null;
  baseUrl: string;
}

/** What became of a UID meant for a user's badge field in MOCO. */
export type MocoEnrolment =
  | { kind: 'added'; user: MocoUser; value: string | string[] }
  | { kind: 'already'; user: MocoUser }
  /** Not written: what an admin has to enter in MOCO instead, and why. */
  | { kind: 'manual'; user: MocoUser; value: string | string[]; why: string }
  | { kind: 'refused'; message: string };

/**
 * Puts `uid` into the badge field of the active user `who` names, keeping their other UIDs, and
 * reads the user again: MOCO ignores a field name it does not know without an error, so only the
 * read tells whether the value is there. The kiosk's copy learns the result at once; the other
 * kiosks at their next sync.
 */
export async function enrolInMoco(deps: MocoEnrolDeps, typed: string, who: string): Promise<MocoEnrolment> {
  const { staff, cache, field, normalize, baseUrl } = deps;
  // In the form the sync reads back, so that the read after the write finds it.
  const uid = readBadgeField(typed, normalize).uids[0];
  if (uid === undefined) return { kind: 'refused', message: `${JSON.stringify(typed)} is not a badge UID` };
  const found = await findActiveUser(staff, who, baseUrl);
  if (!found.ok) return { kind: 'refused', message: found.message };
  const { user } = found;
  const holder = cache.lookup(uid);
  if (holder.kind === 'conflict') {
    return {
      kind: 'refused',
      message: `badge ${uid} is on ${holder.users.map((u) => `${u.name} (user ${u.id})`).join(' and ')} in MOCO already: remove it from their "${field}" field first`,
    };
  }
  if (holder.kind === 'user' && holder.user.id !== user.id) {
    return {
      kind: 'refused',
      message: `badge ${uid} belongs to ${holder.user.name} (user ${holder.user.id}) in MOCO: remove it from their "${field}" field first`,
    };
  }
  const current = user.custom_properties[field];
  if (readBadgeField(current, normalize).uids.includes(uid)) {
    cache.update([directoryEntry(user, field, normalize)]);
    return { kind: 'already', user };
  }
  const value = addToBadgeField(current, uid);
  try {
    await staff.updateUserCustomProperties(user.id, { [field]: value });
  } catch (error) {
    if (!isMocoError(error)) throw error;
    if (error.code === 'forbidden') {
      return { kind: 'manual', user, value, why: 'the Staff key may not change users in MOCO (403)' };
    }
    return { kind: 'refused', message: staffKeyTrouble(error, baseUrl) };
  }
  let reread: MocoUser;
  try {
    reread = await staff.getUser(user.id);
  } catch (error) {
    if (!isMocoError(error)) throw error;
    return {
      kind: 'refused',
      message: `MOCO took the badge but could not be asked whether it kept it (${staffKeyTrouble(error, baseUrl)}): check ${nameOf(user)}'s "${field}" field in MOCO`,
    };
  }
  if (!readBadgeField(reread.custom_properties[field], normalize).uids.includes(uid)) {
    return {
      kind: 'manual',
      user,
      value,
      why: `MOCO did not keep the value: is "${field}" defined as a custom field for users in MOCO's settings? MOCO ignores a field it does not know without an error`,
    };
  }
  cache.update([directoryEntry(reread, field, normalize)]);
  return { kind: 'added', user: reread, value };
}

/** The sentence an admin follows when the kiosk could not write the field itself. */
export function manualInstruction(
  enrolment: Extract<MocoEnrolment, { kind: 'manual' }>,
  field: string,
): string {
  const value = Array.isArray(enrolment.value) ? enrolment.value.join(', ') : enrolment.value;
  return `in MOCO, open the user ${nameOf(enrolment.user)} (id ${enrolment.user.id}) and set the field "${field}" to: ${value}`;
}
