import type { Database } from 'better-sqlite3';

/**
 * The kiosk's copy of the badges kept in MOCO (`badges.source: moco`): the active users as the last
 * sync read them, and the UIDs their badge field holds. Taps are looked up here, so the kiosk works
 * while MOCO is unreachable; only the sync writes it, and `badge add` when it put a UID into MOCO.
 * The tables are made by migration 7 (migrations.ts).
 */

/** A MOCO user as the sync hands it over: active, with the badge field already read. */
export interface DirectoryUser {
  id: number;
  /** `firstname lastname`. */
  name: string;
  email: string | null;
  /** Whether MOCO sent the badge field for this user at all, empty or not. */
  hasField: boolean;
  uids: string[];
  /** Entries of the field that are no UID. */
  invalid: string[];
  /** MOCO's `updated_at`. */
  updatedAt: string;
}

export interface UserRef {
  id: number;
  name: string;
}

/** A UID on two active users is a conflict: never guessed, the badge counts as unknown. */
export type BadgeLookup =
  | { kind: 'unknown' }
  | { kind: 'user'; user: UserRef }
  | { kind: 'conflict'; users: UserRef[] };

export interface MocoBadgeRow {
  uid: string;
  userId: number;
  userName: string;
  lastSeenAt: number | null;
  /** Another user has this UID too. */
  conflict: boolean;
}

export interface MocoBadgeSummary {
  users: number;
  /** Users MOCO sent the badge field for: none at all means the field is not defined (or never filled). */
  withField: number;
  /** UIDs that open one user each. */
  badges: number;
  conflicts: { uid: string; users: UserRef[] }[];
  invalid: { user: UserRef; entries: string[] }[];
}

/** Where the sync stands, kept with the copy it describes. */
export interface MocoSyncState {
  /** The field the copy was read from: another `badges.field` makes it worthless. */
  field: string;
  lastFullAt: number | null;
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  /** The latest `updated_at` MOCO sent: where the next incremental read starts (with a margin). */
  highWater: string | null;
  /** Active users in the last full listing. */
  fullCount: number | null;
  /** Custom fields of users named like the configured one but for case or spaces: a likely typo. */
  similarFields: string[];
  /** Why the last attempt failed; null when it did not. */
  error: string | null;
  /** The MocoError code of that failure, or `local`; what `status` and `doctor` explain. */
  errorCode: string | null;
}

const STATE_KEY = 'moco_badges_sync';

interface UserRow {
  id: number;
  name: string;
  has_field: number;
  invalid: string;
}

export class MocoBadges {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** A full listing: users not in it are gone (deactivated or deleted), with their badges. */
  replaceAll(users: readonly DirectoryUser[]): void {
    this.#db
      .transaction(() => {
        const keep = new Set(users.map((u) => u.id));
        const stale = this.#db
          .prepare<[], { id: number }>('SELECT id FROM moco_users')
          .all()
          .filter((row) => !keep.has(row.id))
          .map((row) => row.id);
        this.#remove(stale);
        for (const user of users) this.#put(user);
      })
      .immediate();
  }

  /** Changed users from an incremental read, and the ids of users known to be gone. */
  update(users: readonly DirectoryUser[], goneIds: readonly number[] = []): void {
    this.#db
      .transaction(() => {
        this.#remove(goneIds);
        for (const user of users) this.#put(user);
      })
      .immediate();
  }

  lookup(uid: string): BadgeLookup {
    const users = this.#db
      .prepare<[string], UserRef>(
        `SELECT u.id AS id, u.name AS name FROM moco_badges b JOIN moco_users u ON u.id = b.user_id
         WHERE b.uid = ? ORDER BY u.id`,
      )
      .all(uid.trim().toUpperCase());
    if (users.length === 0) return { kind: 'unknown' };
    if (users.length === 1) return { kind: 'user', user: users[0] as UserRef };
    return { kind: 'conflict', users };
  }

  markSeen(uid: string, at: number): void {
    this.#db
      .prepare('UPDATE moco_badges SET last_seen_at = ? WHERE uid = ?')
      .run(at, uid.trim().toUpperCase());
  }

  list(): MocoBadgeRow[] {
    return this.#db
      .prepare<
        [],
        { uid: string; userId: number; userName: string; lastSeenAt: number | null; holders: number }
      >(
        `SELECT b.uid AS uid, b.user_id AS userId, u.name AS userName, b.last_seen_at AS lastSeenAt,
           (SELECT count(*) FROM moco_badges o WHERE o.uid = b.uid) AS holders
         FROM moco_badges b JOIN moco_users u ON u.id = b.user_id
         ORDER BY u.name COLLATE NOCASE, b.uid`,
      )
      .all()
      .map(({ holders, ...row }) => ({ ...row, conflict: holders > 1 }));
  }

  summary(): MocoBadgeSummary {
    const users = this.#db.prepare<[], UserRow>('SELECT id, name, has_field, invalid FROM moco_users').all();
    const rows = this.list();
    const conflicts = new Map<string, UserRef[]>();
    for (const row of rows.filter((r) => r.conflict)) {
      conflicts.set(row.uid, [...(conflicts.get(row.uid) ?? []), { id: row.userId, name: row.userName }]);
    }
    return {
      users: users.length,
      withField: users.filter((u) => u.has_field === 1).length,
      badges: rows.filter((r) => !r.conflict).length,
      conflicts: [...conflicts].map(([uid, holders]) => ({ uid, users: holders })),
      invalid: users
        .map((u) => ({ user: { id: u.id, name: u.name }, entries: JSON.parse(u.invalid) as string[] }))
        .filter((u) => u.entries.length > 0),
    };
  }

  state(): MocoSyncState | null {
    const row = this.#db
      .prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')
      .get(STATE_KEY);
    return row === undefined ? null : (JSON.parse(row.value) as MocoSyncState);
  }

  saveState(state: MocoSyncState): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(STATE_KEY, JSON.stringify(state));
  }

  /** Forgets every user and badge, for a copy read from another field. */
  clear(): void {
    this.#db.prepare('DELETE FROM moco_users').run();
  }

  #remove(ids: readonly number[]): void {
    const remove = this.#db.prepare('DELETE FROM moco_users WHERE id = ?');
    for (const id of ids) remove.run(id);
  }

  /** Keeps the last-seen times of UIDs the user still has. */
  #put(user: DirectoryUser): void {
    this.#db
      .prepare(
        `INSERT INTO moco_users (id, name, email, has_field, invalid, updated_at)
         VALUES (@id, @name, @email, @hasField, @invalid, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
           has_field = excluded.has_field, invalid = excluded.invalid, updated_at = excluded.updated_at`,
      )
      .run({
        id: user.id,
        name: user.name,
        email: user.email,
        hasField: user.hasField ? 1 : 0,
        invalid: JSON.stringify(user.invalid),
        updatedAt: user.updatedAt,
      });
    const kept = this.#db
      .prepare<[number], { uid: string }>('SELECT uid FROM moco_badges WHERE user_id = ?')
      .all(user.id)
      .map((row) => row.uid);
    const remove = this.#db.prepare('DELETE FROM moco_badges WHERE user_id = ? AND uid = ?');
    for (const uid of kept) if (!user.uids.includes(uid)) remove.run(user.id, uid);
    const add = this.#db.prepare('INSERT OR IGNORE INTO moco_badges (uid, user_id) VALUES (?, ?)');
    for (const uid of user.uids) add.run(uid, user.id);
  }
}
