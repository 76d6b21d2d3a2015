import type { Database } from 'better-sqlite3';
import { JOURNAL_SCHEMA } from './journal.js';

/**
 * The schema, as an ordered list of steps. `openDatabase` runs every step whose version is above the
 * database's `PRAGMA user_version`, each in its own transaction that also sets `user_version`, so a
 * crash mid-way leaves the database at the last complete step.
 *
 * To change the schema, append a step with the next version number (versions are 1, 2, 3, ... without
 * gaps; `runMigrations` refuses anything else) and never edit a step that has shipped: databases in the
 * field have already run it. A step must only use SQL that works on the data an older version left.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'badges and the meta table holding the master-key check',
    up(db) {
      db.exec(`
        CREATE TABLE badges (
          uid TEXT PRIMARY KEY NOT NULL,
          label TEXT,
          user_id INTEGER,
          user_name TEXT,
          api_key TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          last_seen_at INTEGER
        ) STRICT;
        CREATE TABLE meta (
          key TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    description: 'unknown scans, so an admin can enrol a badge by tapping it',
    up(db) {
      db.exec(`
        CREATE TABLE unknown_scans (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          uid TEXT NOT NULL,
          at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX unknown_scans_at ON unknown_scans (at);
      `);
    },
  },
  {
    version: 3,
    description: 'the tap journal: every accepted tap, durable before it is signalled or sent',
    up(db) {
      db.exec(JOURNAL_SCHEMA);
    },
  },
  {
    version: 4,
    description: 'what a request that may have landed was meant to do, when it went out, and 5xx counts',
    up(db) {
      // A touch left uncertain by an older version keeps its meaning: it was a touch.
      db.exec(`
        ALTER TABLE taps ADD COLUMN intent TEXT;
        ALTER TABLE taps ADD COLUMN sent_at INTEGER;
        ALTER TABLE taps ADD COLUMN server_errors INTEGER NOT NULL DEFAULT 0;
        UPDATE taps SET intent = '{"op":"touch"}', sent_at = at_ms WHERE uncertain = 1;
      `);
    },
  },
  {
    version: 5,
    description: 'what each delivery booked, open presences this kiosk knows of, and checks after a re-send',
    up(db) {
      db.exec(`
        ALTER TABLE taps ADD COLUMN presence_id INTEGER;
        ALTER TABLE taps ADD COLUMN verify_at INTEGER;
        ALTER TABLE taps ADD COLUMN verify TEXT;
        CREATE INDEX taps_by_verify ON taps (verify_at) WHERE verify_at IS NOT NULL;
        CREATE TABLE open_presences (
          presence_id INTEGER PRIMARY KEY NOT NULL,
          lane TEXT NOT NULL,
          uid TEXT NOT NULL,
          user_name TEXT,
          date TEXT NOT NULL,
          from_time TEXT NOT NULL,
          checked_at INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX open_presences_by_lane ON open_presences (lane, date);
      `);
    },
  },
];
