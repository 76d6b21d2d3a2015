import { MocoError, type MocoErrorCode } from './errors.js';

/**
 * Every MocoError of an exchange is built here from plain facts (status, body, error code), never
 * from a transport's error object, which may hold the request's headers and with them the key.
 */

/** `POST /api/v1/users/presences/touch`: what a message names, never a query string or header. */
export type RequestLabel = string;

const MAX_TEXT_BODY = 2000;

const STATUS_CODES: ReadonlyMap<number, MocoErrorCode> = new Map<number, MocoErrorCode>([
  [400, 'invalid'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not_found'],
  [422, 'invalid'],
  [423, 'locked'],
  [429, 'rate_limited'],
]);

export function codeForStatus(status: number): MocoErrorCode {
  if (status >= 500 && status <= 599) return 'server';
  return STATUS_CODES.get(status) ?? 'protocol';
}

/** The body as JSON when it parses, else its (shortened) text; undefined when empty. */
export function readBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.length > MAX_TEXT_BODY ? `${text.slice(0, MAX_TEXT_BODY)}...` : text;
  }
}

/**
 * `Retry-After` as milliseconds from now: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or
 * asctime, all GMT). Anything else, including a bare number with a fraction, is ignored.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  let at = Number.NaN;
  if (/^[A-Za-z]{3,9}, .+ GMT$/.test(trimmed)) at = Date.parse(trimmed);
  else if (/^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(trimmed)) {
    at = Date.parse(`${trimmed} GMT`);
  }
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function summarize(body: unknown): string {
  if (body === undefined) return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`;
}

export function errorFromStatus(
  label: RequestLabel,
  status: number,
  body: unknown,
  retryAfter: string | undefined,
  nowMs: number,
): MocoError {
  const code = codeForStatus(status);
  const retryAfterMs = code === 'rate_limited' ? parseRetryAfter(retryAfter, nowMs) : undefined;
  return new MocoError(code, `MOCO ${label} answered ${status} (${code})${summarize(body)}`, {
    status,
    body,
    retryAfterMs,
  });
}

/** A 2xx answer whose body is not what the API documents. */
export function protocolError(
  label: RequestLabel,
  status: number,
  body: unknown,
  problem: string,
): MocoError {
  return new MocoError('protocol', `MOCO ${label} answered ${status} with ${problem}`, { status, body });
}

/**
 * A request that got no HTTP answer. `unreachable` only when the transport can tell that no byte of
 * the request left this machine (http-transport.ts); everything else is `uncertain`, because a
 * touch is a toggle and blindly re-sending one that MOCO did apply would turn a clock-in into a
 * clock-out.
 */
export function errorFromTransport(label: RequestLabel, code: string, mayHaveBeenSent: boolean): MocoError {
  const what = code === 'ETIMEDOUT' ? `timed out (${code})` : code;
  return mayHaveBeenSent
    ? new MocoError('uncertain', `MOCO ${label}: no answer, the request may have been applied: ${what}`)
    : new MocoError('unreachable', `MOCO ${label}: not sent: ${what}`);
}
