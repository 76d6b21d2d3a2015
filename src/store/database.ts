import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { errorMessage } from '../error-message.js';
import { dataDirProblem, describeDataDirError } from './data-dir.js';
import { corruptDatabase, DatabaseError, noDatabaseYet, storageError } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type { Database } from 'better-sqlite3';
export { DatabaseError, type DatabaseErrorCode } from './errors.js';

export const DATABASE_FILE = 'timeclock.db';

/**
 * An admin command waits this long for the daemon's write lock: the daemon's writes are single
 * rows, so this is only ever reached when something else holds the database.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * How long the daemon waits for a write lock. better-sqlite3 is synchronous: while it waits, the
 * event loop stands still, so this also bounds how long everything else (the reader, the answer to
 * the tap before) waits. A tap writes once before its answer (the journal append, or the unknown
 * scan), and once more when an earlier tap of its lane goes out first (its in-flight mark): half
 * the feedback budget each keeps the person's wait within it. Admin writes hold the lock far
 * shorter (short transactions, and an import that merges in one quick statement pair).
 */
export function daemonBusyTimeoutMs(feedbackTimeoutMs: number): number {
  return Math.min(1000, Math.floor(feedbackTimeoutMs / 2));
}

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export interface OpenDatabaseOptions {
  /** The schema steps to apply; tests pass a prefix to build an older database. */
  migrations?: readonly Migration[];
  /** False: the file must exist already (`no_database` otherwise); nothing is created. */
  create?: boolean;
  /** How long a write waits for another process's write lock; blocks the event loop meanwhile. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if `create`, the default) the database at `path`, private to its owner, in WAL
 * mode with full fsync, and brings its schema up to date. Every failure is a DatabaseError whose
 * message is the one line to show.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const create = options.create ?? true;
  const dataDir = dirname(path);
  const problem = dataDirProblem(dataDir);
  if (problem !== null) throw new DatabaseError('bad_path', path, problem);
  let db: Database;
  try {
    if (create) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      createPrivateFile(path);
    }
    db = new BetterSqlite3(path, {
      timeout: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS,
      fileMustExist: !create,
    });
  } catch (error) {
    throw openFailure(error, path, dataDir);
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new DatabaseError(
        'open_failed',
        path,
        `${path}: the file system does not support WAL (got ${mode})`,
      );
    }
    // Must come after journal_mode: better-sqlite3 is built to fall back to NORMAL for WAL databases,
    // which can lose the last taps on power loss, and a Pi loses power.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    runMigrations(db, migrations, path);
    // SQLite gives -wal and -shm the main file's mode, but a file created under a wider umask by an
    // older version or by hand keeps its mode until someone narrows it.
    for (const file of [path, `${path}-wal`, `${path}-shm`]) narrowMode(file);
    return db;
  } catch (error) {
    const failure = error instanceof DatabaseError ? error : describeFailure(error, path, db);
    db.close();
    throw failure;
  }
}

/**
 * The DatabaseError for something that went wrong with an open database: a storage fault by its
 * code, else, when the database fails its quick check, damage (which SQLite reports under many
 * codes: "string or blob too big" from a mangled record, for one). Anything else is returned as
 * it is: it is not the database's fault.
 */
export function describeFailure(error: unknown, path: string, db: Database): unknown {
  if (error instanceof DatabaseError) return error;
  const known = storageError(error, path);
  if (known !== null) return known;
  if (!(error instanceof BetterSqlite3.SqliteError)) return error;
  const damage = checkIntegrity(db);
  return damage === null ? error : corruptDatabase(path, damage, error);
}

/** Null when SQLite's quick check passes, else its first finding. */
export function checkIntegrity(db: Database): string | null {
  try {
    const rows = db.pragma('quick_check(1)') as { quick_check: string }[];
    const first = rows[0]?.quick_check ?? 'no answer';
    return first === 'ok'
      ? null
      : first
          .replace(/^\*\*\* in database \w+ \*\*\*/, '')
          .replace(/\s+/g, ' ')
          .trim();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function openFailure(error: unknown, path: string, dataDir: string): DatabaseError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'SQLITE_CANTOPEN' && !existsSync(path)) {
    return noDatabaseYet(path);
  }
  const known = storageError(error, path);
  if (known !== null) return known;
  if (code !== undefined && !code.startsWith('SQLITE_')) {
    return new DatabaseError('bad_path', path, describeDataDirError(dataDir, error), error);
  }
  return new DatabaseError(
    'open_failed',
    path,
    {
      detail: `cannot open the database ${path} (${code ?? errorMessage(error)})`,
      fix: `the files in ${dataDir} must belong to the service user: sudo chown -R moco-timeclock: ${dataDir}`,
    },
    error,
  );
}

/** Whether there is a database at `path`: none, a file of zero bytes, or one with content. */
export function databaseFileState(path: string): 'missing' | 'empty' | 'present' {
  const problem = dataDirProblem(dirname(path));
  if (problem !== null) throw new DatabaseError('bad_path', path, problem);
  try {
    return statSync(path).size === 0 ? 'empty' : 'present';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new DatabaseError('bad_path', path, describeDataDirError(dirname(path), error), error);
  }
}

/** Applies every step above the database's `user_version`, one transaction each. */
export function runMigrations(db: Database, migrations: readonly Migration[], path = db.name): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new DatabaseError(
        'bad_migrations',
        path,
        `migration "${migration.description}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
  const known = migrations.length;
  const current = userVersion(db);
  if (current > known) {
    throw new DatabaseError(
      'downgrade',
      path,
      `the database ${path} has schema version ${current}, but this moco-timeclock knows only up to ` +
        `${known}: it was written by a newer version. Install that version again, or restore a backup.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    // IMMEDIATE takes the write lock before reading user_version, so when the daemon and the CLI open
    // a fresh database at once, the second one waits and then sees the step done instead of redoing it.
    db.transaction(() => {
      if (userVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function narrowMode(file: string): void {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (error) {
    // Gone (checkpointed away) or owned by someone else: nothing this process can or must fix.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw error;
  }
}
