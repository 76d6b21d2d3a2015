import type { Database } from 'better-sqlite3';
import type { Config } from '../config/index.js';
import type { Clock } from '../time/clock.js';
import { BadgeStore, migratePlaintextKeys } from './badges.js';
import { databasePath, openDatabase } from './database.js';
import { Journal } from './journal.js';
import { MocoBadges } from './moco-badges.js';
import { dropPrivilegesToOwnerOf, type PrivilegedProcess } from './privileges.js';
import { KeyCipher, loadMasterKey } from './secrets.js';
import { UnknownScans } from './unknown-scans.js';

export interface Stores {
  db: Database;
  badges: BadgeStore;
  /** The copy of the badges kept in MOCO (`badges.source: moco`); empty otherwise. */
  mocoBadges: MocoBadges;
  unknownScans: UnknownScans;
  journal: Journal;
  /** How many plain-text keys were encrypted on this open (rows left by an older version). */
  migratedKeys: number;
  close(): void;
}

/**
 * The one way into the data: the master key first (root-only, so read before anything else), then
 * as the data directory's owner the database, whose plain-text keys get encrypted on the way.
 */
export function openStores(options: {
  config: Pick<Config, 'dataDir'> & { configPath: string };
  env: NodeJS.ProcessEnv;
  clock: Clock;
  process?: PrivilegedProcess;
}): Stores {
  const { config, env, clock } = options;
  const cipher = new KeyCipher(loadMasterKey({ env, configPath: config.configPath, create: true }));
  dropPrivilegesToOwnerOf(config.dataDir, options.process ?? process);
  const db = openDatabase(databasePath(config.dataDir));
  try {
    const migratedKeys = migratePlaintextKeys(db, cipher);
    return {
      db,
      badges: new BadgeStore(db, cipher, clock),
      mocoBadges: new MocoBadges(db),
      unknownScans: new UnknownScans(db, clock),
      journal: new Journal(db),
      migratedKeys,
      close: () => db.close(),
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
