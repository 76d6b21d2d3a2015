import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { DatabaseError, storageError, storageFault } from './errors.js';

export const LOCK_FILE = 'daemon.lock';
/** Only for the message of a second daemon: the lock, not this file, says whether one runs. */
export const PID_FILE = 'daemon.pid';

export interface InstanceLock {
  release(): void;
}

/**
 * One daemon per data directory, or two couriers would send the same backlog. The lock is SQLite's
 * own: an exclusive lock on a small database file of its own, which SQLite takes as a POSIX
 * advisory lock. The kernel drops such a lock with the process holding it, so a kill -9 or a power
 * cut cannot leave it stale, and the database next to it never sees it: admin commands and the
 * daemon share that one as before.
 */
export function acquireInstanceLock(dataDir: string, pid: number = process.pid): InstanceLock {
  const path = join(dataDir, LOCK_FILE);
  let db: Database | undefined;
  try {
    // No wait: the only contender is another daemon, and it holds the lock for its whole life.
    db = new BetterSqlite3(path, { timeout: 0 });
    // No journal file: taking the lock writes nothing, so it works on a full disk too.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    if (storageFault(error) === 'busy') {
      const holder = readPid(dataDir);
      throw new DatabaseError(
        'already_running',
        path,
        {
          detail: `already running (pid ${holder ?? 'unknown'}): another moco-timeclock daemon uses ${dataDir}`,
          fix: 'stop it first (sudo systemctl stop moco-timeclock)',
        },
        error,
      );
    }
    throw storageError(error, path) ?? error;
  }
  const held = db;
  writePid(dataDir, pid);
  return {
    release() {
      if (readPid(dataDir) === pid) rmSync(join(dataDir, PID_FILE), { force: true });
      held.close();
    },
  };
}

function readPid(dataDir: string): number | null {
  try {
    const text = readFileSync(join(dataDir, PID_FILE), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Best effort: on a full disk the daemon still runs, and a second one says "pid unknown". */
function writePid(dataDir: string, pid: number): void {
  try {
    writeFileSync(join(dataDir, PID_FILE), `${pid}\n`, { mode: 0o600 });
  } catch {
    // The message of a second daemon is all that depends on it.
  }
}
