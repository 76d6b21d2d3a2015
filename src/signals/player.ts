import type { IdleState, Outcome } from '../outcome.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { patternDuration } from './patterns.js';
import type { Signals } from './signals.js';
import type { OutputName, Outputs, Pattern, PatternSet } from './types.js';

export interface PlayerOptions {
  outputs: Outputs;
  /** The outputs that exist; a pattern step naming another is ignored for it. */
  present: readonly OutputName[];
  patterns: PatternSet;
  /** Outputs wired so that a low level switches them on. */
  activeLow?: Readonly<Partial<Record<OutputName, boolean>>>;
  timers?: Timers;
}

interface Playing {
  pattern: Pattern;
  loop: boolean;
  onEnd?: () => void;
}

/**
 * Plays one pattern at a time on timers, so that `show` returns at once. An outcome
 * interrupts whatever plays; when it ends, the current idle pattern resumes and loops.
 */
export class PatternPlayer implements Signals {
  private readonly outputs: Outputs;
  private readonly present: readonly OutputName[];
  private readonly patterns: PatternSet;
  private readonly activeLow: Readonly<Partial<Record<OutputName, boolean>>>;
  private readonly timers: Timers;
  private readonly lit = new Map<OutputName, boolean>();
  private idle: IdleState = 'online';
  private playing: Playing | undefined;
  private timer: unknown;
  private stopped = false;

  constructor(options: PlayerOptions) {
    this.outputs = options.outputs;
    this.present = options.present;
    this.patterns = options.patterns;
    this.activeLow = options.activeLow ?? {};
    this.timers = options.timers ?? systemTimers;
    // Whatever level a pin had before we started, it must begin off.
    for (const name of this.present) this.write(name, false);
    this.startIdle();
  }

  show(outcome: Outcome): void {
    this.play(this.patterns[outcome]);
  }

  /** Plays a pattern once; `onEnd` runs when it finishes or is interrupted. */
  play(pattern: Pattern, onEnd?: () => void): void {
    if (this.stopped) {
      onEnd?.();
      return;
    }
    const interrupted = this.interrupt();
    this.playing = { pattern, loop: false, onEnd };
    this.runStep(0);
    // Called last, so that a callback which plays something else finds a consistent player.
    interrupted?.onEnd?.();
  }

  setIdle(state: IdleState): void {
    if (this.stopped || state === this.idle) return;
    this.idle = state;
    // During an outcome the new idle state waits for the outcome to end.
    if (this.playing === undefined || this.playing.loop) this.startIdle();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const interrupted = this.interrupt();
    this.light(undefined);
    interrupted?.onEnd?.();
    await this.outputs.close();
  }

  /** Only called when no outcome is playing, so nothing with an `onEnd` is interrupted here. */
  private startIdle(): void {
    this.interrupt();
    const pattern = this.patterns[this.idle];
    if (pattern.length <= 1 || patternDuration(pattern) === 0) {
      // Nothing changes over time, so hold the first step without a timer.
      this.light(pattern[0]);
      return;
    }
    this.playing = { pattern, loop: true };
    this.runStep(0);
  }

  private runStep(index: number): void {
    const playing = this.playing;
    if (playing === undefined) return;
    const step = playing.pattern[index];
    if (step === undefined) {
      if (playing.loop) {
        this.runStep(0);
        return;
      }
      this.playing = undefined;
      playing.onEnd?.();
      if (this.playing === undefined && !this.stopped) this.startIdle();
      return;
    }
    this.light(step);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.runStep(index + 1);
    }, step.ms);
  }

  private interrupt(): Playing | undefined {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const interrupted = this.playing;
    this.playing = undefined;
    return interrupted;
  }

  /** Switches every present output to what the step says; `undefined` means all off. */
  private light(step: Pattern[number] | undefined): void {
    for (const name of this.present) {
      const on = name === 'buzzer' ? step?.buzzer === true : (step?.led?.includes(name) ?? false);
      if (this.lit.get(name) !== on) this.write(name, on);
    }
  }

  private write(name: OutputName, on: boolean): void {
    this.lit.set(name, on);
    this.outputs.set(name, on !== (this.activeLow[name] ?? false));
  }
}
