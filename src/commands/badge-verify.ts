import type { MocoConfig } from '../config/index.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient } from '../moco/client.js';
import { isMocoError } from '../moco/errors.js';
import { CliError } from './common.js';

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

export function verificationFailure(error: unknown, baseUrl: string): CliError {
  if (!isMocoError(error)) {
    return new CliError(
      `could not verify the key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  switch (error.code) {
    case 'unauthorized':
      return new CliError(
        `MOCO refused the key (401) at ${baseUrl}: copy the person's own API key from MOCO ` +
          '(profile > Integrations) and check moco.domain in the configuration',
      );
    case 'forbidden':
      return new CliError(
        'MOCO accepted the key but refused access to the profile (403): is the account active?',
      );
    case 'unreachable':
    case 'uncertain':
      return new CliError(
        `cannot reach MOCO at ${baseUrl} (${error.message}): check the network and moco.domain, or add ` +
          'the badge with --no-verify and the first tap will show whether the key works',
      );
    case 'rate_limited':
      return new CliError('MOCO says too many requests (429): wait a minute and try again');
    default:
      return new CliError(`MOCO could not verify the key (${error.code}): ${error.message}`);
  }
}
