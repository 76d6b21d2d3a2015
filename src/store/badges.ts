import type { Database, Statement } from 'better-sqlite3';
import { apiKeyProblem } from '../moco/api-key.js';
import type { Uid } from '../readers/uid.js';
import type { Clock } from '../time/clock.js';
import { type ImportResult, type ImportRow, importBadgeRows } from './badges-import.js';
import { BadgeError, blankToNull, normalizeBadgeUid } from './badges-input.js';
import { BADGE_COLUMNS, type BadgeRow } from './badges-table.js';
import type { KeyCipher } from './secrets.js';

export {
  checkImportRows,
  type ImportResult,
  type ImportRow,
  throwImportProblems,
} from './badges-import.js';
export { BadgeError, type BadgeErrorCode, type ImportProblem, normalizeBadgeUid } from './badges-input.js';

export interface Badge {
  /** Normalised: trimmed, upper case. */
  uid: string;
  label: string | null;
  userId: number | null;
  userName: string | null;
  /** Decrypted; null for a badge booked with the Staff key (`moco.identity: impersonation`). */
  apiKey: string | null;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
}

/** What may be shown: everything but the key, of which only the last characters appear. */
export type BadgeSummary = Omit<Badge, 'apiKey'> & { keyHint: string };

export interface AddBadgeInput {
  uid: string;
  label?: string | null;
  userId?: number | null;
  userName?: string | null;
  /** Null for a badge booked with the Staff key: then the MOCO user is required. */
  apiKey: string | null;
}

export interface ExportRow {
  uid: string;
  label: string | null;
  userId: number | null;
  userName: string | null;
  /** Null unless the export was asked for keys. */
  apiKey: string | null;
}

/** `…` and the last four characters; nothing of keys too short to hide most of; `none` without a key. */
export function keyHint(apiKey: string | null): string {
  if (apiKey === null) return 'none';
  return apiKey.length > 8 ? `…${apiKey.slice(-4)}` : '…';
}

/**
 * The badge-to-key mapping. Every read goes to the database, so what an admin changes with the CLI
 * applies to the next tap without restarting the daemon.
 */
export class BadgeStore {
  readonly #db: Database;
  readonly #cipher: KeyCipher;
  readonly #clock: Clock;
  readonly #find: Statement<[string], BadgeRow>;
  readonly #upsert: Statement<BadgeRow>;

  constructor(db: Database, cipher: KeyCipher, clock: Clock) {
    this.#db = db;
    this.#cipher = cipher;
    this.#clock = clock;
    this.#find = db.prepare(`SELECT ${BADGE_COLUMNS} FROM badges WHERE uid = ?`);
    this.#upsert = db.prepare(
      `INSERT INTO badges (${BADGE_COLUMNS})
       VALUES (@uid, @label, @user_id, @user_name, @api_key, @created_at, @updated_at, @last_seen_at)
       ON CONFLICT (uid) DO UPDATE SET label = excluded.label, user_id = excluded.user_id,
         user_name = excluded.user_name, api_key = excluded.api_key, updated_at = excluded.updated_at`,
    );
  }

  /** The badge for a UID as read, or null; a UID that cannot be a badge is simply unknown. */
  find(uid: string): Badge | null {
    const row = this.#find.get(uid.trim().toUpperCase());
    return row === undefined ? null : this.#toBadge(row);
  }

  /**
   * Who a badge belongs to, without decrypting its key: what a tap needs before it is journaled.
   * The key is decrypted once, by the courier, when the tap is sent.
   */
  identify(uid: Uid): Pick<Badge, 'uid' | 'userId' | 'userName' | 'label'> | null {
    const row = this.#find.get(uid);
    return row === undefined
      ? null
      : { uid: row.uid, userId: row.user_id, userName: row.user_name, label: row.label };
  }

  /**
   * Maps a UID to a key. Refuses a mapped UID unless `replace`, which swaps key and user and keeps the
   * label when none is given, and the creation and last-seen times.
   */
  add(input: AddBadgeInput, options: { replace?: boolean } = {}): Badge {
    const uid = normalizeBadgeUid(input.uid);
    const apiKey = input.apiKey === null ? null : input.apiKey.trim();
    if (apiKey === '') throw new BadgeError('empty_key', `the API key for badge ${uid} is empty`);
    if (apiKey === null && (input.userId ?? null) === null) {
      throw new BadgeError(
        'no_user',
        `badge ${uid} has no key of its own, so it needs the MOCO user it books for`,
      );
    }
    const problem = apiKey === null ? null : apiKeyProblem(apiKey);
    if (problem !== null) throw new BadgeError('bad_key', `the API key for badge ${uid} ${problem}`);
    return this.#db
      .transaction(() => {
        const existing = this.#find.get(uid);
        if (existing !== undefined && options.replace !== true) {
          throw new BadgeError(
            'exists',
            `badge ${uid} is already mapped${existing.label === null ? '' : ` (${existing.label})`}`,
          );
        }
        const now = this.#clock.now();
        const row: BadgeRow = {
          uid,
          label: input.label === undefined ? (existing?.label ?? null) : blankToNull(input.label),
          user_id: input.userId ?? null,
          user_name: blankToNull(input.userName),
          api_key: apiKey === null ? null : this.#cipher.encrypt(apiKey, uid),
          created_at: existing?.created_at ?? now,
          updated_at: now,
          last_seen_at: existing?.last_seen_at ?? null,
        };
        this.#upsert.run(row);
        return this.#toBadge(row);
      })
      .immediate();
  }

  list(): BadgeSummary[] {
    const rows = this.#db
      .prepare<[], BadgeRow>(
        `SELECT ${BADGE_COLUMNS} FROM badges ORDER BY label IS NULL, label COLLATE NOCASE, uid`,
      )
      .all();
    return rows.map((row) => {
      const { apiKey, ...rest } = this.#toBadge(row);
      return { ...rest, keyHint: keyHint(apiKey) };
    });
  }

  remove(uid: string): boolean {
    return this.#db.prepare('DELETE FROM badges WHERE uid = ?').run(normalizeBadgeUid(uid)).changes > 0;
  }

  /** An empty label clears it. */
  rename(uid: string, label: string): void {
    const normalized = normalizeBadgeUid(uid);
    const result = this.#db
      .prepare('UPDATE badges SET label = ?, updated_at = ? WHERE uid = ?')
      .run(blankToNull(label), this.#clock.now(), normalized);
    if (result.changes === 0) throw new BadgeError('not_found', `there is no badge ${normalized}`);
  }

  markSeen(uid: Uid, at: number): void {
    this.#db.prepare('UPDATE badges SET last_seen_at = ? WHERE uid = ?').run(at, uid);
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM badges').get()!.n;
  }

  /** How many badges there are and how many hold a key of their own, without decrypting one. */
  keyCounts(): { total: number; withKey: number } {
    return this.#db
      .prepare<[], { total: number; withKey: number }>(
        'SELECT count(*) AS total, count(api_key) AS withKey FROM badges',
      )
      .get()!;
  }

  exportRows(withKeys: boolean): ExportRow[] {
    const rows = this.#db.prepare<[], BadgeRow>(`SELECT ${BADGE_COLUMNS} FROM badges ORDER BY uid`).all();
    return rows.map((row) => ({
      uid: row.uid,
      label: row.label,
      userId: row.user_id,
      userName: row.user_name,
      apiKey: withKeys && row.api_key !== null ? this.#cipher.decrypt(row.api_key, row.uid) : null,
    }));
  }

  /** See importBadgeRows: all rows or none. */
  importRows(rows: readonly ImportRow[], options: { staffKey?: boolean } = {}): ImportResult {
    const find = (uid: string) => this.#find.get(uid);
    return importBadgeRows({ db: this.#db, cipher: this.#cipher, clock: this.#clock, find }, rows, options);
  }

  #toBadge(row: BadgeRow): Badge {
    return {
      uid: row.uid,
      label: row.label,
      userId: row.user_id,
      userName: row.user_name,
      apiKey: row.api_key === null ? null : this.#cipher.decrypt(row.api_key, row.uid),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lastSeenAt: row.last_seen_at,
    };
  }
}
