import { explainMocoTrouble } from '../failures/explain.js';
import type { MocoUserClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import type { MocoUser } from '../moco/types.js';

export type UserLookup = { ok: true; user: MocoUser } | { ok: false; message: string };

/**
 * The active MOCO user `who` names: an id (`GET /users/{id}`, one request) or an email (every page
 * of `GET /users`, which lists active users only). Asked with the Staff key's own rights.
 */
export async function findActiveUser(
  staff: MocoUserClient,
  who: string,
  baseUrl: string,
): Promise<UserLookup> {
  const wanted = who.trim();
  if (wanted === '') return { ok: false, message: 'give the MOCO user as an id or an email' };
  try {
    if (/^\d+$/.test(wanted)) {
      const user = await staff.getUser(Number(wanted));
      if (!user.active)
        return { ok: false, message: `MOCO user ${user.id} (${nameOf(user)}) is deactivated` };
      return { ok: true, user };
    }
    const email = wanted.toLowerCase();
    const matches = (await staff.listUsers()).filter((u) => u.active && u.email?.toLowerCase() === email);
    if (matches.length === 1) return { ok: true, user: matches[0] as MocoUser };
    if (matches.length > 1) {
      return {
        ok: false,
        message: `${matches.length} MOCO users have the email ${wanted} (${matches.map((u) => u.id).join(', ')}): give the id`,
      };
    }
    return { ok: false, message: `no active MOCO user has the email ${wanted}` };
  } catch (error) {
    if (!isMocoError(error)) throw error;
    if (error.code === 'not_found' && /^\d+$/.test(wanted)) {
      return { ok: false, message: `there is no MOCO user ${wanted}` };
    }
    return { ok: false, message: staffKeyTrouble(error, baseUrl) };
  }
}

/** What a refusal of the Staff key means and what to do, in one wording for the CLI, the page and doctor. */
export function staffKeyTrouble(
  error: { code: Parameters<typeof explainMocoTrouble>[0]; message: string },
  baseUrl: string,
): string {
  switch (error.code) {
    case 'unauthorized':
      return 'MOCO rejects the Staff key (401: revoked or mistyped): put a valid key into the Staff key file';
    case 'forbidden':
      return "the Staff key may not read MOCO's users (403): give the key's MOCO user the Staff permission, or use that user's own key";
    default: {
      const trouble = explainMocoTrouble(error.code, { baseUrl });
      return trouble === null ? `MOCO refused (${error.message})` : `${trouble.meaning}: ${trouble.action}`;
    }
  }
}

/** `firstname lastname`, as MOCO shows a user. */
export function nameOf(user: Pick<MocoUser, 'firstname' | 'lastname'>): string {
  return `${user.firstname} ${user.lastname}`.trim();
}
