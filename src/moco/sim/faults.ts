import type { LossFilter, SimFaults } from './types.js';

const TOUCH_PATH = /\/users\/presences\/touch$/;

/**
 * The switchable failures of the simulator. Going offline needs the server, so it is handed in;
 * everything else is plain state the request handler consults.
 */
export class FaultState implements SimFaults {
  serverError: number | null = null;
  delayMs = 0;
  delayOnly: LossFilter | null = null;
  rateLimited: { retryAfterSeconds?: number } | null = null;
  private losses: { remaining: number; filter?: LossFilter } | null = null;

  constructor(private readonly switchOffline: (offline: boolean) => Promise<void>) {}

  setOffline(offline: boolean): Promise<void> {
    return this.switchOffline(offline);
  }

  loseResponses(count: number, filter?: LossFilter): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`loseResponses: bad count ${count}`);
    this.losses = count === 0 ? null : { remaining: count, filter };
  }

  /** Whether this request waits `delayMs` before it is applied. */
  delays(method: string, path: string): boolean {
    if (this.delayMs <= 0) return false;
    return this.delayOnly === null || matches(this.delayOnly, method, path);
  }

  /** Whether the answer to this request is to be dropped; counts it when it is. */
  takeLoss(method: string, path: string): boolean {
    if (this.losses === null) return false;
    const { filter } = this.losses;
    const lost =
      filter === undefined ? method === 'POST' && TOUCH_PATH.test(path) : matches(filter, method, path);
    if (!lost) return false;
    this.losses.remaining -= 1;
    if (this.losses.remaining === 0) this.losses = null;
    return true;
  }

  reset(): void {
    this.serverError = null;
    this.delayMs = 0;
    this.delayOnly = null;
    this.rateLimited = null;
    this.losses = null;
  }
}

function matches(filter: LossFilter, method: string, path: string): boolean {
  // search() ignores lastIndex, so a /g filter cannot make matches alternate.
  return typeof filter === 'function' ? filter(method, path) : path.search(filter) >= 0;
}

/** A sliding window over all keys, like MOCO's "120 requests per 2 minutes". Refused requests do not count. */
export class SlidingWindowLimiter {
  private readonly accepted: number[] = [];

  constructor(
    private readonly limit: { requests: number; windowMs: number },
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(limit.requests) || limit.requests < 1 || !(limit.windowMs > 0)) {
      throw new RangeError('enforceRateLimit needs requests >= 1 and windowMs > 0');
    }
  }

  /** null when the request may pass (and is counted), otherwise the seconds until a slot frees up. */
  take(): number | null {
    const now = this.now();
    while (this.accepted.length > 0 && (this.accepted[0] ?? 0) <= now - this.limit.windowMs) {
      this.accepted.shift();
    }
    if (this.accepted.length < this.limit.requests) {
      this.accepted.push(now);
      return null;
    }
    const oldest = this.accepted[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.limit.windowMs - now) / 1000));
  }
}
