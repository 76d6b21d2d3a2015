import { Command } from 'commander';
import { CONFIG_HELP, loadConfigForCommand } from './load-config.js';

/**
 * `config check`: whether a configuration file would be accepted, touching nothing else: what the
 * installer asks before it changes anything, and what an admin runs after editing the file.
 */
export function configCommand(): Command {
  const config = new Command('config').description('the configuration file');
  config
    .command('check')
    .description('validate the configuration and print every problem (exit 78), or that it is valid')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((options: { config?: string }) => {
      const { configPath } = loadConfigForCommand(options.config, process.env);
      process.stdout.write(`${configPath}: valid configuration\n`);
    });
  return config;
}
