import type { Database } from 'better-sqlite3';
import type { Connectivity } from '../connectivity.js';
import type { Outcome } from '../outcome.js';
import type { ReaderState } from '../readers/reader.js';

/** What the running daemon tells `moco-timeclock status`, kept in the database it already writes. */
export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: number;
  /** Refreshed periodically: a stale heartbeat means the daemon is not running. */
  heartbeatAt: number;
  connectivity: Connectivity;
  connectivitySince: number;
  reader: ReaderState;
  /** null: nothing can tell whether the system clock is synchronised. */
  clockSynchronized: boolean | null;
  /** MOCO's clock minus the kiosk's (ms), from the `Date` of MOCO's last answer; null before one. */
  mocoClockOffsetMs?: number | null;
  lastScan: { at: number; outcome: Outcome } | null;
}

const KEY = 'daemon_status';

export function writeDaemonStatus(db: Database, status: DaemonStatus): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(KEY, JSON.stringify(status));
}

export function readDaemonStatus(db: Database): DaemonStatus | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(KEY) as { value: string } | undefined;
  return row === undefined ? null : (JSON.parse(row.value) as DaemonStatus);
}
