import { statSync } from 'node:fs';
import { dirname } from 'node:path';

import type { Problem } from './errors.js';

/** What is wrong with a data directory, said the same way by every command and by `doctor`. */
export type DataDirProblem = Problem;

export type StatFn = (path: string) => { isDirectory(): boolean };

/**
 * Why `dataDir` cannot hold a database, or null when it exists as a directory or can be created.
 * Whether it can be written is left to the attempt (and to the doctor's probe): permission bits do
 * not tell about read-only mounts or ACLs.
 */
export function dataDirProblem(dataDir: string, stat: StatFn = statSync): DataDirProblem | null {
  if (dataDir.includes('\0')) {
    return {
      detail: `dataDir ${JSON.stringify(dataDir)} contains a NUL byte`,
      fix: 'set dataDir to a real path',
    };
  }
  let path = dataDir;
  for (;;) {
    try {
      if (stat(path).isDirectory()) return null;
      return notADirectory(dataDir, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: some parent is a file; the walk up finds which.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return describeDataDirError(dataDir, error);
      if (dirname(path) === path) return null;
      path = dirname(path);
    }
  }
}

/** The problem for an error of creating or using `dataDir` (mkdir, open). */
export function describeDataDirError(dataDir: string, error: unknown): DataDirProblem {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return {
        detail: `the data directory ${dataDir} is not accessible to this user (${code})`,
        fix: `run the command with sudo, or give the directory to the service user: sudo install -d -m 0700 -o moco-timeclock -g moco-timeclock ${dataDir}`,
      };
    case 'EROFS':
      return {
        detail: `the data directory ${dataDir} is on a read-only file system (${code})`,
        fix: 'set dataDir to a directory on a writable file system',
      };
    case 'ENOTDIR':
      return dataDirProblem(dataDir) ?? notADirectory(dataDir, dataDir);
    default:
      return {
        detail: `the data directory ${dataDir} cannot be used (${code})`,
        fix: 'set dataDir to a directory the service user can write',
      };
  }
}

function notADirectory(dataDir: string, file: string): DataDirProblem {
  return {
    detail:
      file === dataDir
        ? `the data directory ${dataDir} is a file, not a directory`
        : `the data directory ${dataDir} cannot exist: ${file} is a file, not a directory`,
    fix: `set dataDir in the configuration to a directory, or move ${file} away`,
  };
}
