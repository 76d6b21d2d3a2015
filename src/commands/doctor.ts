import { Command } from 'commander';
import { resolveConfigPath } from '../config/index.js';
import { runDoctor } from '../doctor/doctor.js';
import { CONFIG_HELP } from './load-config.js';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the installation: configuration, data directory, master key, database, reader, GPIO, MOCO and badge keys or the Staff key, the badges, clock',
    )
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (options: { config?: string }) => {
      process.exitCode = await runDoctor({
        configPath: resolveConfigPath(options.config),
        out: process.stdout,
      });
    });
}
