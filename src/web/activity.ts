import type { Database } from 'better-sqlite3';
import type { FinalOutcome, TapState } from '../store/journal.js';

/** One line of "the last taps": a journaled tap, or a badge the kiosk does not know. */
export type Activity =
  | {
      kind: 'tap';
      at: number;
      uid: string;
      who: string | null;
      tapId: number;
      state: TapState;
      outcome: FinalOutcome | null;
    }
  | { kind: 'unknown'; at: number; uid: string };

interface TapRow {
  id: number;
  uid: string;
  at_ms: number;
  state: TapState;
  outcome: FinalOutcome | null;
  who: string | null;
}

/**
 * The newest taps and unknown badges, newest first: a read for the status page, two indexed
 * queries that take no write lock. The badge's label wins over the MOCO name, as in `badge list`.
 */
export function recentActivity(db: Database, limit: number): Activity[] {
  const taps = db
    .prepare<[number], TapRow>(
      `SELECT t.id, t.uid, t.at_ms, t.state, t.outcome, COALESCE(b.label, t.user_name) AS who
         FROM taps t LEFT JOIN badges b ON b.uid = t.uid ORDER BY t.id DESC LIMIT ?`,
    )
    .all(limit)
    .map(
      (row): Activity => ({
        kind: 'tap',
        at: row.at_ms,
        uid: row.uid,
        who: row.who,
        tapId: row.id,
        state: row.state,
        outcome: row.outcome,
      }),
    );
  const unknown = db
    .prepare<[number], { uid: string; at: number }>(
      'SELECT uid, at FROM unknown_scans ORDER BY id DESC LIMIT ?',
    )
    .all(limit)
    .map((row): Activity => ({ kind: 'unknown', at: row.at, uid: row.uid }));
  return [...taps, ...unknown].sort((a, b) => b.at - a.at).slice(0, limit);
}

/** Who each badge is, as lists show it (the label, else the MOCO name), read without touching any key. */
export function badgeNames(db: Database): Map<string, string | null> {
  const rows = db
    .prepare<[], { uid: string; name: string | null }>(
      'SELECT uid, COALESCE(label, user_name) AS name FROM badges',
    )
    .all();
  return new Map(rows.map((row) => [row.uid, row.name]));
}
