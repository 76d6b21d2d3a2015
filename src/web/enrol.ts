import type { KeyVerifier } from '../commands/badge-verify.js';
import { CliError } from '../commands/common.js';
import type { MocoConfig } from '../config/index.js';
import { type Html, html } from './html.js';
import type { MocoBudget } from './moco.js';

/** Who a badge belongs to, as the badge store keeps it. */
export interface BadgeOwner {
  userId: number | null;
  userName: string | null;
  apiKey: string;
}

export type OwnerResult = { ok: true; owner: BadgeOwner; verified: boolean } | { ok: false; message: string };

/**
 * How the enrol form says whose a badge is. Today there is one way, the person's own API key;
 * with one Staff key for everyone (issue 15, `moco.identity: impersonation`) the form will ask for
 * the MOCO user instead, as a second implementation of this.
 */
export interface IdentityMode {
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
