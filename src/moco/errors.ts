/**
 * The one error type of the MOCO client. Callers branch on `code`, never on `message`:
 * the courier decides "retry, reconcile or fail" from the code alone.
 */
export type MocoErrorCode =
  /** Nothing reached MOCO: DNS, refused connection, network down. Safe to retry. */
  | 'unreachable'
  /** The request may have reached MOCO but no answer came back (timeout, reset). NOT safe to blindly retry a touch. */
  | 'uncertain'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid'
  | 'locked'
  | 'rate_limited'
  | 'server'
  /** MOCO answered with something this client cannot read (a status or body outside the documented API). */
  | 'protocol';

export interface MocoErrorDetails {
  status?: number;
  body?: unknown;
  /** For `rate_limited`: the delay MOCO asked for, when it sent `Retry-After`. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class MocoError extends Error {
  readonly code: MocoErrorCode;
  readonly status?: number;
  readonly body?: unknown;
  readonly retryAfterMs?: number;

  constructor(code: MocoErrorCode, message: string, details: MocoErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MocoError';
    this.code = code;
    this.status = details.status;
    this.body = details.body;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isMocoError(error: unknown): error is MocoError {
  return error instanceof MocoError;
}
