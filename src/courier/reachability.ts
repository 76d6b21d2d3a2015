import type { Connectivity } from '../connectivity.js';
import type { Clock } from '../time/clock.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';

export interface CourierStatus {
  connectivity: Connectivity;
  /** Since when MOCO has been reachable or unreachable (ms epoch). */
  since: number;
  consecutiveFailures: number;
  pausedUntil: number;
}

/**
 * Whether MOCO answers, as the courier's deliveries find, and how long every delivery pauses after
 * a transient failure: MOCO is one server, so one failure pauses all lanes, with backoff growing
 * over consecutive failures.
 */
export class Reachability {
  private failures = 0;
  private pausedUntil = 0;
  /** MOCO asked us to slow down (429): that pause is MOCO's to end, not a new tap's. */
  private rateLimited = false;
  private connectivity: Connectivity = 'online';
  private since: number;

  constructor(
    private readonly clock: Clock,
    private readonly backoff: BackoffOptions,
    private readonly random: () => number,
  ) {
    this.since = clock.now();
  }

  status(): CourierStatus {
    return {
      connectivity: this.connectivity,
      since: this.since,
      consecutiveFailures: this.failures,
      pausedUntil: this.pausedUntil,
    };
  }

  get online(): boolean {
    return this.connectivity === 'online';
  }

  /** Whether the pause is MOCO's (a 429), which nothing on this side may cut short. */
  get slowedDown(): boolean {
    return this.rateLimited;
  }

  /** How long deliveries still pause at `now`; 0 when they may go. */
  pausedFor(now: number): number {
    return Math.max(0, this.pausedUntil - now);
  }

  /** MOCO may be back (the network came up): deliveries try now instead of waiting out the pause. */
  resume(): void {
    this.pausedUntil = 0;
  }

  /**
   * A transient failure pauses every delivery, as MOCO asked (`retryAfterMs`) or by backoff, and
   * the failed tap at least its own backoff after `attempts` tries. Returns both delays.
   */
  failed(
    result: { retryAfterMs?: number; rateLimited?: boolean },
    attempts: number,
    now: number,
  ): { pauseMs: number; retryInMs: number } {
    this.failures += 1;
    const pauseMs = result.retryAfterMs ?? backoffDelay(this.failures, this.backoff, this.random);
    this.pausedUntil = now + pauseMs;
    this.rateLimited = result.rateLimited === true;
    const ownDelay = backoffDelay(attempts + 1, this.backoff, this.random);
    return { pauseMs, retryInMs: Math.max(pauseMs, ownDelay) };
  }

  /** What an attempt found; returns the new connectivity when it changed, else null. */
  reached(reachable: boolean): Connectivity | null {
    if (reachable) {
      this.failures = 0;
      this.pausedUntil = 0;
      this.rateLimited = false;
    }
    const connectivity: Connectivity = reachable ? 'online' : 'offline';
    if (connectivity === this.connectivity) return null;
    this.connectivity = connectivity;
    this.since = this.clock.now();
    return connectivity;
  }
}
