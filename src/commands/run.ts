import { Command } from 'commander';
import { type Daemon, startDaemon } from '../daemon.js';
import { EXIT } from '../exit.js';
import { KeyScrubber } from '../key-scrubber.js';
import { createLogger, type Logger } from '../log.js';
import { exitOnceLogged } from '../log-destination.js';
import { createNotifier } from '../systemd/notify.js';
import { loadConfigForCommand } from './load-config.js';
import { HARD_EXIT_MS, listenForStopSignal, runUntilStopSignal } from './stop-signal.js';

export function runCommand(): Command {
  return new Command('run')
    .description('run the time clock daemon (what the systemd service starts)')
    .option('-c, --config <file>', 'configuration file')
    .action(async (options: { config?: string }) => {
      const config = loadConfigForCommand(options.config, process.env);
      const scrubber = new KeyScrubber();
      const logger = createLogger(config.log.level, undefined, scrubber);
      const notifier = createNotifier({ env: process.env, logger });
      const signal = listenForStopSignal(logger);
      handleCrashes(logger);
      let daemon: Daemon;
      try {
        daemon = await startDaemon({ config, env: process.env, logger, scrubber });
      } catch (error) {
        logger.fatal(startFailure(error), 'start failed');
        // startDaemon stopped what it had started; should anything still hold the event loop,
        // this ends the process anyway, so that systemd sees the exit instead of a half start.
        setTimeout(() => exitOnceLogged(Number(process.exitCode ?? EXIT.failure)), HARD_EXIT_MS).unref();
        throw error;
      }
      await runUntilStopSignal({ notifier, signal, stop: () => daemon.stop() });
    });
}

/** The facts of a failed start for the log line; the CLI prints the same message as its one line. */
function startFailure(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { reason: String(error) };
  const code = (error as { code?: unknown }).code;
  return { error: error.name, code: typeof code === 'string' ? code : undefined, reason: error.message };
}

function handleCrashes(logger: Logger): void {
  const die = (error: unknown) => {
    logger.fatal({ err: error }, 'uncaught error; exiting so the supervisor restarts the daemon');
    exitOnceLogged(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
