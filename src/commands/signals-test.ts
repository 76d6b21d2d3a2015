import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { commandLine, logView } from '../log-view.js';
import { createSignals } from '../signals/create-signals.js';
import { isPatternName, PATTERN_NAMES, playSequence } from '../signals/sequence.js';
import { loadConfigForCommand } from './load-config.js';

/** `signals test [outcome]`: plays the patterns on the configured driver, for installation. */
export function signalsTestCommand(): Command {
  const signals = new Command('signals').description('LEDs and buzzer');
  signals
    .command('test')
    .description('play one pattern, or all of them and the idle states, on the configured LEDs and buzzer')
    .option('-c, --config <file>', 'configuration file')
    .argument('[outcome]', `one of: ${PATTERN_NAMES.join(', ')}`)
    .action(async (outcome: string | undefined, opts: { config?: string }) => {
      if (outcome !== undefined && !isPatternName(outcome)) {
        throw new CliError(
          `unknown outcome "${outcome}"; valid names: ${PATTERN_NAMES.join(', ')}`,
          EXIT.usage,
        );
      }
      const config = loadConfigForCommand(opts.config, process.env);
      // Human lines on stderr: the pattern names on stdout stay readable.
      const logger = createLogger(config.log.level, logView(process.stderr, commandLine)).child({
        part: 'signals',
      });
      // The sequence runs its own self-test, so the factory must not start a second one.
      const driver = await createSignals({ ...config.signals, selfTest: false }, { logger });
      if (config.signals.driver === 'gpio' && driver.kind !== 'gpio') {
        await driver.stop();
        throw new CliError('the gpio outputs are not usable; the warning above says why');
      }
      process.stdout.write(`signals driver: ${driver.kind}\n`);
      try {
        await playSequence(driver, outcome === undefined ? PATTERN_NAMES : [outcome], {
          wait: (ms) => sleep(ms),
          announce: (name) => process.stdout.write(`-- ${name}\n`),
        });
      } finally {
        await driver.stop();
      }
    });
  return signals;
}
