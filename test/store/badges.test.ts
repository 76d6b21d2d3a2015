import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BadgeError, BadgeStore, keyHint, normalizeBadgeUid } from '../../src/store/badges.js';
import { migratePlaintextKeys } from '../../src/store/badges-master-key.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { KeyCipher, KeyCipherError } from '../../src/store/secrets.js';
import { readUid } from '../readers/uids.js';

const MASTER = Buffer.alloc(32, 42);
const KEY_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa1111';
const KEY_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb2222';

let dir: string;
let db: Database;
let now: number;
const clock = { now: () => now };
let cipher: KeyCipher;
let store: BadgeStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-badges-'));
  db = openDatabase(join(dir, 'timeclock.db'));
  now = 1_700_000_000_000;
  cipher = new KeyCipher(MASTER);
  migratePlaintextKeys(db, cipher);
  store = new BadgeStore(db, cipher, clock);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): BadgeError {
  try {
    fn();
  } catch (error) {
    return error as BadgeError;
  }
  throw new Error('expected a throw');
}

const rawKey = (uid: string) =>
  db.prepare<[string], { api_key: string }>('SELECT api_key FROM badges WHERE uid = ?').get(uid)!.api_key;

describe('normalizeBadgeUid', () => {
  it('trims and upper-cases', () => {
    expect(normalizeBadgeUid('  04a1:b2-c3\n')).toBe('04A1:B2-C3');
  });

  it.each(['', '   ', '04 A1', '04_A1', 'Ä1', 'x'.repeat(65)])('refuses %j', (raw) => {
    expect(thrown(() => normalizeBadgeUid(raw)).code).toBe('malformed_uid');
  });

  it('accepts 64 characters', () => {
    expect(normalizeBadgeUid('a'.repeat(64))).toBe('A'.repeat(64));
  });
});

describe('BadgeStore', () => {
  it('adds a badge and finds it by the UID as read, in any case and with spaces', () => {
    const added = store.add({
      uid: '04ab',
      label: ' Anna ',
      userId: 1001,
      userName: 'Anna Schmidt',
      apiKey: ` ${KEY_A} `,
    });
    expect(added).toEqual({
      uid: '04AB',
      label: 'Anna',
      userId: 1001,
      userName: 'Anna Schmidt',
      apiKey: KEY_A,
      createdAt: now,
      updatedAt: now,
      lastSeenAt: null,
    });
    expect(store.find(' 04Ab ')).toEqual(added);
    expect(store.find('04AC')).toBeNull();
    expect(store.find('not a uid!')).toBeNull();
    expect(store.count()).toBe(1);
  });

  it('stores only ciphertext bound to the row', () => {
    store.add({ uid: '04AB', apiKey: KEY_A });
    const stored = rawKey('04AB');
    expect(stored).not.toContain(KEY_A);
    expect(stored).not.toContain('1111');
    expect(cipher.isEncrypted(stored)).toBe(true);
    // The ciphertext copied onto another badge does not lend it the key.
    store.add({ uid: '05CD', apiKey: KEY_B });
    db.prepare('UPDATE badges SET api_key = ? WHERE uid = ?').run(stored, '05CD');
    expect(() => store.find('05CD')).toThrow(KeyCipherError);
  });

  it('refuses a mapped UID, an empty key and a malformed UID', () => {
    store.add({ uid: '04AB', label: 'Anna', apiKey: KEY_A });
    const exists = thrown(() => store.add({ uid: '04ab', apiKey: KEY_B }));
    expect(exists.code).toBe('exists');
    expect(exists.message).toContain('Anna');
    expect(store.find('04AB')!.apiKey).toBe(KEY_A);
    expect(thrown(() => store.add({ uid: '06EF', apiKey: '  ' })).code).toBe('empty_key');
    expect(thrown(() => store.add({ uid: '0 6', apiKey: KEY_A })).code).toBe('malformed_uid');
  });

  it('replaces key and user, keeping the label when none is given, the creation and the last-seen time', () => {
    store.add({ uid: '04AB', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: KEY_A });
    store.markSeen(readUid('04ab'), now + 5);
    now += 1000;
    const replaced = store.add({ uid: '04AB', apiKey: KEY_B }, { replace: true });
    expect(replaced).toMatchObject({
      label: 'Anna',
      userId: null,
      userName: null,
      apiKey: KEY_B,
      createdAt: now - 1000,
      updatedAt: now,
      lastSeenAt: now - 995,
    });
    expect(store.add({ uid: '04AB', label: 'Ben', apiKey: KEY_B }, { replace: true }).label).toBe('Ben');
    expect(store.count()).toBe(1);
  });

  it('lists without keys, only a hint of the last four characters, ordered by label', () => {
    store.add({ uid: '01', label: 'zoe', apiKey: KEY_A });
    store.add({ uid: '02', apiKey: KEY_B });
    store.add({ uid: '03', label: 'Anna', apiKey: KEY_B });
    const list = store.list();
    expect(list.map((b) => b.uid)).toEqual(['03', '01', '02']);
    expect(list[1]).not.toHaveProperty('apiKey');
    expect(list[1]!.keyHint).toBe('…1111');
    expect(JSON.stringify(list)).not.toContain(KEY_A);
  });

  it('hides short keys entirely', () => {
    expect(keyHint('abcdefgh')).toBe('…');
    expect(keyHint('abcdefghi')).toBe('…fghi');
  });

  it('removes, renames and marks badges seen', () => {
    store.add({ uid: '04AB', label: 'Anna', apiKey: KEY_A });
    now += 10;
    store.rename('04ab', ' Anna S. ');
    expect(store.find('04AB')).toMatchObject({ label: 'Anna S.', updatedAt: now });
    store.rename('04AB', '');
    expect(store.find('04AB')!.label).toBeNull();
    expect(thrown(() => store.rename('FFFF', 'x')).code).toBe('not_found');
    store.markSeen(readUid('04AB'), 12345);
    expect(store.find('04AB')!.lastSeenAt).toBe(12345);
    expect(store.remove('04ab')).toBe(true);
    expect(store.remove('04AB')).toBe(false);
    expect(store.find('04AB')).toBeNull();
  });

  it('sees changes made through another connection at once, as the daemon must', () => {
    const admin = openDatabase(join(dir, 'timeclock.db'));
    const adminStore = new BadgeStore(admin, cipher, clock);
    expect(store.find('04AB')).toBeNull();
    adminStore.add({ uid: '04AB', apiKey: KEY_A });
    expect(store.find('04AB')!.apiKey).toBe(KEY_A);
    adminStore.remove('04AB');
    expect(store.find('04AB')).toBeNull();
    admin.close();
  });
});

describe('export and import', () => {
  it('exports without keys unless asked', () => {
    store.add({ uid: '04AB', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: KEY_A });
    expect(store.exportRows(false)).toEqual([
      { uid: '04AB', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: null },
    ]);
    expect(store.exportRows(true)[0]!.apiKey).toBe(KEY_A);
  });

  it('adds new badges and updates existing ones; an empty key keeps the stored key', () => {
    store.add({ uid: '04AB', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: KEY_A });
    const result = store.importRows([
      { line: 2, uid: '04ab', label: 'Anna S.', userId: '', userName: '', apiKey: '' },
      { line: 3, uid: '05CD', label: 'Ben', userId: '1002', userName: 'Ben Meyer', apiKey: KEY_B },
    ]);
    expect(result).toEqual({ added: 1, updated: 1 });
    expect(store.find('04AB')).toMatchObject({
      label: 'Anna S.',
      userId: null,
      userName: null,
      apiKey: KEY_A,
    });
    expect(store.find('05CD')).toMatchObject({ label: 'Ben', userId: 1002, apiKey: KEY_B });
    expect(rawKey('05CD')).not.toContain(KEY_B);
  });

  it('keeps the stored value of a column the file does not have', () => {
    store.add({ uid: '04AB', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: KEY_A });
    store.importRows([{ line: 2, uid: '04AB', apiKey: KEY_B }]);
    expect(store.find('04AB')).toMatchObject({
      label: 'Anna',
      userId: 1001,
      userName: 'Anna Schmidt',
      apiKey: KEY_B,
    });
  });

  it('changes nothing when one row is bad, and names every bad row', () => {
    store.add({ uid: '04AB', label: 'Anna', apiKey: KEY_A });
    const before = store.exportRows(true);
    const error = thrown(() =>
      store.importRows([
        { line: 2, uid: '04AB', label: 'changed', apiKey: KEY_B },
        { line: 3, uid: '06EF', label: 'new', apiKey: KEY_B },
        { line: 4, uid: 'bad uid', apiKey: KEY_B },
        { line: 5, uid: '07AA', apiKey: '' },
        { line: 6, uid: '08BB', userId: '12x', apiKey: KEY_B },
        { line: 7, uid: '06ef', apiKey: KEY_B },
      ]),
    );
    expect(error.code).toBe('import_row');
    expect(error.problems.map((p) => p.line)).toEqual([4, 5, 6, 7]);
    expect(error.problems[1]!.message).toContain('needs an api_key');
    expect(error.problems[3]!.message).toContain('line 3');
    expect(store.exportRows(true)).toEqual(before);
    expect(store.count()).toBe(1);
  });
});

describe('BadgeStore: what a key and an import may not be', () => {
  it('refuses a key with whitespace inside or a control character, naming the badge', () => {
    const error = thrown(() => store.add({ uid: '04AB', apiKey: 'abc def' }));
    expect(error).toMatchObject({
      code: 'bad_key',
      message: 'the API key for badge 04AB has a space at position 4',
    });
    expect(store.count()).toBe(0);
    const bad = thrown(() => store.importRows([{ line: 2, uid: '05CD', apiKey: 'x\u0007y' }]));
    expect(bad.problems).toEqual([
      { line: 2, message: 'the api_key of badge 05CD has a control character (0x07) at position 2' },
    ]);
  });

  it('leaves the last-seen and creation times of an updated badge, and counts by what it found', () => {
    store.add({ uid: '04AB', label: 'Anna', apiKey: KEY_A });
    store.markSeen(readUid('04AB'), 42);
    const created = store.find('04AB')!.createdAt;
    now += 1000;
    expect(
      store.importRows([
        { line: 2, uid: '04AB', label: 'A' },
        { line: 3, uid: '05CD', apiKey: KEY_B },
      ]),
    ).toEqual({ added: 1, updated: 1 });
    expect(store.find('04AB')).toMatchObject({
      label: 'A',
      lastSeenAt: 42,
      createdAt: created,
      updatedAt: now,
    });
  });

  it('imports nothing when a badge planned as an update was removed before the write', () => {
    store.add({ uid: '04AB', apiKey: KEY_A });
    const removeDuringImport = db.prepare("DELETE FROM badges WHERE uid = '04AB'");
    // The import checks against a snapshot, then stages, then merges: another admin's removal
    // lands between the first two (here, when the second transaction is built).
    const original = db.transaction.bind(db);
    let transactions = 0;
    (db as { transaction: typeof db.transaction }).transaction = ((fn: () => unknown) => {
      transactions += 1;
      if (transactions === 2) removeDuringImport.run();
      return original(fn);
    }) as typeof db.transaction;
    try {
      const error = thrown(() =>
        store.importRows([
          { line: 2, uid: '04AB', label: 'kept key' },
          { line: 3, uid: '05CD', apiKey: KEY_B },
        ]),
      );
      expect(error.code).toBe('import_conflict');
    } finally {
      (db as { transaction: typeof db.transaction }).transaction = original;
    }
    expect(store.count()).toBe(0);
  });
});

describe('migratePlaintextKeys', () => {
  it('encrypts keys stored in plain text, once', () => {
    db.prepare(
      "INSERT INTO badges (uid, api_key, created_at, updated_at) VALUES ('04AB', ?, 1, 1), ('05CD', ?, 1, 1)",
    ).run(KEY_A, KEY_B);
    expect(migratePlaintextKeys(db, cipher)).toBe(2);
    expect(rawKey('04AB')).not.toContain(KEY_A);
    expect(store.find('04AB')!.apiKey).toBe(KEY_A);
    expect(store.find('05CD')!.apiKey).toBe(KEY_B);
    expect(migratePlaintextKeys(db, cipher)).toBe(0);
  });

  it('refuses a different master key before it encrypts anything with it', () => {
    store.add({ uid: '04AB', apiKey: KEY_A });
    db.prepare("INSERT INTO badges (uid, api_key, created_at, updated_at) VALUES ('05CD', ?, 1, 1)").run(
      KEY_B,
    );
    const wrong = new KeyCipher(Buffer.alloc(32, 1));
    let error: unknown;
    try {
      migratePlaintextKeys(db, wrong);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeyCipherError);
    expect((error as KeyCipherError).code).toBe('wrong_master_key');
    expect(rawKey('05CD')).toBe(KEY_B);
  });

  it('recognises a wrong master key from the badges when the check row is missing', () => {
    store.add({ uid: '04AB', apiKey: KEY_A });
    db.prepare('DELETE FROM meta').run();
    expect(() => migratePlaintextKeys(db, new KeyCipher(Buffer.alloc(32, 1)))).toThrow(KeyCipherError);
    expect(migratePlaintextKeys(db, cipher)).toBe(0);
  });
});
