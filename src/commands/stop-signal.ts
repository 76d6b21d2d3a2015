import type { Logger } from '../log.js';
import { exitOnceLogged } from '../log-destination.js';
import type { Notifier } from '../systemd/notify.js';

/** A stop that hangs (a device that never closes) must still end the process, so systemd can restart it. */
export const HARD_EXIT_MS = 10_000;

/**
 * A service that has started: tells systemd it is ready, keeps its watchdog fed, and on the first
 * SIGINT or SIGTERM stops it (`stop`) and resolves. Should stopping hang, the process ends hard
 * after HARD_EXIT_MS with exit status 1.
 */
export function runUntilStopSignal(options: {
  logger: Logger;
  notifier: Notifier;
  stop: () => Promise<void>;
}): Promise<void> {
  const { logger, notifier } = options;
  notifier.ready();
  const stopWatchdog = notifier.startWatchdog();
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      notifier.stopping();
      stopWatchdog();
      setTimeout(() => {
        logger.error('stop took too long; exiting hard');
        exitOnceLogged(1);
      }, HARD_EXIT_MS).unref();
      void options.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
