import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The one error type of the store. Its message is the one line an operator reads: what is wrong,
 * with the path, and what to do. Callers branch on `code`.
 */
export type DatabaseErrorCode =
  /** The data directory cannot hold a database: a parent is a file, no access, read-only. */
  | 'bad_path'
  /** There is no database, and nothing says there should be one: a kiosk not set up yet. */
  | 'no_database'
  /** There is no database, but the master key says this kiosk had one. */
  | 'missing'
  /** The database file has zero bytes, but the master key says it held badges and taps. */
  | 'empty'
  | 'corrupt'
  /** The disk is full: a restart does not help, freed space does, without a restart. */
  | 'full'
  /** Another process holds the write lock for longer than this connection waits. */
  | 'busy'
  /** Reading or writing the file failed below SQLite: a failing SD card, a vanished mount. */
  | 'io'
  /** Another daemon holds this data directory. */
  | 'already_running'
  | 'downgrade'
  | 'bad_migrations'
  | 'open_failed';

/**
 * Whether restarting cannot fix it (exit 78, which systemd does not restart on). A full disk, a lock
 * or a second daemon pass; a damaged, lost or misplaced database stays so until someone acts.
 */
const RESTART_CANNOT_FIX: Record<DatabaseErrorCode, boolean> = {
  bad_path: true,
  no_database: true,
  missing: true,
  empty: true,
  corrupt: true,
  downgrade: true,
  full: false,
  busy: false,
  io: false,
  already_running: false,
  bad_migrations: false,
  open_failed: false,
};

/** What is wrong and what to do, apart: `doctor` prints them as its FAIL line and its fix. */
export interface Problem {
  detail: string;
  fix: string;
}

export class DatabaseError extends Error {
  readonly code: DatabaseErrorCode;
  readonly path: string;
  readonly detail: string;
  readonly fix: string | null;

  /** The message is the problem's `detail: fix`, the one line a command prints. */
  constructor(code: DatabaseErrorCode, path: string, problem: string | Problem, cause?: unknown) {
    super(
      typeof problem === 'string' ? problem : `${problem.detail}: ${problem.fix}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'DatabaseError';
    this.code = code;
    this.path = path;
    this.detail = typeof problem === 'string' ? problem : problem.detail;
    this.fix = typeof problem === 'string' ? null : problem.fix;
  }

  get restartCannotFix(): boolean {
    return RESTART_CANNOT_FIX[this.code];
  }
}

/** What a failed read or write of the database means, from SQLite's or the system's error code. */
export type StorageFault = 'full' | 'busy' | 'corrupt' | 'io' | 'read_only';

/** The fault behind an error, or null when the error is not about storage (a bug, a constraint). */
export function storageFault(error: unknown): StorageFault | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  return null;
}

/**
 * The fault behind an error at `path`. A full disk does not always say SQLITE_FULL: growing the
 * shared-memory file on a full tmpfs fails as SQLITE_IOERR_SHMSIZE, for one. So an I/O error on a
 * file system without a free block counts as full.
 */
export function faultAt(error: unknown, path: string): StorageFault | null {
  const fault = storageFault(error);
  if (fault !== 'io') return fault;
  try {
    return statfsSync(dirname(path)).bavail === 0 ? 'full' : 'io';
  } catch {
    return 'io';
  }
}

/** The one line for a storage fault at `path`, or null when `error` is not one. */
export function storageError(error: unknown, path: string): DatabaseError | null {
  const fault = faultAt(error, path);
  if (fault === null) return null;
  const code = (error as { code: string }).code;
  const dir = dirname(path);
  switch (fault) {
    case 'full':
      return new DatabaseError(
        'full',
        path,
        {
          detail: `the disk holding ${dir} is full (${code}); nothing was written`,
          fix: `free some space there (df -h ${dir})`,
        },
        error,
      );
    case 'busy':
      return new DatabaseError(
        'busy',
        path,
        {
          detail: `the database ${path} stayed locked by another process (${code})`,
          fix: 'try again in a moment',
        },
        error,
      );
    case 'corrupt':
      return corruptDatabase(path, code, error);
    case 'io':
      return new DatabaseError(
        'io',
        path,
        {
          detail: `reading or writing ${path} failed (${code}): the storage may be failing`,
          fix: `check "dmesg", and copy ${dir} somewhere safe`,
        },
        error,
      );
    case 'read_only':
      return new DatabaseError(
        'bad_path',
        path,
        {
          detail: `${path} cannot be written (${code}): the file system is read-only or the file is not the service user's`,
          fix: `sudo chown -R moco-timeclock: ${dir}`,
        },
        error,
      );
  }
}

export function corruptDatabase(path: string, finding: string, cause?: unknown): DatabaseError {
  return new DatabaseError(
    'corrupt',
    path,
    {
      detail: `the database ${path} is damaged (${finding})`,
      fix:
        'restore it from a backup, or move it aside with its -wal and -shm files and run "moco-timeclock init" ' +
        'for an empty one (its badges and queued taps are then lost)',
    },
    cause,
  );
}

export function missingDatabase(path: string, keyPath: string, configPath: string): DatabaseError {
  return new DatabaseError('missing', path, {
    detail: `there is no database at ${path}, but there is a master key (${keyPath}), so this kiosk had one`,
    fix:
      `check dataDir in ${configPath}, restore the database from a backup, or run "moco-timeclock init" ` +
      'to start with an empty one (every badge must then be enrolled again)',
  });
}

export function noDatabaseYet(path: string): DatabaseError {
  return new DatabaseError('no_database', path, {
    detail: `no database yet at ${path}`,
    fix: 'set this kiosk up with "moco-timeclock init" (the installer does), or enrol a first badge with "moco-timeclock badge add"',
  });
}

export function emptyDatabase(path: string, keyExisted: boolean): DatabaseError {
  const why = keyExisted ? ', but there is a master key, so it held badges and taps' : '';
  return new DatabaseError('empty', path, {
    detail: `the database ${path} is empty (0 bytes)${why}`,
    fix: 'restore it from a backup, or move it aside and run "moco-timeclock init" to start with an empty one',
  });
}
