import type { Database } from 'better-sqlite3';

/**
 * The schema, as an ordered list of steps. `openDatabase` runs every step whose version is above the
 * database's `PRAGMA user_version`, each in its own transaction that also sets `user_version`, so a
 * crash mid-way leaves the database at the last complete step.
 *
 * To change the schema, append a step with the next version number (versions are 1, 2, 3, ... without
 * gaps; `runMigrations` refuses anything else) and never edit a step that has shipped: databases in the
 * field have already run it. A step must only use SQL that works on the data an older version left,
 * and holds its SQL itself: a runtime module's constant changes with the code, a shipped step must not.
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
      db.exec(`
  CREATE TABLE taps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lane TEXT NOT NULL,
    uid TEXT NOT NULL,
    user_id INTEGER,
    user_name TEXT,
    at_ms INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    clock_synced INTEGER NOT NULL DEFAULT 1,
    mono_ns INTEGER,
    boot_id TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    outcome TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,
    time_uncertain INTEGER NOT NULL DEFAULT 0,
    delivered_at INTEGER
  );
  CREATE INDEX taps_by_state ON taps (state, id);
  CREATE INDEX taps_by_lane ON taps (lane, state, id);
  CREATE INDEX taps_by_uid ON taps (uid, at_ms);
`);
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
  {
    version: 6,
    description: 'badges without a key of their own, for one Staff key acting for every user',
    up(db) {
      dropNotNull(db, 'badges', 'api_key');
    },
  },
  {
    version: 7,
    description:
      "the kiosk's copy of the badges kept in MOCO: users, their badge UIDs, when each was last seen",
    up(db) {
      db.exec(`
  CREATE TABLE moco_users (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    has_field INTEGER NOT NULL,
    invalid TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE moco_badges (
    uid TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES moco_users (id) ON DELETE CASCADE,
    last_seen_at INTEGER,
    PRIMARY KEY (uid, user_id)
  ) STRICT;
  CREATE INDEX moco_badges_by_user ON moco_badges (user_id);
`);
    },
  },
];

/**
 * SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt from its own stored
 * definition with the constraint removed (the procedure of sqlite.org/lang_altertable.html), so
 * columns, indexes and triggers another step may have added to it survive whatever order the steps
 * run in. Runs inside the migration's transaction.
 */
function dropNotNull(db: Database, table: string, column: string): void {
  const schema = db
    .prepare<[string], { type: string; name: string; sql: string | null }>(
      'SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?',
    )
    .all(table);
  const definition = schema.find((entry) => entry.type === 'table')?.sql ?? '';
  const constraint = new RegExp(`(\\b${column}\\s+\\w+)\\s+NOT\\s+NULL\\b`, 'i');
  if (!constraint.test(definition)) return;
  const rebuilt = `${table}_rebuilt`;
  const columns = db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all()
    .map((c) => `"${c.name}"`)
    .join(', ');
  db.exec(
    definition.replace(constraint, '$1').replace(/^CREATE TABLE\s+("?)\w+\1/i, `CREATE TABLE ${rebuilt}`),
  );
  db.exec(`INSERT INTO ${rebuilt} (${columns}) SELECT ${columns} FROM ${table}`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${rebuilt} RENAME TO ${table}`);
  for (const entry of schema) {
    if (entry.type !== 'table' && entry.sql !== null) db.exec(entry.sql);
  }
}
