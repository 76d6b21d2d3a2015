import type { Logger } from '../log.js';
import type { Journal, Tap } from '../store/journal.js';
import type { Clock } from '../time/clock.js';
import { localParts } from '../time/local.js';
import type { ClockSyncProbe, MonotonicSource } from '../time/sync.js';

export interface TapTiming {
  clockSynced: boolean;
  monoNs: bigint | null;
  bootId: string | null;
}

/**
 * Decides which minute a tap is booked at. A Raspberry Pi has no battery-backed clock: after a
 * power cut without network it can start hours off, so a tap taken before the clock was
 * synchronised is fixed from the monotonic clock once it is, or flagged `time_uncertain`.
 */
export class TimeTrust {
  private synced: boolean | null = null;

  constructor(
    private readonly deps: {
      probe: ClockSyncProbe;
      mono: MonotonicSource;
      clock: Clock;
      journal: Journal;
      timeZone: string;
      logger: Logger;
    },
  ) {}

  /** Asks the probe again; only a positive "not synchronised" changes behaviour. */
  async refresh(): Promise<void> {
    const previous = this.synced;
    this.synced = await this.deps.probe.synchronized();
    if (previous === this.synced) return;
    if (this.synced === null) {
      this.deps.logger.info('cannot tell whether the system clock is synchronised; trusting it');
    } else {
      this.deps.logger.info({ synchronized: this.synced }, 'system clock synchronisation');
    }
  }

  isSynchronized(): boolean {
    return this.synced !== false;
  }

  /** What the probe last said: null when nothing could tell. */
  probed(): boolean | null {
    return this.synced;
  }

  /** What a new tap records about the clock it was taken with. */
  stamp(): TapTiming {
    if (this.isSynchronized()) return { clockSynced: true, monoNs: null, bootId: null };
    return { clockSynced: false, monoNs: this.deps.mono.nowNs(), bootId: this.deps.mono.bootId() };
  }

  /**
   * Before a delivery: a live touch goes now (MOCO's own clock decides its minute, which is also right
   * when ours is wrong); a tap written at its own minute waits until that minute can be trusted.
   */
  prepare(tap: Tap, touch: boolean): 'go' | 'hold' {
    if (tap.clockSynced || touch) return 'go';
    if (!this.isSynchronized()) return 'hold';
    this.fix(tap);
    return 'go';
  }

  private fix(tap: Tap): void {
    const { mono, clock, journal, timeZone, logger } = this.deps;
    const sameBoot = tap.bootId !== null && tap.bootId === mono.bootId() && tap.monoNs !== null;
    const atMs = sameBoot ? clock.now() - Number(mono.nowNs() - (tap.monoNs as bigint)) / 1e6 : tap.atMs;
    const { date, time } = localParts(Math.round(atMs), timeZone);
    journal.correctTime(tap.id, {
      atMs: Math.round(atMs),
      localDate: date,
      localTime: time,
      clockSynced: true,
      timeUncertain: !sameBoot,
    });
    if (sameBoot) {
      logger.info(
        { tapId: tap.id, was: `${tap.localDate} ${tap.localTime}`, now: `${date} ${time}` },
        'tap time corrected',
      );
    } else {
      logger.warn(
        { tapId: tap.id, at: `${date} ${time}` },
        'time_uncertain: a reboot came between tap and clock sync',
      );
    }
  }
}
