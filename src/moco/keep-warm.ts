import type { Logger } from '../log.js';
import type { TimerHandle, Timers } from '../time/timers.js';

/** A keep-warm request goes out this long before the server would close the idle connection. */
const PING_BEFORE_MS = 2000;
/** Our pool lets the socket go this long before the server would: we close first, never it under a request. */
const POOL_BEFORE_MS = 1000;

/** `moco.keepWarm`. */
export interface KeepWarmSettings {
  /** The share of the rate limit's requests keep-warm may spend per window; 0: off. */
  share: number;
  /** How long the server keeps an idle connection open. */
  idleSeconds: number;
}

export interface RateWindow {
  requests: number;
  windowMs: number;
}

export type KeepWarmPlan =
  | { on: true; everyMs: number; most: number; fewestMs: number; idleSocketMs: number }
  | { on: false; reason: string };

/**
 * Whether a request every `idleSeconds - 2 s` fits into the share: at most `floor(share *
 * requests)` in any window, so keep-warm requests come no closer than `windowMs` divided by that.
 */
export function keepWarmPlan(settings: KeepWarmSettings, limit: RateWindow): KeepWarmPlan {
  const most = Math.floor(settings.share * limit.requests);
  const share = percent(settings.share);
  if (most === 0) {
    return {
      on: false,
      reason: `moco.keepWarm.share (${share} of ${limit.requests} requests) allows no request`,
    };
  }
  const fewestMs = Math.ceil(limit.windowMs / most);
  const everyMs = settings.idleSeconds * 1000 - PING_BEFORE_MS;
  if (everyMs < fewestMs) {
    return { on: false, reason: tooOften(everyMs, most, limit.windowMs, share) };
  }
  return { on: true, everyMs, most, fewestMs, idleSocketMs: settings.idleSeconds * 1000 - POOL_BEFORE_MS };
}

function percent(share: number): string {
  return `${+(share * 100).toFixed(2)} %`;
}

function tooOften(everyMs: number, most: number, windowMs: number, share: string): string {
  return `a request every ${everyMs / 1000} s would be more than ${most} per ${windowMs / 1000} s (${share} of moco.rateLimit)`;
}

/** `Keep-Alive: timeout=5, max=100` -> 5; undefined without a timeout. */
export function keepAliveTimeoutSeconds(header: string | undefined): number | undefined {
  const match = header === undefined ? null : /(?:^|[\s,])timeout=(\d+)/i.exec(header);
  return match === null ? undefined : Number(match[1]);
}

export interface KeepWarmOptions {
  plan: Extract<KeepWarmPlan, { on: true }>;
  limit: RateWindow;
  share: number;
  /** A slot of the rate limiter now, or false: a keep-warm request is worth nothing later. */
  tryAcquire: () => boolean;
  /** Whether there is a key to ask with. */
  canPing: () => boolean;
  /** The cheap request; its answer comes back through `answered`. */
  ping: () => Promise<unknown>;
  timers: Timers;
  logger?: Logger;
}

/**
 * Keeps the connection of the last answer open: when nothing else went to MOCO for `everyMs`, one
 * cheap request, so that the next tap finds the connection (TCP and TLS done) instead of paying
 * three round trips. Never more often than the share allows; never queued behind other requests
 * (the rate limiter refuses it rather than make it wait), since late it keeps nothing open.
 */
export class KeepWarm {
  private everyMs: number;
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: KeepWarmOptions) {
    this.everyMs = options.plan.everyMs;
  }

  /** An answer came: the server's idle clock starts again. A shorter `Keep-Alive` timeout wins. */
  answered(keepAliveHeader: string | undefined): void {
    if (this.stopped) return;
    const timeout = keepAliveTimeoutSeconds(keepAliveHeader);
    if (timeout !== undefined && timeout * 1000 - PING_BEFORE_MS < this.everyMs) this.shorten(timeout);
    if (!this.stopped) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private shorten(timeoutSeconds: number): void {
    const everyMs = timeoutSeconds * 1000 - PING_BEFORE_MS;
    const { plan, limit, share, logger } = this.options;
    if (everyMs < plan.fewestMs) {
      logger?.info(
        {
          keepAliveSeconds: timeoutSeconds,
          reason: tooOften(everyMs, plan.most, limit.windowMs, percent(share)),
        },
        'MOCO closes idle connections too soon to keep one ready; keep-warm is off',
      );
      this.stop();
      return;
    }
    logger?.info(
      { keepAliveSeconds: timeoutSeconds, everySeconds: everyMs / 1000 },
      'keep-warm follows MOCO',
    );
    this.everyMs = everyMs;
  }

  private schedule(): void {
    this.clear();
    this.timer = this.options.timers.setTimeout(() => this.fire(), this.everyMs);
  }

  private clear(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.timer = null;
    // No key (none yet, or MOCO refused the last one): the next answer to anyone starts again.
    if (this.stopped || !this.options.canPing()) return;
    // The window is full: a later request may open a new connection and keep that one.
    if (!this.options.tryAcquire()) {
      this.schedule();
      return;
    }
    this.options.ping().catch((error: unknown) => {
      this.options.logger?.debug({ err: error }, 'keep-warm request failed');
      if (!this.stopped && this.timer === null) this.schedule();
    });
  }
}
