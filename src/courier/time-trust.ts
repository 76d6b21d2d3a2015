import type { Logger } from '../log.js';
import type { Journal, Tap } from '../store/journal.js';
import type { Clock } from '../time/clock.js';
import { localParts } from '../time/local.js';
import type { ClockSyncProbe, MonotonicSource } from '../time/sync.js';

export interface TapTiming {
  /** When the tap happened, on the best clock there is: the kiosk's, or MOCO's when ours is off. */
  atMs: number;
  clockSynced: boolean;
  monoNs: bigint | null;
  bootId: string | null;
}

/** A kiosk clock further than this from MOCO's is wrong, whatever the sync probe says. */
export const MAX_CLOCK_OFFSET_MS = 60_000;

/**
 * Decides which minute a tap is booked at. A Raspberry Pi has no battery-backed clock: after a
 * power cut without network it can start hours off. MOCO's answers carry its clock (`Date`), so a
 * kiosk clock that disagrees by more than a minute is not trusted even when the sync probe says it
 * is, and MOCO's clock stands in for it; a tap taken before anything could be trusted is fixed from
 * the monotonic clock once something can, or flagged `time_uncertain` after a reboot.
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
      /** MOCO's clock minus ours, as last measured in this process; null before MOCO answered. */
      mocoOffsetMs(): number | null;
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

  /** What the probe last said: null when nothing could tell. */
  probed(): boolean | null {
    return this.synced;
  }

  /**
   * Whether the kiosk's own clock can be trusted for the minute of a tap: MOCO's clock decides once
   * MOCO has answered; before, the sync probe (only a positive "not synchronised" counts).
   */
  isSynchronized(): boolean {
    const offset = this.deps.mocoOffsetMs();
    return offset === null ? this.synced !== false : Math.abs(offset) <= MAX_CLOCK_OFFSET_MS;
  }

  /** What a new tap records about the clock it was taken with. */
  stamp(): TapTiming {
    const now = this.deps.clock.now();
    const mono = { monoNs: this.deps.mono.nowNs(), bootId: this.deps.mono.bootId() };
    const offset = this.deps.mocoOffsetMs();
    if (offset !== null && Math.abs(offset) > MAX_CLOCK_OFFSET_MS) {
      return { atMs: now + offset, clockSynced: true, ...mono };
    }
    return { atMs: now, clockSynced: this.isSynchronized(), ...mono };
  }

  /**
   * Before a delivery: a live touch goes now (MOCO's own clock decides its minute, which is also right
   * when ours is wrong). A tap written at its own minute is first put on the best clock there is:
   * MOCO's, measured from its answers, for a tap of this boot; the recorded time for one a trusted
   * clock took; the recorded time flagged `time_uncertain` for one an untrusted clock of an earlier
   * boot took (nothing can correct that any more). A tap of this boot with no trusted clock at all
   * waits ('hold').
   */
  prepare(tap: Tap, touch: boolean): 'go' | 'hold' {
    if (touch) return 'go';
    const sameBoot = tap.bootId !== null && tap.bootId === this.deps.mono.bootId() && tap.monoNs !== null;
    const offset = this.deps.mocoOffsetMs();
    if (sameBoot && offset !== null) {
      this.fix(tap, this.deps.clock.now() + offset, true);
      return 'go';
    }
    if (tap.clockSynced) return 'go';
    if (!sameBoot) {
      this.fix(tap, tap.atMs, false);
      return 'go';
    }
    if (!this.isSynchronized()) return 'hold';
    this.fix(tap, this.deps.clock.now(), true);
    return 'go';
  }

  /**
   * Books the tap at `trustedNow` minus the monotonic time since it (same boot), or at its recorded
   * time flagged `time_uncertain`. Writes only what changes: a tap whose minute was right costs nothing.
   */
  private fix(tap: Tap, trustedNow: number, sameBoot: boolean): void {
    const { mono, journal, timeZone, logger } = this.deps;
    const atMs = Math.round(
      sameBoot ? trustedNow - Number(mono.nowNs() - (tap.monoNs as bigint)) / 1e6 : tap.atMs,
    );
    const { date, time } = localParts(atMs, timeZone);
    const moved = date !== tap.localDate || time !== tap.localTime;
    if (sameBoot && !moved && tap.clockSynced) return;
    journal.correctTime(tap.id, {
      atMs,
      localDate: date,
      localTime: time,
      clockSynced: true,
      timeUncertain: !sameBoot,
    });
    if (!sameBoot) {
      logger.warn(
        { tapId: tap.id, at: `${date} ${time}` },
        'time_uncertain: a reboot came between tap and clock sync',
      );
    } else if (moved) {
      logger.info(
        { tapId: tap.id, was: `${tap.localDate} ${tap.localTime}`, now: `${date} ${time}` },
        'tap time corrected',
      );
    }
  }
}
