import type { IdleState, Outcome } from '../outcome.js';
import type { Timers } from '../time/timers.js';
import { renderSignalLine } from './console-render.js';
import { selfTestPattern } from './patterns.js';
import { PatternPlayer } from './player.js';
import { OUTPUT_NAMES, type OutputName, type Outputs, type PatternSet, type SignalsDriver } from './types.js';

export interface ConsoleSignalsOptions {
  out: NodeJS.WritableStream;
  patterns: PatternSet;
  color: boolean;
  timers?: Timers;
}

/** Rings the terminal bell when the pattern switches the buzzer on; LEDs show in the line. */
function bellOutputs(out: NodeJS.WritableStream): Outputs {
  return {
    set(name: OutputName, on: boolean) {
      if (name === 'buzzer' && on) out.write('\x07');
    },
    close: async () => {},
  };
}

/**
 * The demo driver: a panel of three virtual LEDs, so it shows the yellow patterns whatever
 * is wired. Each outcome and idle change writes one line; the bells ring on the pattern's
 * timing, so their count and rhythm are those of the buzzer.
 */
export class ConsoleSignals implements SignalsDriver {
  readonly kind = 'console';
  readonly patterns: PatternSet;
  private readonly out: NodeJS.WritableStream;
  private readonly color: boolean;
  private readonly player: PatternPlayer;
  private idle: IdleState = 'online';

  constructor(options: ConsoleSignalsOptions) {
    this.out = options.out;
    this.color = options.color;
    this.patterns = options.patterns;
    this.player = new PatternPlayer({
      outputs: bellOutputs(options.out),
      present: OUTPUT_NAMES,
      patterns: options.patterns,
      timers: options.timers,
    });
  }

  show(outcome: Outcome, who?: string): void {
    this.out.write(`${renderSignalLine(outcome, this.patterns[outcome], this.color, who)}\n`);
    this.player.show(outcome);
  }

  setIdle(state: IdleState): void {
    if (state !== this.idle) {
      this.idle = state;
      this.out.write(`${renderSignalLine(state, this.patterns[state], this.color)}\n`);
    }
    this.player.setIdle(state);
  }

  selfTest(): Promise<void> {
    this.out.write('[signals self-test]\n');
    return new Promise((resolve) => this.player.play(selfTestPattern(OUTPUT_NAMES), resolve));
  }

  stop(): Promise<void> {
    return this.player.stop();
  }
}
