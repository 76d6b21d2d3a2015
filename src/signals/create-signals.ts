import type { Logger } from '../log.js';
import type { Timers } from '../time/timers.js';
import type { SignalsConfig } from './config.js';
import { ConsoleSignals } from './console-driver.js';
import { createGpioSignals, type OnoffModule } from './gpio-driver.js';
import { GpioUnavailableError } from './gpio-error.js';
import { createLogSignals } from './log-driver.js';
import { createNoneSignals } from './none-driver.js';
import { resolvePatterns } from './patterns.js';
import type { SignalsDriver } from './types.js';

export interface SignalsDeps {
  /** Pass a child logger for the signals part; gpio problems and the log fallback go here. */
  logger: Logger;
  /** Where the console driver renders; standard output by default. */
  out?: NodeJS.WritableStream;
  /** ANSI colours in the console rendering; by default when `out` is a terminal and NO_COLOR is unset. */
  color?: boolean;
  sysfsRoot?: string;
  loadGpio?: () => Promise<OnoffModule>;
  timers?: Timers;
}

/**
 * Builds the configured driver and, when `selfTest` is set, starts the self-test without
 * waiting for it: start-up is not delayed, and a tap during the self-test interrupts it.
 * A gpio driver that cannot reach its outputs logs why and falls back to logging the signals.
 */
export async function createSignals(config: SignalsConfig, deps: SignalsDeps): Promise<SignalsDriver> {
  const driver = await buildDriver(config, deps);
  if (config.selfTest) void driver.selfTest();
  return driver;
}

async function buildDriver(config: SignalsConfig, deps: SignalsDeps): Promise<SignalsDriver> {
  switch (config.driver) {
    case 'none':
      return createNoneSignals(resolvePatterns(config.patterns, config.leds.yellow !== null));
    case 'console': {
      const out = deps.out ?? process.stdout;
      const color = deps.color ?? ((out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR);
      return new ConsoleSignals({
        out,
        color,
        patterns: resolvePatterns(config.patterns, true),
        timers: deps.timers,
      });
    }
    case 'gpio':
      try {
        return await createGpioSignals(config, deps);
      } catch (error) {
        // An expected problem is fully said by its message; only a surprise needs the stack.
        const fields =
          error instanceof GpioUnavailableError ? { code: error.code } : { code: 'failed', err: error };
        deps.logger.warn(
          fields,
          `gpio signals unavailable, signals go to the log only: ${(error as Error).message}`,
        );
        return createLogSignals(deps.logger, resolvePatterns(config.patterns, config.leds.yellow !== null));
      }
  }
}
