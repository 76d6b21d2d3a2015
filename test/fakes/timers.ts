import type { TimerHandle, Timers } from '../../src/time/timers.js';

/** A timer the test has not fired yet: what it runs, the delay it asked for, and whether it repeats. */
export interface PendingTimer {
  callback: () => void;
  ms: number;
  repeats: boolean;
}

/** Timers (src/time/timers.ts) that fire only when the test says so, recording every requested delay. */
export class ManualTimers implements Timers {
  /** Every delay asked for, in order. */
  readonly delays: number[] = [];
  private readonly entries = new Map<number, PendingTimer>();
  private nextId = 1;

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add({ callback, ms, repeats: false });
  }

  clearTimeout(handle: TimerHandle): void {
    this.entries.delete(handle as number);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return this.add({ callback, ms, repeats: true });
  }

  clearInterval(handle: TimerHandle): void {
    this.entries.delete(handle as number);
  }

  /** The timers waiting to fire, in the order they were set. */
  get pending(): readonly PendingTimer[] {
    return [...this.entries.values()];
  }

  get pendingCount(): number {
    return this.entries.size;
  }

  /** Fires the one pending timer; an interval stays pending. */
  fire(): void {
    const entries = [...this.entries.entries()];
    if (entries.length !== 1) throw new Error(`expected one pending timer, found ${entries.length}`);
    const [id, timer] = entries[0] as [number, PendingTimer];
    if (!timer.repeats) this.entries.delete(id);
    timer.callback();
  }

  private add(timer: PendingTimer): number {
    const id = this.nextId++;
    this.delays.push(timer.ms);
    this.entries.set(id, timer);
    return id;
  }
}
