import type { Config } from '../config/index.js';
import { CliError, EXIT } from '../exit.js';
import { describeFailure } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import { openStores, type StoreAccess, type Stores } from '../store/open.js';
import type { PrivilegedProcess } from '../store/privileges.js';
import { KeyCipherError, masterKeyPath } from '../store/secrets.js';
import { type Clock, systemClock } from '../time/clock.js';
import { loadConfigForCommand } from './load-config.js';

export interface StoreIo {
  env: NodeJS.ProcessEnv;
  clock: Clock;
  process: PrivilegedProcess;
  /** Where notes go: what was created, what was migrated. */
  err: (text: string) => void;
}

export const processIo: StoreIo = {
  env: process.env,
  clock: systemClock,
  process,
  err: (text) => process.stderr.write(text),
};

export interface WithStoresOptions {
  config?: string;
  access: StoreAccess;
  /** For `existing`: what to do instead when there is no database yet (else it is an error). */
  noDatabase?: (path: string, config: Config & { configPath: string }) => void;
}

/**
 * The common way of every command on the data: the configuration (exit 78 when invalid), then
 * `openStores` (master key, privilege drop, database), the action, close. A storage fault during the
 * action (a full disk, damage) becomes its one line, as it would at open.
 */
export async function withStores<T>(
  io: StoreIo,
  options: WithStoresOptions,
  action: (stores: Stores, config: Config & { configPath: string }) => T | Promise<T>,
): Promise<T | undefined> {
  const config = loadConfigForCommand(options.config, io.env);
  let stores: Stores;
  try {
    stores = openStores({
      config,
      env: io.env,
      clock: io.clock,
      process: io.process,
      access: options.access,
    });
  } catch (error) {
    if (error instanceof DatabaseError && error.code === 'no_database' && options.noDatabase !== undefined) {
      options.noDatabase(error.path, config);
      return undefined;
    }
    throw describeKeyError(error, io.env, config.configPath);
  }
  try {
    if (stores.created.masterKey !== null) {
      io.err(
        `created the master key ${stores.created.masterKey}: back it up (without it the stored API keys ` +
          'cannot be read)\n',
      );
    }
    if (stores.created.database !== null) io.err(`created the database ${stores.created.database}\n`);
    if (stores.migratedKeys > 0)
      io.err(`encrypted ${stores.migratedKeys} API keys that were stored in plain text\n`);
    return await action(stores, config);
  } catch (error) {
    throw describeKeyError(describeFailure(error, stores.db.name, stores.db), io.env, config.configPath);
  } finally {
    stores.close();
  }
}

function describeKeyError(error: unknown, env: NodeJS.ProcessEnv, configPath: string): unknown {
  if (error instanceof KeyCipherError) {
    return new CliError(
      `${error.message} (master key: ${masterKeyPath({ env, configPath }).path})`,
      EXIT.config,
    );
  }
  return error;
}
