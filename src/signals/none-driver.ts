import type { PatternSet, SignalsDriver } from './types.js';

/** For a clock without LEDs or buzzer: the pipeline still calls signals, and nothing happens. */
export function createNoneSignals(patterns: PatternSet): SignalsDriver {
  return {
    kind: 'none',
    patterns,
    show: () => {},
    setIdle: () => {},
    selfTest: async () => {},
    stop: async () => {},
  };
}
