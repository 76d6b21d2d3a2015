import type { Logger } from '../log.js';
import { exitOnceLogged } from '../log-destination.js';
import type { Notifier } from '../systemd/notify.js';

/** A stop that hangs (a device that never closes) must still end the process, so systemd can restart it. */
export const HARD_EXIT_MS = 10_000;

/**
 * Resolves with the first SIGINT or SIGTERM from now on; nothing of ours listens after it, so a
 * second one gets the default action again: killed at once, as an impatient operator asks. Called
 * before a service starts: what it prints on starting (`ready`, a banner) goes out before its loop
 * begins, and a signal in between (a script or systemd that stops what just said ready) must stop
 * it, not kill it by the default action.
 */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * nextStopSignal for a service systemd supervises: logs `stopping` when the signal comes and ends
 * the process hard after HARD_EXIT_MS with exit status 1 should stopping hang.
 */
export function listenForStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return nextStopSignal().then((signal) => {
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('stop took too long; exiting hard');
      exitOnceLogged(1);
    }, HARD_EXIT_MS).unref();
    return signal;
  });
}

/**
 * A service that has started: tells systemd it is ready, keeps its watchdog fed, and once `signal`
 * (from listenForStopSignal) has come, stops it (`stop`) and resolves.
 */
export async function runUntilStopSignal(options: {
  notifier: Notifier;
  signal: Promise<NodeJS.Signals>;
  stop: () => Promise<void>;
}): Promise<void> {
  const { notifier } = options;
  notifier.ready();
  const stopWatchdog = notifier.startWatchdog();
  await options.signal;
  notifier.stopping();
  stopWatchdog();
  await options.stop();
}
