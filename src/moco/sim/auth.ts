import type { IncomingHttpHeaders } from 'node:http';
import type { SimState } from './state.js';
import type { SimUser } from './types.js';

export type Identity =
  | { ok: true; user: SimUser }
  | { ok: false; status: 401 }
  | { ok: false; status: 403 }
  | { ok: false; status: 404 };

const TOKEN_RE = /^Token token="?([^"\s]+)"?$/i;
const BEARER_RE = /^Bearer\s+(\S+)$/i;

function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization?.trim();
  if (header === undefined) return undefined;
  return (TOKEN_RE.exec(header) ?? BEARER_RE.exec(header))?.[1];
}

/**
 * Who a request acts as: the key's user, or with `X-IMPERSONATE-USER-ID` the named user, which only
 * staff keys may do (403 otherwise; 404 for a user that does not exist).
 */
export function identify(headers: IncomingHttpHeaders, state: SimState): Identity {
  const apiKey = apiKeyOf(headers);
  const keyUser = apiKey === undefined ? undefined : state.userByKey(apiKey);
  if (keyUser === undefined) return { ok: false, status: 401 };
  const impersonate = headers['x-impersonate-user-id'];
  if (impersonate === undefined) return { ok: true, user: keyUser };
  if (keyUser.staff !== true) return { ok: false, status: 403 };
  const id = typeof impersonate === 'string' && /^\d+$/.test(impersonate.trim()) ? Number(impersonate) : NaN;
  const target = state.userById(id);
  return target === undefined ? { ok: false, status: 404 } : { ok: true, user: target };
}
