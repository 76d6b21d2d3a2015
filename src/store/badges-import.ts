import type { Database } from 'better-sqlite3';
import { apiKeyProblem } from '../moco/api-key.js';
import type { Uid } from '../readers/uid.js';
import type { Clock } from '../time/clock.js';
import { BadgeError, blankToNull, type ImportProblem, normalizeBadgeUid } from './badges-input.js';
import { BADGE_COLUMNS, type BadgeRow } from './badges-table.js';
import type { KeyCipher } from './secrets.js';

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

export interface ImportResult {
  added: number;
  updated: number;
}

/** A checked import row as staged: `set*` says whether the file had the column (else it is kept). */
interface StagedRow {
  uid: Uid;
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

export interface ImportContext {
  db: Database;
  cipher: KeyCipher;
  clock: Clock;
  find: (uid: Uid) => BadgeRow | undefined;
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
export function importBadgeRows(
  context: ImportContext,
  rows: readonly ImportRow[],
  options: { staffKey?: boolean } = {},
): ImportResult {
  const { db } = context;
  const staffKey = options.staffKey === true;
  const planned = db.transaction(() => planImport(context, rows, staffKey))();
  db.pragma('temp_store = MEMORY');
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_rows (${STAGED_COLUMNS})`);
  try {
    db.transaction(() => {
      db.exec('DELETE FROM temp.import_rows');
      const stage = db.prepare(
        `INSERT INTO temp.import_rows VALUES (@uid, @label, @setLabel, @userId, @setUserId, @userName,
           @setUserName, @apiKey, @clearKey)`,
      );
      for (const row of planned) stage.run(row);
    })();
    return db.transaction(() => mergeStaged(db, context.clock.now(), staffKey)).immediate();
  } finally {
    db.exec('DROP TABLE temp.import_rows');
  }
}

function planImport(context: ImportContext, rows: readonly ImportRow[], staffKey: boolean): StagedRow[] {
  const { checked, problems } = checkImportRows(rows);
  const planned: StagedRow[] = [];
  for (const { input, uid, userId, apiKey } of checked) {
    const existing = context.find(uid);
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
      apiKey: apiKey === '' ? null : context.cipher.encrypt(apiKey, uid),
      clearKey: staffKey ? 1 : 0,
    });
  }
  throwImportProblems(problems);
  return planned;
}

/** Updates first, so the rows inserted after are not updated again; a column not in the file keeps its value. */
function mergeStaged(db: Database, now: number, staffKey: boolean): ImportResult {
  // A row planned as an update on what the badge had, whose badge someone removed since: inserted,
  // it would lack what its taps need (a key of its own, or with the Staff key its user).
  const lacking = db
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
  const updated = db
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
  const added = db
    .prepare(
      `INSERT INTO badges (${BADGE_COLUMNS})
       SELECT s.uid, s.label, s.user_id, s.user_name, s.api_key, ?, ?, NULL FROM temp.import_rows AS s
       WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE b.uid = s.uid)`,
    )
    .run(now, now).changes;
  return { added, updated };
}

interface CheckedRow {
  input: ImportRow;
  uid: Uid;
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
  const seen = new Map<Uid, number>();
  for (const input of rows) {
    const problem = (message: string) => problems.push({ line: input.line, message });
    let uid: Uid;
    try {
      uid = normalizeBadgeUid(input.uid);
    } catch (error) {
      problem((error as Error).message);
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

function parseUserId(text: string | undefined): number | null | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^[0-9]+$/.test(trimmed)) return 'invalid';
  const id = Number(trimmed);
  return Number.isSafeInteger(id) && id > 0 ? id : 'invalid';
}
