import { Command } from 'commander';
import { databaseFileState, databasePath } from '../store/database.js';
import { masterKeyPath } from '../store/secrets.js';
import { loadConfigForCommand } from './load-config.js';
import { processIo, withStores } from './stores.js';

/**
 * Sets a kiosk up: the master key and an empty database, made together. The installer runs it;
 * after a lost database it is the deliberate way to start with an empty one.
 */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'create the master key and an empty database where they are missing (the installer runs this)',
    )
    .option('-c, --config <file>', 'configuration file')
    .action(async (options: { config?: string }) => {
      const config = loadConfigForCommand(options.config, process.env);
      const path = databasePath(config.dataDir);
      if (databaseFileState(path) === 'present') {
        // An existing database is left exactly as it is: not even migrated, since during an
        // upgrade the old daemon may still be running on it.
        process.stdout.write(`the database ${path} exists: nothing to do\n`);
        return;
      }
      await withStores(processIo, { config: options.config, access: 'init' }, ({ created }) => {
        const key = masterKeyPath({ env: process.env, configPath: config.configPath }).path;
        if (created.masterKey === null) process.stdout.write(`using the master key ${key}\n`);
        process.stdout.write(
          `set up: the daemon can start; enrol badges with "moco-timeclock badge add <uid> --key -"\n`,
        );
      });
    });
}
