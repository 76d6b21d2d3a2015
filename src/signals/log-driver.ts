import type { Logger } from '../log.js';
import type { IdleState } from '../outcome.js';
import type { PatternSet, SignalsDriver } from './types.js';

/** Signals as log lines: the fallback when the gpio driver cannot reach the outputs. */
export function createLogSignals(logger: Logger, patterns: PatternSet): SignalsDriver {
  let idle: IdleState = 'online';
  return {
    kind: 'log',
    patterns,
    show: (outcome) => logger.info({ signal: outcome }, 'signal'),
    setIdle: (state) => {
      if (state === idle) return;
      idle = state;
      logger.info({ idle: state }, 'signal idle');
    },
    selfTest: async () => {},
    stop: async () => {},
  };
}
