import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadgeError, BadgeStore } from '../../src/store/badges.js';
import { migratePlaintextKeys } from '../../src/store/badges-master-key.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { KeyCipher } from '../../src/store/secrets.js';

/** Badges booked with the Staff key (`moco.identity: impersonation`): a user, and no key of their own. */

let dir: string;
let db: Database;
let store: BadgeStore;
const cipher = new KeyCipher(Buffer.alloc(32, 7));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-badges-staff-'));
  db = openDatabase(join(dir, 'timeclock.db'));
  migratePlaintextKeys(db, cipher);
  store = new BadgeStore(db, cipher, { now: () => 1_700_000_000_000 });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a badge without a key of its own', () => {
  it('is stored for its MOCO user, and shows no key', () => {
    store.add({ uid: '04a1', userId: 1001, userName: 'Anna Schmidt', apiKey: null });
    expect(store.find('04A1')).toMatchObject({ userId: 1001, apiKey: null });
    expect(store.list()[0]).toMatchObject({ uid: '04A1', keyHint: 'none' });
    expect(store.exportRows(true)[0]).toMatchObject({ uid: '04A1', apiKey: null });
  });

  it('needs the user it books for', () => {
    expect(() => store.add({ uid: '04A1', apiKey: null })).toThrow(BadgeError);
    expect(store.count()).toBe(0);
  });

  it('is left alone by the encryption of plain-text keys', () => {
    store.add({ uid: '04A1', userId: 1001, apiKey: null });
    expect(migratePlaintextKeys(db, cipher)).toBe(0);
    expect(store.find('04A1')?.apiKey).toBeNull();
  });

  it('is imported without keys, and an import drops a key stored earlier', () => {
    store.add({ uid: '0BEE', userId: 1002, apiKey: 'personal-key-of-ben-0123' });
    const result = store.importRows(
      [
        { line: 2, uid: '04A1', userId: '1001', userName: 'Anna' },
        { line: 3, uid: '0BEE', apiKey: '' },
      ],
      { staffKey: true },
    );
    expect(result).toEqual({ added: 1, updated: 1 });
    expect(store.find('0BEE')).toMatchObject({ userId: 1002, apiKey: null });
    expect(db.prepare('SELECT count(*) AS n FROM badges WHERE api_key IS NOT NULL').get()).toEqual({ n: 0 });
  });

  it('refuses an import that brings keys, or a badge without its user', () => {
    const failure = (() => {
      try {
        store.importRows(
          [
            { line: 2, uid: '04A1', userId: '1001', apiKey: 'a-key' },
            { line: 3, uid: '0BEE' },
          ],
          { staffKey: true },
        );
      } catch (error) {
        return error as BadgeError;
      }
      throw new Error('imported');
    })();
    expect(failure.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(store.count()).toBe(0);
  });
});
