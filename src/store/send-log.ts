import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { storageError } from './errors.js';

export const SEND_LOG_FILE = 'sent.db';

/** When requests to MOCO went out, as far back as the rate limiter's window reaches. */
export interface SendLog {
  /** Send times after `after` (the window's edge: older ones have left it), oldest first. */
  since(after: number): number[];
  /** Records a send time and forgets those at or before `forgetUpTo`. */
  record(at: number, forgetUpTo: number): void;
  close(): void;
}

/**
 * The rate limiter's memory across a restart: MOCO counts requests per window whoever sent them, so
 * a daemon killed mid-drain and restarted must not start with a full allowance. A file of its own,
 * written without fsync (a WAL append in the page cache, microseconds): a killed process loses
 * nothing of it, and only a power cut, after which a Pi needs longer to boot than MOCO's window
 * lasts, can lose the last entries. Nobody else opens it, so no admin command can lock it.
 */
export class SendLogFile implements SendLog {
  private readonly db: Database;
  private readonly insert: Statement;
  private readonly prune: Statement;
  private readonly select: Statement;

  constructor(dataDir: string) {
    const path = join(dataDir, SEND_LOG_FILE);
    try {
      closeSync(openSync(path, 'a', 0o600));
      this.db = new BetterSqlite3(path, { timeout: 0 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = OFF');
      this.db.exec('CREATE TABLE IF NOT EXISTS sent (at INTEGER NOT NULL)');
      // Each send forgets the ones that left the window: without an index that walks the whole
      // window (1,200 rows on an unlimited plan) for every request.
      this.db.exec('CREATE INDEX IF NOT EXISTS sent_by_at ON sent (at)');
    } catch (error) {
      throw storageError(error, path) ?? error;
    }
    this.insert = this.db.prepare('INSERT INTO sent (at) VALUES (?)');
    this.prune = this.db.prepare('DELETE FROM sent WHERE at <= ?');
    this.select = this.db.prepare('SELECT at FROM sent WHERE at > ? ORDER BY at').pluck();
  }

  since(after: number): number[] {
    return this.select.all(after) as number[];
  }

  record(at: number, forgetUpTo: number): void {
    this.insert.run(at);
    this.prune.run(forgetUpTo);
  }

  close(): void {
    this.db.close();
  }
}
