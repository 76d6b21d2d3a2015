import type { Database, Statement } from 'better-sqlite3';
import { errorMessage } from '../error-message.js';
import { apiKeyProblem } from '../moco/api-key.js';
import type { Clock } from '../time/clock.js';
import { type KeyCipher, KeyCipherError } from './secrets.js';

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

/**
 * One row of an import file, as text. A field left undefined (its column is absent) keeps the stored
 * value; an empty one clears it, except `apiKey`, where empty keeps the stored key.
 */
export interface ImportRow {
  /** Where the row is in the file, for error messages. */
  line: number;
  uid: string;
  label?: string;
  userId?: string;
  userName?: string;
  apiKey?: string;
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportResult {
  added: number;
  updated: number;
}

export type BadgeErrorCode =
  | 'malformed_uid'
  | 'empty_key'
  | 'bad_key'
  | 'no_user'
  | 'exists'
  | 'not_found'
  | 'import_row'
  /** A badge of the import was removed by someone else between checking the file and writing it. */
  | 'import_conflict';

export class BadgeError extends Error {
  readonly code: BadgeErrorCode;
  /** For `import_row`: every bad row. */
  readonly problems: ImportProblem[];

  constructor(code: BadgeErrorCode, message: string, problems: ImportProblem[] = []) {
    super(message);
    this.name = 'BadgeError';
    this.code = code;
    this.problems = problems;
  }
}

const UID_RE = /^[A-Z0-9:-]{1,64}$/;

export function normalizeBadgeUid(raw: string): string {
  const uid = raw.trim().toUpperCase();
  if (!UID_RE.test(uid)) {
    throw new BadgeError(
      'malformed_uid',
      `${JSON.stringify(raw)} is not a badge UID: use 1 to 64 letters, digits, "-" or ":"`,
    );
  }
  return uid;
}

/** `…` and the last four characters; nothing of keys too short to hide most of; `none` without a key. */
export function keyHint(apiKey: string | null): string {
  if (apiKey === null) return 'none';
  return apiKey.length > 8 ? `…${apiKey.slice(-4)}` : '…';
}

interface BadgeRow {
  uid: string;
  label: string | null;
  user_id: number | null;
  user_name: string | null;
  api_key: string | null;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
}

const COLUMNS = 'uid, label, user_id, user_name, api_key, created_at, updated_at, last_seen_at';

/** A checked import row as staged: `set*` says whether the file had the column (else it is kept). */
interface StagedRow {
  uid: string;
  label: string | null;
  setLabel: 0 | 1;
  userId: number | null;
  setUserId: 0 | 1;
  userName: string | null;
  setUserName: 0 | 1;
  /** Encrypted; null keeps the stored key, unless `clearKey`. */
  apiKey: string | null;
  /** The Staff key books the badge: a key stored earlier goes. */
  clearKey: 0 | 1;
}

const STAGED_COLUMNS = `uid TEXT PRIMARY KEY NOT NULL, label TEXT, set_label INTEGER NOT NULL,
  user_id INTEGER, set_user_id INTEGER NOT NULL, user_name TEXT, set_user_name INTEGER NOT NULL, api_key TEXT,
  clear_key INTEGER NOT NULL`;

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
    this.#find = db.prepare(`SELECT ${COLUMNS} FROM badges WHERE uid = ?`);
    this.#upsert = db.prepare(
      `INSERT INTO badges (${COLUMNS})
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
  identify(uid: string): Pick<Badge, 'uid' | 'userId' | 'userName' | 'label'> | null {
    const row = this.#find.get(uid.trim().toUpperCase());
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
        `SELECT ${COLUMNS} FROM badges ORDER BY label IS NULL, label COLLATE NOCASE, uid`,
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

  markSeen(uid: string, at: number): void {
    this.#db.prepare('UPDATE badges SET last_seen_at = ? WHERE uid = ?').run(at, uid.trim().toUpperCase());
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
    const rows = this.#db.prepare<[], BadgeRow>(`SELECT ${COLUMNS} FROM badges ORDER BY uid`).all();
    return rows.map((row) => ({
      uid: row.uid,
      label: row.label,
      userId: row.user_id,
      userName: row.user_name,
      apiKey: withKeys && row.api_key !== null ? this.#cipher.decrypt(row.api_key, row.uid) : null,
    }));
  }

  /**
   * All rows or none: any bad row throws `import_row` naming every bad row, and nothing changes.
   *
   * The daemon must get a tap into the journal meanwhile, within a second, and a write lock held
   * for the whole import would keep it out for as long as the import takes. So the rows are
   * checked and their keys encrypted against a read snapshot, without the write lock; staged in a
   * temporary table, which is this connection's own and locks nothing; and merged in one short
   * write transaction of two set-wise statements (about 2.5 µs a row on the development machine;
   * `npm run bench` measures it). One transaction keeps the import atomic, through a power cut too.
   *
   * With `staffKey` (`moco.identity: impersonation`) no row may bring a key, every badge needs its
   * MOCO user, and keys stored earlier are dropped from the imported badges.
   */
  importRows(rows: readonly ImportRow[], options: { staffKey?: boolean } = {}): ImportResult {
    const staffKey = options.staffKey === true;
    const planned = this.#db.transaction(() => this.#planImport(rows, staffKey))();
    this.#db.pragma('temp_store = MEMORY');
    this.#db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_rows (${STAGED_COLUMNS})`);
    try {
      this.#db.transaction(() => {
        this.#db.exec('DELETE FROM temp.import_rows');
        const stage = this.#db.prepare(
          `INSERT INTO temp.import_rows VALUES (@uid, @label, @setLabel, @userId, @setUserId, @userName,
             @setUserName, @apiKey, @clearKey)`,
        );
        for (const row of planned) stage.run(row);
      })();
      return this.#db.transaction(() => this.#mergeStaged(staffKey)).immediate();
    } finally {
      this.#db.exec('DROP TABLE temp.import_rows');
    }
  }

  #planImport(rows: readonly ImportRow[], staffKey: boolean): StagedRow[] {
    const { checked, problems } = checkImportRows(rows);
    const planned: StagedRow[] = [];
    for (const { input, uid, userId, apiKey } of checked) {
      const existing = this.#find.get(uid);
      const problem = (message: string) => problems.push({ line: input.line, message });
      if (staffKey && apiKey !== '') {
        problem('moco.identity is impersonation, so no personal key is stored: leave api_key empty');
        continue;
      }
      if (staffKey && (userId === undefined ? (existing?.user_id ?? null) : userId) === null) {
        problem(`badge ${uid} needs the user_id of the MOCO user it books for`);
        continue;
      }
      if (!staffKey && apiKey === '' && existing?.api_key == null) {
        problem(`badge ${uid} ${existing === undefined ? 'is new' : 'has no key'}, so it needs an api_key`);
        continue;
      }
      planned.push({
        uid,
        label: input.label === undefined ? null : blankToNull(input.label),
        setLabel: input.label === undefined ? 0 : 1,
        userId: userId ?? null,
        setUserId: userId === undefined ? 0 : 1,
        userName: input.userName === undefined ? null : blankToNull(input.userName),
        setUserName: input.userName === undefined ? 0 : 1,
        apiKey: apiKey === '' ? null : this.#cipher.encrypt(apiKey, uid),
        clearKey: staffKey ? 1 : 0,
      });
    }
    throwImportProblems(problems);
    return planned;
  }

  /** Updates first, so the rows inserted after are not updated again; a column not in the file keeps its value. */
  #mergeStaged(staffKey: boolean): ImportResult {
    const now = this.#clock.now();
    // A row planned as an update on what the badge had, whose badge someone removed since: inserted,
    // it would lack what its taps need (a key of its own, or with the Staff key its user).
    const lacking = this.#db
      .prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM temp.import_rows AS s
         WHERE ${staffKey ? 's.user_id' : 's.api_key'} IS NULL AND NOT EXISTS (SELECT 1 FROM badges b WHERE b.uid = s.uid)`,
      )
      .get()!.n;
    if (lacking > 0) {
      throw new BadgeError(
        'import_conflict',
        `a badge of the file was removed while importing it, so its row has no ${staffKey ? 'user_id' : 'api_key'}: nothing imported; run the import again`,
      );
    }
    const updated = this.#db
      .prepare(
        `UPDATE badges SET
           label = CASE WHEN s.set_label THEN s.label ELSE badges.label END,
           user_id = CASE WHEN s.set_user_id THEN s.user_id ELSE badges.user_id END,
           user_name = CASE WHEN s.set_user_name THEN s.user_name ELSE badges.user_name END,
           api_key = CASE WHEN s.clear_key THEN NULL ELSE COALESCE(s.api_key, badges.api_key) END,
           updated_at = ?
         FROM temp.import_rows AS s WHERE s.uid = badges.uid`,
      )
      .run(now).changes;
    const added = this.#db
      .prepare(
        `INSERT INTO badges (${COLUMNS})
         SELECT s.uid, s.label, s.user_id, s.user_name, s.api_key, ?, ?, NULL FROM temp.import_rows AS s
         WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE b.uid = s.uid)`,
      )
      .run(now, now).changes;
    return { added, updated };
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

const KEY_CHECK = 'master_key_check';
const KEY_CHECK_AAD = 'meta:master_key_check';
const KEY_CHECK_PLAIN = 'moco-timeclock';

/**
 * Makes sure `cipher` holds the master key this database's keys were encrypted with (recording it on
 * first use), then encrypts any key still stored in plain text. Returns how many it encrypted.
 *
 * Called by whoever opens the badge store, before using it: checking up front turns a wrong master
 * key into one clear error at start-up, instead of a failure on some later tap, and keeps a wrong key
 * from ever encrypting a row the right one could not read.
 */
export function migratePlaintextKeys(db: Database, cipher: KeyCipher): number {
  const readCheck = () =>
    db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY_CHECK);
  const mismatch = () =>
    new KeyCipherError(
      'wrong_master_key',
      'the master key is not the one the badge keys in this database were encrypted with: restore ' +
        'the original master key file (the keys cannot be recovered without it)',
    );
  // Every command and the daemon open through here: reading first, without the write lock, keeps
  // them from queueing behind each other when (as nearly always) there is nothing to write.
  const known = readCheck();
  if (known !== undefined) {
    if (!decrypts(cipher, known.value, KEY_CHECK_AAD)) throw mismatch();
    if (!hasPlaintextKey(db, cipher)) return 0;
  }
  return db
    .transaction(() => {
      const check = readCheck();
      if (check !== undefined) {
        if (!decrypts(cipher, check.value, KEY_CHECK_AAD)) throw mismatch();
      } else {
        const sample = db
          .prepare<[], Pick<BadgeRow, 'uid' | 'api_key'>>('SELECT uid, api_key FROM badges')
          .all()
          .find((row) => row.api_key !== null && cipher.isEncrypted(row.api_key));
        if (sample?.api_key != null && !decrypts(cipher, sample.api_key, sample.uid)) throw mismatch();
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
          KEY_CHECK,
          cipher.encrypt(KEY_CHECK_PLAIN, KEY_CHECK_AAD),
        );
      }
      const update = db.prepare('UPDATE badges SET api_key = ? WHERE uid = ?');
      let migrated = 0;
      for (const row of db
        .prepare<[], Pick<BadgeRow, 'uid' | 'api_key'>>('SELECT uid, api_key FROM badges')
        .all()) {
        if (row.api_key === null || cipher.isEncrypted(row.api_key)) continue;
        update.run(cipher.encrypt(row.api_key.trim(), row.uid), row.uid);
        migrated += 1;
      }
      return migrated;
    })
    .immediate();
}

function hasPlaintextKey(db: Database, cipher: KeyCipher): boolean {
  for (const row of db.prepare<[], { api_key: string }>('SELECT api_key FROM badges').iterate()) {
    if (!cipher.isEncrypted(row.api_key)) return true;
  }
  return false;
}

function decrypts(cipher: KeyCipher, stored: string, aad: string): boolean {
  try {
    cipher.decrypt(stored, aad);
    return true;
  } catch (error) {
    if (error instanceof KeyCipherError) return false;
    throw error;
  }
}

interface CheckedRow {
  input: ImportRow;
  uid: string;
  userId: number | null | undefined;
  apiKey: string;
}

/**
 * Everything about import rows that can be checked without the database: UIDs, duplicates, user
 * ids, key characters. The import command runs it before opening anything, so a bad file creates
 * nothing, not even the database of a new kiosk; `importRows` runs it again, with the rest.
 */
export function checkImportRows(rows: readonly ImportRow[]): {
  checked: CheckedRow[];
  problems: ImportProblem[];
} {
  const problems: ImportProblem[] = [];
  const checked: CheckedRow[] = [];
  const seen = new Map<string, number>();
  for (const input of rows) {
    const problem = (message: string) => problems.push({ line: input.line, message });
    let uid: string;
    try {
      uid = normalizeBadgeUid(input.uid);
    } catch (error) {
      problem(errorMessage(error));
      continue;
    }
    const earlier = seen.get(uid);
    if (earlier !== undefined) {
      problem(`badge ${uid} already appears on line ${earlier}`);
      continue;
    }
    seen.set(uid, input.line);
    const userId = parseUserId(input.userId);
    if (userId === 'invalid') {
      problem(`user_id ${JSON.stringify(input.userId)} is not a MOCO user id (a positive whole number)`);
      continue;
    }
    const apiKey = input.apiKey?.trim() ?? '';
    const keyProblem = apiKey === '' ? null : apiKeyProblem(apiKey);
    if (keyProblem !== null) {
      problem(`the api_key of badge ${uid} ${keyProblem}`);
      continue;
    }
    checked.push({ input, uid, userId, apiKey });
  }
  return { checked, problems };
}

export function throwImportProblems(problems: ImportProblem[]): void {
  if (problems.length === 0) return;
  problems.sort((a, b) => a.line - b.line);
  throw new BadgeError(
    'import_row',
    `${problems.length} bad row${problems.length === 1 ? '' : 's'}, nothing imported:\n` +
      problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n'),
    problems,
  );
}

function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function parseUserId(text: string | undefined): number | null | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^[0-9]+$/.test(trimmed)) return 'invalid';
  const id = Number(trimmed);
  return Number.isSafeInteger(id) && id > 0 ? id : 'invalid';
}
