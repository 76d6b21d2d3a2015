import type { MocoConfig } from '../config/index.js';

/** `moco.baseUrl` wins; otherwise the tenant's API under mocoapp.com. No trailing slash. */
export function mocoBaseUrl(moco: Pick<MocoConfig, 'domain' | 'baseUrl'>): string {
  if (moco.baseUrl !== null) return moco.baseUrl.replace(/\/+$/, '');
  if (moco.domain === null) throw new Error('moco.domain or moco.baseUrl must be set');
  return `https://${moco.domain}.mocoapp.com/api/v1`;
}
