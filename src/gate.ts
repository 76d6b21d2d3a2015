import type { Clock } from './time/clock.js';

export interface GateOptions {
  debounceMs: number;
  repeatGuardMs: number;
}

/**
 * The gate between a reader and the rest: readers repeat frames while a card is held (debounce, per
 * badge, silent), and an anxious second tap within the repeat guard must not reach MOCO, which would
 * discard a presence started and stopped within the same minute. The repeat guard is per person
 * (the tap's lane: the MOCO user, or the badge when its user is unknown), so a card and a key fob
 * of one person tapped one after the other are one tap.
 */
export class Gate {
  // Both maps are kept in the order of their times (an entry is deleted before it is set again),
  // so forgetting stops at the first entry still within the horizon instead of walking them all.
  /** Last read of each UID, accepted or not: a card held for ten seconds is one read. */
  private readonly lastRead = new Map<string, number>();
  /** Last journaled tap of each person. */
  private readonly lastAccepted = new Map<string, number>();

  constructor(
    private readonly options: GateOptions,
    private readonly clock: Clock,
  ) {}

  /** Whether this read of the UID is a repeat frame of the card still on the reader; records the read. */
  debounced(uid: string): boolean {
    const now = this.clock.now();
    this.forgetOlderThan(now);
    const previousRead = this.lastRead.get(uid);
    this.lastRead.delete(uid);
    this.lastRead.set(uid, now);
    return previousRead !== undefined && now - previousRead < this.options.debounceMs;
  }

  /** Whether the person (`lane`) had a tap journaled within the repeat guard. */
  repeated(lane: string): boolean {
    const previousTap = this.lastAccepted.get(lane);
    return previousTap !== undefined && this.clock.now() - previousTap < this.options.repeatGuardMs;
  }

  /** Starts the repeat guard for a person whose tap was journaled at `at`. */
  accepted(lane: string, at: number): void {
    const latest = Math.max(at, this.lastAccepted.get(lane) ?? at);
    this.lastAccepted.delete(lane);
    this.lastAccepted.set(lane, latest);
  }

  // Bounded memory however many distinct cards are presented over a long uptime. A clock that went
  // back leaves an entry out of order; it only lives on until the ones before it are forgotten.
  private forgetOlderThan(now: number): void {
    const horizon = Math.max(this.options.debounceMs, this.options.repeatGuardMs);
    for (const map of [this.lastRead, this.lastAccepted]) {
      for (const [key, at] of map) {
        if (now - at < horizon) break;
        map.delete(key);
      }
    }
  }
}
