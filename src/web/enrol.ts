import type { MocoConfig } from '../config/index.js';
import type { KeyVerifier } from '../enrolment/verify-key.js';
import { CliError } from '../exit.js';
import { findActiveUser, nameOf } from '../identity/users.js';
import type { MocoClient, MocoUserClient } from '../moco/client.js';
import { MocoError } from '../moco/errors.js';
import { type Html, html } from './html.js';
import type { MocoBudget } from './moco.js';

/** Who a badge belongs to, as the badge store keeps it; no key of its own when the Staff key books it. */
export interface BadgeOwner {
  userId: number | null;
  userName: string | null;
  apiKey: string | null;
}

export type OwnerResult = { ok: true; owner: BadgeOwner; verified: boolean } | { ok: false; message: string };

/**
 * How the enrol form says whose a badge is: the person's own API key (`moco.identity: user-keys`),
 * or with one Staff key for everyone (`impersonation`) the MOCO user.
 */
export interface IdentityMode {
  /** The button that gives a badge to someone else or a new key: "New key…" or "Other user…". */
  changeLabel: string;
  /** The fields of the form that identify the person. Nothing typed is ever sent back (keys). */
  fields(): Html;
  /** Reads those fields, asks MOCO who it is, and says what to store or what is wrong. */
  resolve(form: Readonly<Record<string, unknown>>): Promise<OwnerResult>;
}

/** A key costs two requests to verify, as `badge add` does it: GET /session and GET /profile. */
const VERIFY_REQUESTS = 2;

/** Each badge holds its person's own MOCO API key, verified with MOCO like `badge add` does. */
export function userKeysIdentity(deps: {
  moco: MocoConfig;
  verify: KeyVerifier;
  budget: MocoBudget;
}): IdentityMode {
  return {
    changeLabel: 'New key…',
    fields: () => html`<label>The person's MOCO API key
<input type="password" name="apiKey" autocomplete="off" required spellcheck="false">
<span class="muted small">In MOCO: their profile, Integrations, API key. It is stored encrypted and never shown again.</span>
</label>
<label class="check"><input type="checkbox" name="noVerify" value="1"> Store it without asking MOCO whose it is (the first tap will show whether MOCO accepts it)</label>`,
    async resolve(form) {
      const apiKey = typeof form.apiKey === 'string' ? form.apiKey.trim() : '';
      if (apiKey === '') return { ok: false, message: 'the API key is empty' };
      if (form.noVerify === '1')
        return { ok: true, owner: { userId: null, userName: null, apiKey }, verified: false };
      if (!deps.budget.take(VERIFY_REQUESTS)) {
        return {
          ok: false,
          message:
            "the page's share of MOCO's request limit is used up for now: try again in a minute or two",
        };
      }
      try {
        const user = await deps.verify(deps.moco, apiKey);
        return { ok: true, owner: { userId: user.userId, userName: user.userName, apiKey }, verified: true };
      } catch (error) {
        if (error instanceof CliError) return { ok: false, message: error.message };
        throw error;
      }
    },
  };
}

/**
 * `moco.identity: impersonation`: the form asks for the MOCO user (id or email), checked with the
 * Staff key (exists, active) like `badge add --user`; nothing is stored but the user. `staff` is the
 * Staff key's client, each of its requests taken from the page's budget.
 */
export function impersonationIdentity(deps: { staff: MocoUserClient; baseUrl: string }): IdentityMode {
  return {
    changeLabel: 'Other user…',
    fields: () => html`<label>The person's MOCO user: their id or email
<input type="text" name="user" autocomplete="off" required spellcheck="false" inputmode="email">
<span class="muted small">In MOCO: Staff, the person; the id is the number in the address. Taps are booked for them with the Staff key.</span>
</label>`,
    async resolve(form) {
      const who = typeof form.user === 'string' ? form.user.trim() : '';
      if (who === '') return { ok: false, message: 'give the MOCO user as an id or an email' };
      const found = await findActiveUser(deps.staff, who, deps.baseUrl);
      if (!found.ok) return { ok: false, message: found.message };
      return {
        ok: true,
        owner: { userId: found.user.id, userName: nameOf(found.user), apiKey: null },
        verified: true,
      };
    },
  };
}

/**
 * A Staff key client whose every request is taken from the page's share of MOCO's budget; when it is
 * used up, the request is not sent and fails as `rate_limited`.
 */
export function budgetedStaff(client: MocoClient, staffKey: string, budget: MocoBudget): MocoUserClient {
  return client.forKey(staffKey, {
    beforeRequest: async () => {
      if (!budget.take(1)) {
        throw new MocoError('rate_limited', "the page's share of MOCO's request limit is used up for now");
      }
    },
  });
}
