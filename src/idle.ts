import type { Config } from './config/index.js';
import type { Connectivity } from './connectivity.js';
import { forgottenClockOuts } from './courier/open-presences.js';
import type { IdleState } from './outcome.js';
import type { ReaderState } from './readers/reader.js';
import type { Journal } from './store/journal.js';

/** What the idle state is decided from, each read when it is decided. */
export interface IdleFacts {
  reader(): ReaderState;
  /** Writes to the database fail: the journal may take no taps. */
  storageFailing(): boolean;
  connectivity(): Connectivity;
  journal: Pick<Journal, 'hasFailed' | 'openBefore'>;
  config: { scan: Pick<Config['scan'], 'nightShift'> };
  /** MOCO's date now (see mocoToday). */
  today(): string;
}

/**
 * The one place that decides what the kiosk shows between taps; the signals only render it. Hands
 * a state to `show` when it differs from the one shown last.
 */
export class KioskIdle {
  private shown: IdleState | null = null;

  constructor(
    private readonly facts: IdleFacts,
    private readonly show: (state: IdleState) => void,
  ) {}

  current(): IdleState {
    const { facts } = this;
    // A journal that takes no taps needs an admin as much as a failed tap does.
    if (facts.reader() === 'disconnected' || facts.storageFailing() || this.needsAdmin()) return 'attention';
    return facts.connectivity() === 'offline' ? 'offline' : 'online';
  }

  /** Decides the idle state now and shows it when it changed. */
  refresh(): void {
    const state = this.current();
    if (state === this.shown) return;
    this.show(state);
    this.shown = state;
  }

  /** A failed tap, or a presence left open on an earlier date (a forgotten clock-out). */
  private needsAdmin(): boolean {
    const { journal, config, today } = this.facts;
    try {
      return journal.hasFailed() || forgottenClockOuts(journal, config, today()).length > 0;
    } catch {
      // Unreadable just now: the storage health tells on its own, and the next look may succeed.
      return false;
    }
  }
}
