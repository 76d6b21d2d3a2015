import type { Clock } from '../../src/time/clock.js';
import { localToEpoch } from '../time/local-to-epoch.js';

/** A Clock (src/time/clock.ts) tests set by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.now()) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  /** Sets the clock to a wall-clock minute of `timeZone`. */
  setLocal(date: string, time: string, seconds = 0, timeZone = 'Europe/Berlin'): void {
    this.ms = localToEpoch(date, time, timeZone) + seconds * 1000;
  }
}
