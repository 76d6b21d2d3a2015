import type { Database } from 'better-sqlite3';
import type { Config } from '../config/index.js';
import type { Clock } from '../time/clock.js';
import { BadgeStore } from './badges.js';
import { migratePlaintextKeys } from './badges-master-key.js';
import {
  checkIntegrity,
  databaseFileState,
  databasePath,
  describeFailure,
  openDatabase,
} from './database.js';
import { corruptDatabase, emptyDatabase, missingDatabase, noDatabaseYet } from './errors.js';
import type { WriteObserver } from './health.js';
import { acquireInstanceLock, type InstanceLock } from './instance-lock.js';
import { Journal } from './journal.js';
import { MocoBadges } from './moco-badges.js';
import { dropPrivilegesToOwnerOf, type PrivilegedProcess } from './privileges.js';
import { KeyCipher, loadMasterKey, masterKeyExists, masterKeyPath } from './secrets.js';
import { UnknownScans } from './unknown-scans.js';

/**
 * Who opens, which decides what may be created. A master key and a database are made together
 * (by the installer's `init`, or by a new kiosk's first `badge add`), so a key without a database
 * means the database was lost or `dataDir` points elsewhere: that is an error, never a fresh start
 * in which every badge answers `unknown_badge`.
 */
export type StoreAccess =
  /** The daemon: reads the master key, needs the database, holds the one-daemon lock. */
  | 'daemon'
  /** Commands on what exists: `no_database` when there is nothing yet; nothing is created. */
  | 'existing'
  /** Enrolling commands: on a new kiosk (no key, no database) they create both. */
  | 'enrol'
  /** `init`: creates what is missing. */
  | 'init';

export interface Stores {
  db: Database;
  badges: BadgeStore;
  /** The copy of the badges kept in MOCO (`badges.source: moco`); empty otherwise. */
  mocoBadges: MocoBadges;
  unknownScans: UnknownScans;
  journal: Journal;
  /** How many plain-text keys were encrypted on this open (rows left by an older version). */
  migratedKeys: number;
  /** What this open created, so that the command says so. */
  created: { masterKey: string | null; database: string | null };
  close(): void;
}

export interface OpenStoresOptions {
  config: Pick<Config, 'dataDir'> & { configPath: string };
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** `enrol` unless said otherwise: what the test helpers and the demo do to set up a kiosk. */
  access?: StoreAccess;
  process?: PrivilegedProcess;
  busyTimeoutMs?: number;
  /** Hears about the tap path's writes (the daemon's storage health). */
  observer?: WriteObserver;
}

/**
 * The one way into the data: the master key first (root-only, so read before anything else), then
 * as the data directory's owner the instance lock (daemon only) and the database, whose plain-text
 * keys get encrypted on the way.
 */
export function openStores(options: OpenStoresOptions): Stores {
  const { config, env, clock } = options;
  const access = options.access ?? 'enrol';
  const path = databasePath(config.dataDir);
  const keyOptions = { env, configPath: config.configPath };
  const created: Stores['created'] = { masterKey: null, database: null };
  const state = databaseFileState(path);
  const keyExisted = masterKeyExists(keyOptions);
  if (state !== 'present') refuseWithoutDatabase(access, state, keyExisted, path, keyOptions);
  // Never a new key beside an existing database: it would orphan every stored badge key.
  const create = state !== 'present' && (access === 'init' || (access === 'enrol' && !keyExisted));
  const cipher = new KeyCipher(
    loadMasterKey({
      ...keyOptions,
      create,
      onCreated: (keyPath) => {
        created.masterKey = keyPath;
      },
    }),
  );
  dropPrivilegesToOwnerOf(config.dataDir, options.process ?? process);
  let lock: InstanceLock | null = null;
  if (access === 'daemon') lock = acquireInstanceLock(config.dataDir);
  let db: Database;
  try {
    db = openDatabase(path, { create: state !== 'present', busyTimeoutMs: options.busyTimeoutMs });
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (state !== 'present') created.database = path;
  const close = () => {
    db.close();
    lock?.release();
  };
  try {
    // Once per start, so that damage in pages no start-up query reads is found now, as one line,
    // and not by the taps that need them.
    const damage = access === 'daemon' ? checkIntegrity(db) : null;
    if (damage !== null) throw corruptDatabase(path, damage);
    const migratedKeys = migratePlaintextKeys(db, cipher);
    return {
      db,
      badges: new BadgeStore(db, cipher, clock),
      mocoBadges: new MocoBadges(db),
      unknownScans: new UnknownScans(db, clock, undefined, options.observer),
      journal: new Journal(db, options.observer),
      migratedKeys,
      created,
      close,
    };
  } catch (error) {
    const failure = describeFailure(error, path, db);
    close();
    throw failure;
  }
}

function refuseWithoutDatabase(
  access: StoreAccess,
  state: 'missing' | 'empty',
  keyExisted: boolean,
  path: string,
  keyOptions: { env: NodeJS.ProcessEnv; configPath: string },
): void {
  if (access === 'init') {
    if (state === 'empty') throw emptyDatabase(path, keyExisted);
    return;
  }
  if (keyExisted) {
    if (state === 'empty') throw emptyDatabase(path, true);
    throw missingDatabase(path, masterKeyPath(keyOptions).path, keyOptions.configPath);
  }
  if (access !== 'enrol') throw noDatabaseYet(path);
}
