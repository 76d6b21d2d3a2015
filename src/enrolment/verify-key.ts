import type { MocoConfig } from '../config/index.js';
import { errorMessage } from '../error-message.js';
import { CliError } from '../exit.js';
import { explainKeyRefusal, explainMocoTrouble } from '../failures/explain.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';

export interface VerifiedUser {
  userId: number;
  /** `firstname lastname` as MOCO has them. */
  userName: string;
}

/** Asks MOCO whose key this is; throws CliError with the reason and what to do otherwise. */
export type KeyVerifier = (moco: MocoConfig, apiKey: string) => Promise<VerifiedUser>;

export const verifyKeyWithMoco: KeyVerifier = async (moco, apiKey) => {
  const baseUrl = mocoBaseUrl(moco);
  const client = new MocoClient({ baseUrl, timeoutMs: moco.timeoutMs, caFile: moco.caFile });
  try {
    const api = client.forKey(apiKey);
    await api.session();
    const profile = await api.profile();
    return { userId: profile.id, userName: `${profile.firstname} ${profile.lastname}`.trim() };
  } catch (error) {
    throw verificationFailure(error, baseUrl);
  } finally {
    client.close();
  }
};

/**
 * The error `badge add` (and the web page's enrolment) shows: MOCO as a whole in the words `doctor`
 * uses, with what MOCO answered; a refused key with how to get the right one.
 */
export function verificationFailure(error: unknown, baseUrl: string): CliError {
  if (!isMocoError(error)) {
    return new CliError(`could not verify the key: ${errorMessage(error)}`);
  }
  const trouble = explainMocoTrouble(error.code, { baseUrl });
  if (trouble === null) {
    const refused = explainKeyRefusal(error.code, { baseUrl });
    return new CliError(`could not verify the key: ${refused.meaning}: ${refused.action}`);
  }
  // The key may well be right: it can be stored now and shown right or wrong by its first tap.
  const unverified =
    error.code === 'unreachable' || error.code === 'uncertain'
      ? '; or add the badge with --no-verify and its first tap will show whether the key works'
      : '';
  return new CliError(
    `could not verify the key: ${trouble.meaning} (${error.message}): ${trouble.action}${unverified}`,
  );
}
