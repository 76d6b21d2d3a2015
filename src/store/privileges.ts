import { chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from './database.js';

/** The parts of `process` that switching users needs; tests pass a recording fake. */
export interface PrivilegedProcess {
  getuid?: () => number;
  setuid?: (id: number) => void;
  setgid?: (id: number) => void;
  initgroups?: (user: number, extraGroup: number) => void;
  setgroups?: (groups: number[]) => void;
}

/** The parts of `fs` the decision reads and the repair uses. */
export interface OwnershipFs {
  statSync(path: string): { uid: number; gid: number };
  chownSync(path: string, uid: number, gid: number): void;
}

export type PrivilegeDecision =
  | { dropped: false; reason: 'not_root' | 'no_data_dir' | 'owned_by_root' }
  | { dropped: true; uid: number; gid: number; repaired: string[] };

const DATABASE_FILES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  `${DATABASE_FILE}-journal`,
];

/**
 * When run as root (`sudo moco-timeclock badge ...`), becomes the user owning the data directory
 * (the daemon's user) so every file SQLite creates stays writable by the daemon. Call it after reading
 * the root-only master key and before opening the database.
 *
 * Database files an older root run left behind are first given back to that user, since after the
 * switch nobody could fix them.
 */
export function dropPrivilegesToOwnerOf(
  dataDir: string,
  proc: PrivilegedProcess = process,
  fs: OwnershipFs = { statSync, chownSync },
): PrivilegeDecision {
  if (proc.getuid === undefined || proc.getuid() !== 0) return { dropped: false, reason: 'not_root' };
  let owner: { uid: number; gid: number };
  try {
    owner = fs.statSync(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { dropped: false, reason: 'no_data_dir' };
    throw error;
  }
  if (owner.uid === 0) return { dropped: false, reason: 'owned_by_root' };
  const { uid, gid } = owner;
  const repaired: string[] = [];
  for (const name of DATABASE_FILES) {
    const file = join(dataDir, name);
    try {
      if (fs.statSync(file).uid === 0) {
        fs.chownSync(file, uid, gid);
        repaired.push(file);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  // Groups first and the user last: once the user is not root, neither can change any more.
  // Root's supplementary groups (root, disk, ...) must not survive the switch.
  try {
    if (proc.initgroups === undefined) throw new Error('no initgroups');
    proc.initgroups(uid, gid);
  } catch {
    // A uid without a passwd entry has no supplementary groups to look up: keep only its own group.
    proc.setgroups?.([gid]);
  }
  proc.setgid?.(gid);
  proc.setuid?.(uid);
  if (proc.getuid() !== uid) throw new Error(`could not switch to user ${uid}, the owner of ${dataDir}`);
  return { dropped: true, uid, gid, repaired };
}
