import type { Presence } from '../moco/types.js';
import type { Clock } from '../time/clock.js';

/**
 * What the courier last saw of a lane's day in MOCO, read by itself or written by itself, so that a
 * drain of one user's taps costs one request per tap instead of two. A view is trusted only briefly:
 * the user may change their presences in MOCO meanwhile, and a write planned on a stale view is
 * planned again on a fresh read when MOCO refuses it.
 */
export class DayViews {
  private readonly views = new Map<string, { date: string; presences: Presence[]; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  get(lane: string, date: string): Presence[] | null {
    const view = this.views.get(lane);
    if (view === undefined || view.date !== date || this.clock.now() - view.at > this.maxAgeMs) return null;
    return view.presences;
  }

  set(lane: string, date: string, presences: Presence[] | null): void {
    if (presences === null) this.views.delete(lane);
    else this.views.set(lane, { date, presences, at: this.clock.now() });
  }

  forget(lane: string): void {
    this.views.delete(lane);
  }
}
