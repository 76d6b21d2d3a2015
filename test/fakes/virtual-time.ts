import type { Clock } from '../../src/time/clock.js';
import type { TimerHandle, Timers } from '../../src/time/timers.js';

interface Entry {
  at: number;
  callback: () => void;
  /** Set for an interval: it is due again this long after it fired. */
  every: number | null;
}

/**
 * A clock and timers (src/time) on one virtual time that moves only when the test steps it: every
 * timer fires at its instant, in order, however long the wait, and nothing sleeps for real.
 */
export class VirtualTime implements Clock, Timers {
  private current: number;
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add({ at: this.current + Math.max(0, ms), callback, every: null });
  }

  clearTimeout(handle: TimerHandle): void {
    this.entries.delete(handle as number);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    return this.add({ at: this.current + every, callback, every });
  }

  clearInterval(handle: TimerHandle): void {
    this.entries.delete(handle as number);
  }

  /** When the next timer is due, or null when none is set. */
  nextAt(): number | null {
    return this.next()?.[1].at ?? null;
  }

  /** Moves time to the next timer and fires it alone; false when there is none. */
  step(): boolean {
    const next = this.next();
    if (next === undefined) return false;
    const [id, entry] = next;
    this.current = Math.max(this.current, entry.at);
    if (entry.every === null) this.entries.delete(id);
    else entry.at += entry.every;
    entry.callback();
    return true;
  }

  private next(): [number, Entry] | undefined {
    let found: [number, Entry] | undefined;
    for (const pair of this.entries) {
      if (found === undefined || pair[1].at < found[1].at) found = pair;
    }
    return found;
  }

  private add(entry: Entry): number {
    const id = this.nextId++;
    this.entries.set(id, entry);
    return id;
  }
}
