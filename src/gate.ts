import type { Clock } from './time/clock.js';

export type GateVerdict = 'debounced' | 'repeat' | 'pass';

export interface GateOptions {
  debounceMs: number;
  repeatGuardMs: number;
}

/**
 * The gate between a reader and the rest: readers repeat frames while a card is held (debounce,
 * silent), and an anxious second tap within the repeat guard must not reach MOCO, which would
 * discard a presence started and stopped within the same minute.
 */
export class Gate {
  /** Last read of each UID, accepted or not: a card held for ten seconds is one read. */
  private readonly lastRead = new Map<string, number>();
  /** Last tap of each UID that was journaled. */
  private readonly lastAccepted = new Map<string, number>();

  constructor(
    private readonly options: GateOptions,
    private readonly clock: Clock,
  ) {}

  check(uid: string): GateVerdict {
    const now = this.clock.now();
    this.forgetOlderThan(now);
    const previousRead = this.lastRead.get(uid);
    this.lastRead.set(uid, now);
    if (previousRead !== undefined && now - previousRead < this.options.debounceMs) return 'debounced';
    const previousTap = this.lastAccepted.get(uid);
    if (previousTap !== undefined && now - previousTap < this.options.repeatGuardMs) return 'repeat';
    return 'pass';
  }

  /** Starts the repeat guard for a UID whose tap was journaled at `at`. */
  accepted(uid: string, at: number): void {
    this.lastAccepted.set(uid, Math.max(at, this.lastAccepted.get(uid) ?? at));
  }

  // Bounded memory however many distinct cards are presented over a long uptime.
  private forgetOlderThan(now: number): void {
    const horizon = Math.max(this.options.debounceMs, this.options.repeatGuardMs);
    for (const map of [this.lastRead, this.lastAccepted]) {
      for (const [uid, at] of map) {
        if (now - at >= horizon) map.delete(uid);
      }
    }
  }
}
