import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type { Database } from 'better-sqlite3';

export const DATABASE_FILE = 'timeclock.db';

/** The daemon and an admin's CLI run at once; a writer waits this long for the other before failing. */
export const BUSY_TIMEOUT_MS = 5000;

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export type DatabaseErrorCode = 'open_failed' | 'downgrade' | 'bad_migrations';

export class DatabaseError extends Error {
  readonly code: DatabaseErrorCode;
  readonly path: string;

  constructor(code: DatabaseErrorCode, path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DatabaseError';
    this.code = code;
    this.path = path;
  }
}

export interface OpenDatabaseOptions {
  /** The schema steps to apply; tests pass a prefix to build an older database. */
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the database at `path`, private to its owner, in WAL mode with full
 * fsync, and brings its schema up to date.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  let db: Database;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    createPrivateFile(path);
    db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new DatabaseError('open_failed', path, `cannot open the database ${path}: ${reason(error)}`, error);
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
    db.close();
    if (error instanceof DatabaseError) throw error;
    throw new DatabaseError('open_failed', path, `cannot open the database ${path}: ${reason(error)}`, error);
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

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
